package stargate.node.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Holds back a big whole-config apply until it is complete (the controller's staging, see
 * {@code docs/etcd-layout.md}): while {@code <prefix>/applying} exists, the controller is copying
 * a change into the config folders in several transactions, and a node must serve none of it.
 * So the watch events from the {@code applying} put onwards are held here, and handed on as one
 * batch (one resolve, one apply: every request sees all-old or all-new) when the watch shows
 * {@code applying} deleted. A whole read is made at a revision without a partial apply: before
 * the {@code applying} key's creation when it exists. Used by the {@code etcd-sync} thread.
 */
final class ApplyGate {
    private final String applyingKey;
    private final List<WatchEvent> held = new ArrayList<>();
    private boolean holding;

    ApplyGate(String prefix) {
        this.applyingKey = prefix + "/applying";
    }

    /**
     * One watch response's events in; out the events to apply now (empty while an apply is in
     * progress: they are held, and come out with the events of the response that ends it).
     */
    synchronized List<WatchEvent> offer(List<WatchEvent> events) {
        for (WatchEvent event : events) {
            if (event.getKeyValue().getKey().toString(UTF_8).equals(applyingKey)) {
                holding = event.getEventType() == WatchEvent.EventType.PUT;
            }
        }
        if (holding || !held.isEmpty()) {
            held.addAll(events);
            if (holding) {
                return List.of();
            }
            List<WatchEvent> out = List.copyOf(held);
            held.clear();
            return out;
        }
        return events;
    }

    String applyingKey() {
        return applyingKey;
    }

    /** Whether events are being held now (an apply is in progress). */
    synchronized boolean holding() {
        return holding;
    }

    /** A whole read supersedes what was held: the watch after it starts again from the read's revision. */
    synchronized void reset() {
        held.clear();
        holding = false;
    }

    /**
     * The revision a whole read must be made at: the current one, or, while an apply is in
     * progress, the one before it opened (then the watch from there sees the whole apply and this
     * gate holds it back). Fails when that revision is compacted: the caller retries later.
     */
    long readRevision(Client client, long timeoutMillis) throws Exception {
        GetResponse response = client.getKVClient().get(ByteSequence.from(applyingKey, UTF_8), GetOption.DEFAULT)
                .get(timeoutMillis, TimeUnit.MILLISECONDS);
        for (KeyValue kv : response.getKvs()) {
            return kv.getCreateRevision() - 1;
        }
        return response.getHeader().getRevision();
    }
}
