package stargate.node.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.logging.Logger;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.rollout.Rollout;
import stargate.model.validate.ConfigError;
import stargate.model.validate.ConfigValidator;
import stargate.node.config.ConfigApplier;
import stargate.node.config.CurrentSnapshot;
import stargate.node.config.Generation;
import stargate.node.config.Snapshot;
import stargate.node.observe.Metrics;
import stargate.node.observe.SourceStatus;

/**
 * Distributed mode: serves the config held in etcd under a prefix (SPEC §8) and follows every
 * change to it.
 *
 * <p>Flow. {@link #load()} reads the config folders under the prefix at one revision R (paged range
 * reads, {@link #readAll}) and applies it;
 * when etcd does not answer within {@link #STARTUP_TIMEOUT} it serves the last good config saved
 * under {@code --cache-dir} instead ({@code /status} says {@code source: cache}). {@link #start}
 * then starts two threads:
 * <ul>
 *   <li>{@code etcd-sync} watches each config folder and the {@code applying} key from R+1 (one
 *       watch each, so the controller's logs, node keys and stagings never reach the node) and
 *       queues their events merged back into whole revisions in order ({@link WatchMerge}). When
 *       any watch ends (history compacted, or any error) it closes them all, reads the config
 *       folders again at a new revision and queues that; while etcd is unreachable it retries with
 *       jittered exponential backoff ({@link Backoff}).</li>
 *   <li>{@code config-applier} takes everything queued at once, folds it into the
 *       {@link EtcdConfigReader} and resolves once: a burst of events costs one validation and one
 *       compile, never one per event. A fresh read after compaction is folded the same way, so only
 *       what changed is applied (nothing at all when nothing did).</li>
 * </ul>
 * The snapshot being served is never dropped: etcd being unreachable only stops changes. After
 * each apply the config is saved to the cache and the node key ({@link NodeRegistration}) gets
 * the new {@code applied_revision}.
 */
public final class EtcdSource implements ConfigSource {
    private static final Logger LOG = Logger.getLogger(EtcdSource.class.getName());
    /** How long a node starting up waits for etcd to answer at all before it serves the cached config. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(3);
    /** Bound of one read of the whole config (etcd answered: only its size makes it slow). */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    /** Keys per range read of a whole read: pages of small objects stay far below {@link #MAX_RESPONSE_BYTES}. */
    static final int PAGE_KEYS = 1_000;
    /** A page of {@link #PAGE_KEYS} keys near etcd's 1.5 MiB value limit would pass gRPC's default cap of 4 MiB. */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    /** How long watched events may wait for the other watches' progress before the node reads everything again. */
    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(5);

    /** What the sync thread hands the applier: a whole read, or one watch response's events. */
    private sealed interface Update {
        long revision();
    }

    private record FullRead(Map<String, EtcdConfigReader.KeyVersion> values, long revision) implements Update {
    }

    private record Events(List<WatchEvent> events, long revision) implements Update {
    }

    /** The node's part in a rollout changed ({@link RolloutWatch}); carries no config revision. */
    private record Assigned(RolloutWatch.Assignment assignment) implements Update {
        @Override
        public long revision() {
            return -1;
        }
    }

    private final Client client;
    private final String prefix;
    private final String sourceName;
    private final ConfigApplier applier;
    private final CurrentSnapshot current;
    private final Metrics metrics;
    private final EtcdConfigReader reader;
    private final LastGoodCache cache;
    private final LinkedBlockingQueue<Update> updates = new LinkedBlockingQueue<>();
    private final ApplyGate gate;
    private final ConfigValidator validator;
    private final String nodeId;
    private final Map<String, String> labels;
    private final RolloutWatch rollouts;
    private final Backoff backoff = new Backoff(ThreadLocalRandom.current());
    private volatile boolean closed;
    private volatile CompletableFuture<Throwable> watchEnded = new CompletableFuture<>();
    private volatile String etcdError;
    private volatile NodeRegistration registration;
    private Thread syncThread;
    private Thread applierThread;
    /** Revision the first read was made at; 0 when the node started from the cache (or from nothing). */
    private long loadedRevision;
    // written by the applier thread (by load() before it runs), read by /status
    private volatile boolean servingCache;
    private volatile long seenRevision;
    private volatile List<SourceStatus.Rejected> lastRejected = List.of();
    private volatile String lastConfigError;
    // owned by the applier thread
    private Set<String> reported = Set.of();
    private RolloutWatch.Assignment assignment = RolloutWatch.Assignment.NONE;
    /** The applier serves the config folders with a rollout's change laid over them. */
    private boolean overlaid;
    /** Why this canary serves the config folders instead of its rollout's change; null = it does not. */
    private String rolloutError;

