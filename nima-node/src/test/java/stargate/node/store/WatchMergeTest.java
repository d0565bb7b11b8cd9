package stargate.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge of per-folder watches back into whole revisions in order, without etcd (NarrowWatchTest has it). */
class WatchMergeTest {
    private static final int ROUTES = 0;
    private static final int UPSTREAMS = 1;

    private static WatchEvent put(String key, long revision) {
        return new WatchEvent(new KeyValue(io.etcd.jetcd.api.KeyValue.newBuilder()
                .setKey(com.google.protobuf.ByteString.copyFromUtf8(key)).setModRevision(revision).build(),
                ByteSequence.EMPTY), null, WatchEvent.EventType.PUT);
    }

    /** Both watches created before anything was written after the read (revision 10). */
    private static WatchMerge created(WatchMerge merge) {
        merge.created(ROUTES, 10, 0);
        merge.created(UPSTREAMS, 10, 0);
        return merge;
    }

    private static List<String> keys(List<WatchEvent> events) {
        return events.stream().map(e -> e.getKeyValue().getKey().toString()).toList();
    }

    @Test
    void oneTransactionOverTwoWatchesGoesOutWholeOnceBothHaveIt() {
        WatchMerge merge = created(new WatchMerge(2, 11));
        assertEquals(List.of(), merge.events(ROUTES, List.of(put("r", 11))), "upstreams may still hold revision 11");
        assertEquals(List.of("r", "u"), keys(merge.events(UPSTREAMS, List.of(put("u", 11)))));
        assertEquals(0, merge.oldestWaiting());
    }

    @Test
    void aQuietWatchIsTrustedOnlyAtItsSecondProgressAnswer() {
        WatchMerge merge = created(new WatchMerge(2, 11));
        merge.events(ROUTES, List.of(put("r", 12)));
        assertEquals(List.of(UPSTREAMS), merge.toAsk(1));
        assertEquals(List.of(), merge.toAsk(2), "asked already, no answer yet");
        assertEquals(List.of(), merge.progress(UPSTREAMS, 12, 10), "an answer may have overtaken an event (etcd#15220)");
        assertEquals(List.of(UPSTREAMS), merge.toAsk(3), "asked again once answered");
        assertEquals(List.of("r"), keys(merge.progress(UPSTREAMS, 12, 10)));
        assertEquals(List.of(), merge.toAsk(4), "nothing waits");
    }

    @Test
    void eventsGoOutInRevisionOrderWhicheverWatchBringsThemFirst() {
        WatchMerge merge = created(new WatchMerge(2, 11));
        merge.events(ROUTES, List.of(put("r13", 13)));
        assertEquals(List.of("u12"), keys(merge.events(UPSTREAMS, List.of(put("u12", 12)))), "13 still waits for upstreams");
        assertEquals(List.of("r13"), keys(merge.events(UPSTREAMS, List.of(put("u14", 14)))), "14 waits for routes");
        assertEquals(List.of("u14"), keys(merge.events(ROUTES, List.of(put("r15", 15)))));
    }

    @Test
    void anEventBehindWhatWentOutIsHandedOnAtOnceAndCounted() {
        WatchMerge merge = created(new WatchMerge(2, 11));
        merge.events(ROUTES, List.of(put("r", 12)));
        merge.progress(UPSTREAMS, 13, 10);
        assertEquals(List.of("r"), keys(merge.progress(UPSTREAMS, 13, 10)));
        assertEquals(List.of("u"), keys(merge.events(UPSTREAMS, List.of(put("u", 12)))));
        assertEquals(1, merge.late());
    }

    @Test
    void aSlowAnswerIsNeverAskedTwice() {
        // two requests in flight give two answers that may both overtake the event (the CI failure)
        WatchMerge merge = created(new WatchMerge(2, 11));
        merge.events(ROUTES, List.of(put("r", 12)));
        assertEquals(List.of(UPSTREAMS), merge.toAsk(1));
        assertEquals(List.of(), merge.toAsk(2 + 10 * WatchMerge.ASK_AGAIN_NANOS), "still in flight");
        assertEquals(List.of(), merge.progress(UPSTREAMS, 12, 3 + 10 * WatchMerge.ASK_AGAIN_NANOS));
        assertEquals(List.of(UPSTREAMS), merge.toAsk(4 + 10 * WatchMerge.ASK_AGAIN_NANOS), "answered: asked again at once");
    }

    @Test
    void anAnswerSetAsideIsAskedAgainLater() {
        WatchMerge merge = new WatchMerge(2, 11);
        merge.created(ROUTES, 10, 0);
        merge.created(UPSTREAMS, 11, 0); // behind: its answers are set aside for CATCH_UP_NANOS
        merge.events(ROUTES, List.of(put("r", 12)));
        assertEquals(List.of(UPSTREAMS), merge.toAsk(1));
        assertEquals(List.of(), merge.progress(UPSTREAMS, 12, 2));
        assertEquals(List.of(), merge.toAsk(3), "not in a loop while the watch catches up");
        assertEquals(List.of(UPSTREAMS), merge.toAsk(2 + WatchMerge.ASK_AGAIN_NANOS));
    }

    @Test
    void aWatchCountsOnlyOnceCreatedAndAWatchCreatedBehindOnlyOnceCaughtUp() {
        WatchMerge merge = new WatchMerge(2, 11);
        merge.events(ROUTES, List.of(put("r", 11)));
        merge.progress(UPSTREAMS, 11, 0);
        assertEquals(List.of(), merge.progress(UPSTREAMS, 11, 1), "answers before the creation are set aside");
        merge.created(UPSTREAMS, 11, 2); // revision 11 was written before etcd created the watch
        merge.progress(UPSTREAMS, 11, 3);
        assertEquals(List.of(), merge.progress(UPSTREAMS, 11, 4), "etcd may not have sent it revision 11 yet");
        long caughtUp = 2 + WatchMerge.CATCH_UP_NANOS;
        merge.progress(UPSTREAMS, 11, caughtUp);
        assertEquals(List.of("r"), keys(merge.progress(UPSTREAMS, 11, caughtUp + 1)));
    }
}
