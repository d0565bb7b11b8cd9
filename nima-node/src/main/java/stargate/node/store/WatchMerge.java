package stargate.node.store;

import io.etcd.jetcd.watch.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges the watches of several key ranges (one per config folder, see {@link EtcdSource}) into
 * one stream of whole revisions in revision order, as one watch of the whole prefix would give.
 *
 * <p>Each watch delivers its own events in revision order, whole revisions per response, but says
 * nothing about the others: a transaction writing a route and its upstream arrives as two events on
 * two watches, in either order. So events wait here until every watch is known to have passed their
 * revision ("complete up to"): a watch's own event proves it up to that event's revision; a quiet
 * watch proves it by answering a progress request (the answer carries etcd's revision). Then all
 * events up to the lowest such revision go out together: one etcd transaction is never split.
 *
 * <p>Trust in progress answers. etcd before the fix of etcd-io/etcd#15220 (3.4.23 is before it) sends
 * a requested progress answer on a side channel that can overtake an event already queued for the
 * same watch. So an answer's revision is taken only once the answer to a later request has arrived:
 * that later request is sent only after the first answer came back, and etcd sends what was queued
 * before it first. Hence at most one request per watch is ever in flight: two requests queued
 * together give two answers that may both overtake the event (seen on a loaded CI box, where an
 * answer took longer than {@link #ASK_AGAIN_NANOS} and was asked again). A request that is never
 * answered ends in a whole read (the caller's progress timeout). With the fix the first answer
 * alone would do; the second costs one round trip.
 * A watch's answers count only once etcd has confirmed its creation, and a watch created behind its
 * start revision is given time to catch up first ({@link #created}). An event that still arrives
 * behind a revision already handed on is handed on at once (never dropped) and counted as late
 * ({@link #late()}).
 *
 * <p>Not thread-safe: the caller serializes calls (the watches call back on several threads).
 */
final class WatchMerge {
    /** How long after a request whose answer was set aside (a watch still catching up) it is asked again. */
    static final long ASK_AGAIN_NANOS = 200_000_000L;
    /**
     * How long after its creation a watch that etcd created behind its start revision is not asked
     * to vouch for progress: etcd sends it what it missed from a sync loop running every 100 ms, and
     * until then answers its progress requests with the current revision all the same.
     */
    static final long CATCH_UP_NANOS = 1_000_000_000L;

    private final long[] complete;
    /** Per watch: the revision of the last progress answer, taken once the next answer arrives; 0 = none. */
    private final long[] candidate;
    /** Per watch: when its last progress request was sent; 0 = answered and used (ask again at once when needed). */
    private final long[] askedAt;
    /** Per watch: a progress request is in flight (sent, not answered yet): no second one is sent. */
    private final boolean[] inFlight;
    /** Per watch: from when its progress answers count (after its creation, see {@link #created}). */
    private final long[] trustFrom;
    private final long from;
    private final TreeMap<Long, List<WatchEvent>> pending = new TreeMap<>();
    private long released;
    private long late;

    /** @param from the revision every watch starts at (all of them have everything before it) */
    WatchMerge(int watches, long from) {
        complete = new long[watches];
        candidate = new long[watches];
        askedAt = new long[watches];
        inFlight = new boolean[watches];
        trustFrom = new long[watches];
        java.util.Arrays.fill(trustFrom, Long.MAX_VALUE);
        java.util.Arrays.fill(complete, from - 1);
        this.from = from;
        released = from - 1;
    }

    /** One response's events from watch {@code watch}; returns the events that may be applied now, in revision order. */
    List<WatchEvent> events(int watch, List<WatchEvent> events) {
        List<WatchEvent> out = new ArrayList<>();
        for (WatchEvent event : events) {
            long revision = event.getKeyValue().getModRevision();
            if (revision <= released) {
                late++;
                out.add(event);
            } else {
                pending.computeIfAbsent(revision, r -> new ArrayList<>()).add(event);
            }
            complete[watch] = Math.max(complete[watch], revision);
        }
        release(out);
        return out;
    }

    /**
     * Watch {@code watch} was created, etcd being at {@code revision} then. Created at or past its
     * start revision (a write landed between the read and the watch), it is behind until etcd's sync
     * loop catches it up, which etcd does not signal: its answers count only {@link #CATCH_UP_NANOS} later.
     */
    void created(int watch, long revision, long nowNanos) {
        trustFrom[watch] = revision >= from ? nowNanos + CATCH_UP_NANOS : nowNanos;
    }

    /** A progress answer on watch {@code watch} at etcd revision {@code revision}; returns what may be applied now. */
    List<WatchEvent> progress(int watch, long revision, long nowNanos) {
        inFlight[watch] = false;
        if (nowNanos < trustFrom[watch]) {
            return List.of(); // set aside; asked again ASK_AGAIN_NANOS after the request
        }
        askedAt[watch] = 0;
        if (candidate[watch] > 0) {
            complete[watch] = Math.max(complete[watch], candidate[watch]);
        }
        candidate[watch] = revision;
        List<WatchEvent> out = new ArrayList<>();
        release(out);
        return out;
    }

    /**
     * The watches to send a progress request now: those not yet complete up to the newest waiting
     * event, with no request in flight, and whose last answer was used (or was set aside and the
     * request is older than {@link #ASK_AGAIN_NANOS}). Marks them asked.
     */
    List<Integer> toAsk(long nowNanos) {
        if (pending.isEmpty()) {
            return List.of();
        }
        long wanted = pending.lastKey();
        List<Integer> ask = new ArrayList<>();
        for (int watch = 0; watch < complete.length; watch++) {
            if (complete[watch] < wanted && !inFlight[watch]
                    && (askedAt[watch] == 0 || nowNanos - askedAt[watch] > ASK_AGAIN_NANOS)) {
                askedAt[watch] = nowNanos;
                inFlight[watch] = true;
                ask.add(watch);
            }
        }
        return ask;
    }

    /** The revision of the oldest event still waiting, or 0. */
    long oldestWaiting() {
        return pending.isEmpty() ? 0 : pending.firstKey();
    }

    /** Events that arrived behind a revision already handed on (an etcd whose progress answers overtake events). */
    long late() {
        return late;
    }

    private void release(List<WatchEvent> out) {
        long upTo = Long.MAX_VALUE;
        for (long c : complete) {
            upTo = Math.min(upTo, c);
        }
        Map<Long, List<WatchEvent>> ready = pending.headMap(upTo, true);
        ready.values().forEach(out::addAll);
        ready.clear();
        released = Math.max(released, upTo);
    }
}