    private EtcdSource(Client client, String prefix, String endpoints, ConfigApplier applier, CurrentSnapshot current,
                       Metrics metrics, ConfigValidator validator, LastGoodCache cache, String nodeId,
                       Map<String, String> labels) {
        this.client = client;
        this.prefix = prefix;
        this.sourceName = "etcd:" + endpoints + prefix;
        this.applier = applier;
        this.current = current;
        this.metrics = metrics;
        this.reader = new EtcdConfigReader(prefix, validator);
        this.cache = cache;
        this.gate = new ApplyGate(prefix);
        this.validator = validator;
        this.nodeId = nodeId;
        this.labels = Map.copyOf(labels);
        this.rollouts = new RolloutWatch(client, prefix, nodeId, a -> updates.add(new Assigned(a)));
        current.reportSource(this::status);
        metrics.etcdConnected(() -> status().connected());
    }

    /**
     * @param endpoints etcd client URLs, comma separated
     * @param prefix    key prefix without a trailing slash
     * @param cacheDir  where the last good config is kept; null = nowhere
     * @param nodeId    this node's id: its key, and whether a rollout names it a canary
     * @param labels    this node's {@code --node-labels}, reported in its key
     */
    public static EtcdSource create(String endpoints, String prefix, Path cacheDir, ConfigApplier applier,
                                    CurrentSnapshot current, Metrics metrics, ConfigValidator validator,
                                    String nodeId, Map<String, String> labels) {
        Client client = Client.builder()
                .endpoints(endpoints.split("\\s*,\\s*"))
                .maxInboundMessageSize(MAX_RESPONSE_BYTES)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        return new EtcdSource(client, prefix, endpoints, applier, current, metrics, validator,
                cacheDir == null ? null : new LastGoodCache(cacheDir), nodeId, labels);
    }

    /**
     * The first config: etcd's, or the cached one when etcd does not answer in time, or none at all
     * (the node then answers 503 and is not ready until etcd answers).
     */
    public void load() {
        try {
            probe(STARTUP_TIMEOUT); // etcd answers at all: then the whole read may take as long as it needs
            FullRead read = readAll(READ_TIMEOUT);
            loadedRevision = read.revision();
            // a node restarted during a rollout serves its part from the first request on
            apply(List.of(new Assigned(rollouts.read()), read));
            return;
        } catch (Exception e) {
            etcdError = "etcd unreachable: " + rootMessage(e);
            LOG.warning("event=etcd_unreachable source=" + sourceName + " waited_ms=" + STARTUP_TIMEOUT.toMillis()
                    + " error=\"" + rootMessage(e) + "\"");
        }
        LastGoodCache.Entry cached = cache == null ? null : cache.load().orElse(null);
        if (cached == null) {
            LOG.warning("event=config_missing source=" + sourceName + " cache=" + (cache == null ? "off" : cache.file())
                    + " action=serve_503_until_etcd_answers");
            return;
        }
        reader.serve(cached.config());
        servingCache = true;
        seenRevision = cached.revision();
        applier.applyValid(cached.config(), cached.revision(), "cache:" + cache.file());
        LOG.warning("event=config_from_cache file=" + cache.file() + " revision=" + cached.revision()
                + " action=serve_cache_until_etcd_answers");
    }

    /** Follows etcd from now on and registers this node at {@code address}. */
    @Override
    public void start(Supplier<String> address, String version) {
        registration = new NodeRegistration(client, prefix, nodeId, address.get(), version, labels, applier::generation);
        registration.update(current.get() == null ? 0 : current.get().revision(), lastError());
        registration.start();
        applierThread = Thread.ofPlatform().daemon().name("config-applier").start(this::applyLoop);
        syncThread = Thread.ofPlatform().daemon().name("etcd-sync").start(this::syncLoop);
        rollouts.start();
    }

    /** Read the config, watch it until a watch ends, read again; back off while etcd is unreachable. */
    private void syncLoop() {
        long watchFrom = loadedRevision == 0 ? 0 : loadedRevision + 1;
        while (!closed) {
            try {
                if (watchFrom == 0) {
                    FullRead read = readAll(READ_TIMEOUT);
                    gate.reset();
                    updates.add(read);
                    watchFrom = read.revision() + 1;
                }
                etcdError = null;
                backoff.reset();
                Throwable end = watch(watchFrom);
                watchFrom = 0;
                if (closed) {
                    return;
                }
                if (end instanceof CompactedException compacted) {
                    LOG.info("event=etcd_watch_compacted compacted_revision=" + compacted.getCompactedRevision()
                            + " action=read_again");
                } else {
                    LOG.warning("event=etcd_watch_ended error=\"" + (end == null ? "closed by etcd" : rootMessage(end))
                            + "\" action=read_again");
                    pause();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                etcdError = "etcd unreachable: " + rootMessage(e);
                LOG.warning("event=etcd_unreachable source=" + sourceName + " error=\"" + rootMessage(e)
                        + "\" action=keep_serving_last_good_config");
                try {
                    pause();
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private void pause() throws InterruptedException {
        Thread.sleep(backoff.next());
    }

    /**
     * Watches the config from {@code revision}: one watch per range of {@link #watchedRanges} (so the
     * controller's logs, node keys and stagings never reach this node), merged back into revision order
     * ({@link WatchMerge}), each merged batch queued. Returns why the watch ended: the first error of any
     * of them (compaction included), after which all are closed and the caller reads again.
     */
    private Throwable watch(long revision) throws InterruptedException {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        watchEnded = ended;
        List<KeyRange> ranges = watchedRanges();
        WatchMerge merge = new WatchMerge(ranges.size(), revision);
        // filled while the watches start; a watch may call back before the last one is in
        AtomicReferenceArray<Watch.Watcher> watchers = new AtomicReferenceArray<>(ranges.size());
        try {
            for (int i = 0; i < ranges.size(); i++) {
                int watch = i;
                WatchOption option = WatchOption.builder().withRange(ranges.get(i).end()).withRevision(revision)
                        .withCreateNotify(true).build();
                watchers.set(i, client.getWatchClient().watch(ranges.get(i).from(), option, Watch.listener(
                        response -> receive(merge, watch, response, watchers), ended::complete, () -> ended.complete(null))));
            }
            long waitingFor = 0; // the oldest event waiting at the last look, and since when
            long waitingSince = 0;
            while (!closed && !ended.isDone()) {
                // answers re-ask at once (receive); this re-asks watches whose answer was set aside (catching up)
                Thread.sleep(WatchMerge.ASK_AGAIN_NANOS / 1_000_000);
                long waiting;
                synchronized (merge) {
                    askProgress(merge.toAsk(System.nanoTime()), watchers);
                    waiting = merge.oldestWaiting();
                }
                if (waiting != waitingFor) { // events move on: only one stuck for the whole timeout counts
                    waitingFor = waiting;
                    waitingSince = System.nanoTime();
                }
                if (waiting != 0 && System.nanoTime() - waitingSince > PROGRESS_TIMEOUT.toNanos()) {
                    // an etcd that does not answer progress requests: a whole read is consistent anyway
                    ended.complete(new TimeoutException("no watch progress past revision " + waiting + " within "
                            + PROGRESS_TIMEOUT.toMillis() + " ms"));
                }
            }
            return closed ? null : ended.getNow(null);
        } finally {
            for (int i = 0; i < watchers.length(); i++) {
                if (watchers.get(i) != null) {
                    watchers.get(i).close();
                }
            }
        }
    }

    /**
     * One response of watch {@code watch}: merged; what may be applied goes through the gate to the
     * applier, and the watches still short of the newest waiting event are asked for their progress.
     */
    private void receive(WatchMerge merge, int watch, WatchResponse response, AtomicReferenceArray<Watch.Watcher> watchers) {
        synchronized (merge) { // one at a time and in order, from whichever thread each watch calls back on
            List<WatchEvent> ready;
            if (response.isCreatedNotify()) {
                merge.created(watch, response.getHeader().getRevision(), System.nanoTime());
                ready = List.of();
            } else if (response.getEvents().isEmpty()) {
                ready = response.isProgressNotify()
                        ? merge.progress(watch, response.getHeader().getRevision(), System.nanoTime()) : List.of();
            } else {
                long bytes = 0;
                for (WatchEvent event : response.getEvents()) {
                    bytes += event.getKeyValue().getKey().size() + event.getKeyValue().getValue().size();
                }
                metrics.configWatched(response.getEvents().size(), bytes);
                long lateBefore = merge.late();
                ready = merge.events(watch, response.getEvents());
                if (merge.late() != lateBefore) {
                    metrics.configWatchLate(merge.late() - lateBefore);
                    KeyValue first = response.getEvents().getFirst().getKeyValue();
                    LOG.warning("event=etcd_watch_event_late key=" + first.getKey().toString(UTF_8)
                            + " revision=" + first.getModRevision()
                            + " action=applied_now cause=\"a progress answer overtook it\"");
                }
            }
            queue(ready);
            askProgress(merge.toAsk(System.nanoTime()), watchers);
        }
    }

    private static void askProgress(List<Integer> watches, AtomicReferenceArray<Watch.Watcher> watchers) {
        for (int watch : watches) {
            Watch.Watcher watcher = watchers.get(watch);
            if (watcher != null) {
                watcher.requestProgress();
            }
        }
    }

    private void queue(List<WatchEvent> ready) {
        List<WatchEvent> events = gate.offer(ready); // held while a big apply is in progress
        if (!events.isEmpty()) {
            updates.add(new Events(events, events.getLast().getKeyValue().getModRevision()));
        }
    }

    /**
     * What a node reads: each config folder ({@link Kind}: a folder, or the one key of the global
     * plugins). A new folder is a new {@link Kind}.
     */
    private List<KeyRange> configRanges() {
        List<KeyRange> ranges = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            ranges.add(kind == Kind.GLOBAL_PLUGINS ? KeyRange.key(prefix + "/" + kind.key())
                    : KeyRange.folder(prefix + "/" + kind.key() + "/"));
        }
        return ranges;
    }

    /** What a node watches: the config folders plus {@code applying} (the {@link ApplyGate}'s key). */
    private List<KeyRange> watchedRanges() {
        List<KeyRange> ranges = configRanges();
        ranges.add(KeyRange.key(gate.applyingKey()));
        return ranges;
    }

    /** Keys from {@code from} (included) to {@code end} (excluded). */
    private record KeyRange(ByteSequence from, ByteSequence end) {
        /** Every key starting with {@code folder}: the end is its last byte plus one. */
        static KeyRange folder(String folder) {
            byte[] end = folder.getBytes(UTF_8);
            end[end.length - 1]++;
            return new KeyRange(ByteSequence.from(folder, UTF_8), ByteSequence.from(end));
        }

        /** Exactly {@code key}: the end is the key plus a NUL byte. */
        static KeyRange key(String key) {
            byte[] bytes = key.getBytes(UTF_8);
            return new KeyRange(ByteSequence.from(bytes), ByteSequence.from(Arrays.copyOf(bytes, bytes.length + 1)));
        }
    }

    /** The cheapest read: one key name, so the startup timeout measures etcd's reachability, not the config's size. */
    private void probe(Duration timeout) throws Exception {
        await(client.getKVClient().get(prefixKey(), GetOption.builder().isPrefix(true).withKeysOnly(true).withLimit(1).build()),
                System.nanoTime() + timeout.toNanos(), timeout);
    }

    /**
     * Reads every config folder at one revision R, in pages of {@value #PAGE_KEYS} keys (100,000 objects
     * are ~100 range reads, none of them big): R is the current revision, or the one before an apply in
     * progress ({@link ApplyGate#readRevision}), and every page is read at R, so the pages add up to one
     * consistent config however long the read takes (unless R is compacted meanwhile: the read fails
     * and is retried). One range per kind rather than the whole prefix, which also holds the
     * controller's history and audit keys that a node has no use for.
     */
    private FullRead readAll(Duration timeout) throws Exception {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        Map<String, EtcdConfigReader.KeyVersion> values = new HashMap<>();
        long revision = gate.readRevision(client, timeout.toMillis()); // never in the middle of a big apply
        int pages = 0;
        for (KeyRange range : configRanges()) {
            ByteSequence from = range.from();
            while (true) {
                GetOption option = GetOption.builder().withRange(range.end()).withLimit(PAGE_KEYS).withRevision(revision)
                        .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build();
                GetResponse response = await(client.getKVClient().get(from, option), deadline, timeout);
                pages++;
                for (KeyValue kv : response.getKvs()) {
                    values.put(kv.getKey().toString(UTF_8), new EtcdConfigReader.KeyVersion(kv.getValue().toString(UTF_8),
                            kv.getModRevision()));
                }
                if (!response.isMore() || response.getKvs().isEmpty()) {
                    break;
                }
                // the next page starts right after the last key read (a key plus a NUL byte)
                byte[] last = response.getKvs().getLast().getKey().getBytes();
                from = ByteSequence.from(Arrays.copyOf(last, last.length + 1));
            }
        }
        LOG.info("event=etcd_config_read revision=" + revision + " keys=" + values.size() + " pages=" + pages
                + " read_ms=" + (System.nanoTime() - started) / 1_000_000);
        return new FullRead(values, revision);
    }


    private static GetResponse await(CompletableFuture<GetResponse> future, long deadlineNanos, Duration timeout)
            throws Exception {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TimeoutException("no answer within " + timeout.toMillis() + " ms");
        }
    }

    /** Takes whatever is queued, all at once: bursts coalesce into one resolve. */
    private void applyLoop() {
        while (!closed) {
            List<Update> batch = new ArrayList<>();
            try {
                batch.add(updates.take());
            } catch (InterruptedException e) {
                return;
            }
            updates.drainTo(batch);
            try {
                apply(batch);
            } catch (RuntimeException e) { // one bad batch must not stop the node from following etcd
                LOG.severe("event=config_apply_failed source=" + sourceName + " error=\"" + e + "\"");
            }
        }
    }

    private void apply(List<Update> batch) {
        boolean touched = false;
        boolean reassigned = false;
        boolean assigned = false;
        long revision = seenRevision;
        for (Update update : batch) {
            revision = Math.max(revision, update.revision());
            switch (update) {
                case Assigned a -> {
                    assigned = true;
                    if (!a.assignment().sameAs(assignment)) {
                        reassigned |= enter(a.assignment());
                    }
                    assignment = a.assignment(); // the record may have moved on (e.g. its state)
                }
                case FullRead read -> {
                    reader.replaceAll(read.values(), read.revision());
                    touched = true;
                }
                case Events events -> {
                    for (WatchEvent event : events.events()) {
                        KeyValue kv = event.getKeyValue();
                        String key = kv.getKey().toString(UTF_8);
                        touched |= event.getEventType() == WatchEvent.EventType.DELETE
                                ? reader.delete(key, kv.getModRevision())
                                : reader.put(key, kv.getValue().toString(UTF_8), kv.getModRevision());
                    }
                }
            }
        }
        if (!touched && !reassigned) {
            if (assigned) {
                report(lastRejected, lastConfigError); // a baseline's new generation shows in its key
            }
            return; // only keys the node ignores (node keys, last_change): nothing to resolve
        }
        seenRevision = revision;
        long started = System.nanoTime();
        // while a change is laid over the folders (or was until now) the applier's config is not the
        // folders': resolve against no base and compile the result whole
        boolean layered = assignment.canary() || overlaid;
        EtcdConfigReader.Resolution resolution = reader.resolve(layered ? null : applier.served(),
                ConfigApplier.INCREMENTAL_MAX_CHANGES);
        long resolved = System.nanoTime();
        logRejections(resolution.rejected());
        String lastError = lastError(resolution.rejected());
        Snapshot applied = null;
        if (layered) {
            if (resolution.applies() || reassigned || servingCache || current.get() == null) {
                applied = applyLayered(revision);
            }
        } else if (resolution.checked() != null) {
            applied = applier.apply(resolution.checked(), revision, sourceName, resolution.changes());
        } else if (resolution.config() != null) {
            applied = applier.applyValid(resolution.config(), revision, sourceName, resolution.changes());
        } else if (servingCache || current.get() == null) {
            applied = applier.applyValid(reader.served(), revision, sourceName, null);
        }
        if (applied != null) {
            servingCache = false;
            if (cache != null) {
                cache.save(applied.config(), revision);
            }
        }
        report(resolution.rejected(), lastError);
        long done = System.nanoTime();
        LOG.info("event=etcd_changes_resolved revision=" + revision + " updates=" + batch.size() + " applied=" + (applied != null)
                + " rejected=" + resolution.rejected().size() + " resolve_ms=" + (resolved - started) / 1_000_000
                + " resolve_us=" + (resolved - started) / 1_000 + " total_ms=" + (done - started) / 1_000_000
                + " total_us=" + (done - started) / 1_000);
    }

    /**
     * Takes the part {@code next} gives this node: requests count on its generation from now on.
     *
     * @return whether the config to serve changes (a canary starts or stops serving a change); when
     *         it does not, the config being served is simply counted on the new generation
     */
    private boolean enter(RolloutWatch.Assignment next) {
        Generation generation = next.rollout() == null ? Generation.base() : Generation.of(next.rolloutId(), next.canary());
        LOG.info("event=rollout_part rollout=" + next.rolloutId() + " role=" + (next.rollout() == null ? "none"
                : next.canary() ? "canary" : "baseline"));
        if (next.canary() || overlaid) {
            applier.use(generation); // the snapshot about to be published is the generation's
            return true;
        }
        applier.enter(generation);
        return false;
    }

    /** Publishes the config folders, with the rollout's change laid over them on a canary. */
    private Snapshot applyLayered(long revision) {
        GatewayConfig folders = reader.served();
        rolloutError = null;
        if (assignment.canary()) {
            Rollout rollout = assignment.rollout();
            GatewayConfig candidate = rollout.overlay(folders);
            List<ConfigError> errors = validator.validate(candidate);
            if (errors.isEmpty()) {
                overlaid = true;
                return applier.applyValid(candidate, revision, sourceName + " rollout " + rollout.id(), null);
            }
            rolloutError = "rollout " + rollout.id() + " does not apply on the config at revision " + revision + ": "
                    + errors.stream().map(ConfigError::toString).collect(java.util.stream.Collectors.joining("; "));
            LOG.warning("event=rollout_not_applied rollout=" + rollout.id() + " error=\"" + rolloutError
                    + "\" action=serve_config_folders");
        }
        overlaid = false;
        return applier.applyValid(folders, revision, sourceName, null);
    }

    /** Logs each rejected version once (a version stays rejected across resolves until it changes). */
    private void logRejections(List<SourceStatus.Rejected> rejected) {
        Set<String> now = new HashSet<>();
        for (SourceStatus.Rejected r : rejected) {
            String version = r.kind() + "/" + r.id() + "@" + r.revision();
            now.add(version);
            if (!reported.contains(version)) {
                metrics.configApplied(false, r.revision());
                LOG.warning("event=config_object_rejected kind=" + r.kind() + " id=" + r.id() + " revision=" + r.revision()
                        + " errors=\"" + String.join("; ", r.errors()) + "\" action=kept_last_good_version");
            }
        }
        reported = now;
    }

    private static String lastError(List<SourceStatus.Rejected> rejected) {
        SourceStatus.Rejected newest = null;
        for (SourceStatus.Rejected r : rejected) {
            if (newest == null || r.revision() > newest.revision()) {
                newest = r;
            }
        }
        return newest == null ? null : newest.kind() + (newest.id().isEmpty() ? "" : "/" + newest.id())
                + " at revision " + newest.revision() + ": " + String.join("; ", newest.errors())
                + (rejected.size() > 1 ? " (and " + (rejected.size() - 1) + " more rejected)" : "");
    }

    private void report(List<SourceStatus.Rejected> rejected, String configError) {
        lastRejected = rejected;
        lastConfigError = configError != null ? configError : rolloutError;
        NodeRegistration node = registration;
        if (node != null && current.get() != null) {
            node.update(current.get().revision(), configError);
        }
    }

    /** For {@code /status}, computed when asked: reachability changes without any apply. */
    private SourceStatus status() {
        NodeRegistration node = registration;
        boolean connected = etcdError == null && !servingCache && (node == null || node.etcdReachable());
        return new SourceStatus(servingCache ? "cache" : "etcd", connected, seenRevision,
                lastConfigError != null ? lastConfigError : etcdError, lastRejected);
    }

    private String lastError() {
        return lastConfigError != null ? lastConfigError : etcdError;
    }

    private ByteSequence prefixKey() {
        return ByteSequence.from(prefix + "/", UTF_8);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /** Stops following etcd, revokes the node's lease, writes the pending cache, closes the client. */
    @Override
    public void close() {
        closed = true;
        watchEnded.complete(null);
        for (Thread t : new Thread[] {syncThread, applierThread}) {
            if (t != null) {
                t.interrupt();
            }
        }
        rollouts.close();
        if (registration != null) {
            registration.close();
        }
        for (Thread t : new Thread[] {syncThread, applierThread}) {
            if (t != null) {
                try {
                    t.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (cache != null) {
            cache.close();
        }
        client.close();
    }
}
