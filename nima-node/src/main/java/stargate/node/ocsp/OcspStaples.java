package stargate.node.ocsp;

import java.net.http.HttpClient;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import stargate.node.observe.Metrics;

/**
 * The OCSP responses the node staples, one per certificate with {@code ocsp_stapling: true}, each fetched
 * and refreshed in the background (as nginx's {@code ssl_stapling}): a handshake reads the last checked
 * answer from memory ({@link Staple#current}) and never waits for a responder. No valid answer in
 * memory means no staple, which clients treat as they treat a server that does not staple.
 *
 * <p>Each followed certificate has one virtual thread that fetches ({@link OcspResponder}), keeps the
 * answer and sleeps: after a good or revoked answer until half of its remaining validity has passed,
 * at most {@link #MAX_REFRESH} and at least {@link #MIN_REFRESH}; after a failure {@link #FIRST_RETRY},
 * doubling with each failure in a row up to {@link #MAX_RETRY}. Every wait is cut by a random 0-20%
 * so that nodes started together do not ask the responder at the same instant. A failure keeps the
 * previous answer while it is valid, and costs one log line ({@code event=ocsp_fetch_failed}) and one
 * count; a revoked answer is stapled (the responder's word, as nginx and HAProxy do: a client that
 * checks refuses the certificate either way) and logged at SEVERE ({@code event=ocsp_certificate_revoked}).
 *
 * <p>{@link #follow} is called with every certificate set: a certificate whose served chain did not
 * change keeps its thread and answer; a new or swapped one gets its own; the others' threads stop.
 */
public final class OcspStaples implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OcspStaples.class.getName());
    /** The wait after a first failure; it doubles with each failure in a row. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    /** The longest wait between two failed fetches. */
    static final Duration MAX_RETRY = Duration.ofMinutes(5);
    /** The longest wait between two fetches after an answer: a revocation is stapled within this (nginx: 1 h). */
    static final Duration MAX_REFRESH = Duration.ofHours(1);
    /** The shortest wait after an answer, however close its nextUpdate. */
    static final Duration MIN_REFRESH = Duration.ofSeconds(10);

    private final Clock clock;
    /** By certificate id; guarded by this. */
    private final Map<String, Follower> followers = new HashMap<>();
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    /** Made with the first certificate to staple: most nodes never fetch. Guarded by this. */
    private HttpClient client;

    public OcspStaples(Clock clock) {
        this.clock = clock;
    }

    /** A certificate to staple: its id and the chain served (the leaf, then its issuer). */
    public record Subject(String id, X509Certificate[] chain) {
    }

    /** Why {@code chain} cannot be stapled (no issuer after the leaf, no usable responder URL), or null. */
    public static String problem(X509Certificate[] chain) {
        return OcspResponder.problem(chain);
    }

    /** What a handshake staples for one certificate: the last checked answer while it is valid. */
    public static final class Staple {
        private volatile OcspResponder.Answer answer;

        /** The DER OCSP response to staple at {@code nowMillis}, or null (none yet, or expired). */
        public byte[] current(long nowMillis) {
            OcspResponder.Answer now = answer;
            return now != null && nowMillis < now.validUntil().toEpochMilli() ? now.der() : null;
        }

        void keep(OcspResponder.Answer checked) {
            answer = checked;
        }
    }

    /**
     * Follows exactly these certificates from now on.
     *
     * @return each subject's staple, by id
     */
    public synchronized Map<String, Staple> follow(List<Subject> subjects) {
        Map<String, Follower> next = new HashMap<>();
        for (Subject subject : subjects) {
            Follower kept = followers.remove(subject.id());
            if (kept != null && kept.serves(subject.chain())) {
                next.put(subject.id(), kept);
                continue;
            }
            if (kept != null) {
                kept.stop("swapped");
            }
            if (client == null) {
                client = OcspResponder.newClient();
            }
            Follower started = new Follower(subject.id(), subject.chain(), new OcspResponder(subject.chain(), client),
                    counts.computeIfAbsent(subject.id(), id -> new Counts()));
            next.put(subject.id(), started);
            started.start();
        }
        followers.values().forEach(gone -> gone.stop("removed"));
        counts.keySet().retainAll(next.keySet());
        followers.clear();
        followers.putAll(next);
        Map<String, Staple> staples = new HashMap<>();
        next.forEach((id, follower) -> staples.put(id, follower.staple));
        return staples;
    }

    /** Fetch counts and staple validity per followed certificate, for the metrics. */
    public List<Metrics.OcspStaple> states() {
        List<Metrics.OcspStaple> states = new ArrayList<>();
        long nowMillis = clock.millis();
        synchronized (this) {
            followers.forEach((id, follower) -> {
                OcspResponder.Answer answer = follower.staple.answer;
                long validUntil = answer != null && answer.validUntil().toEpochMilli() > nowMillis
                        ? answer.validUntil().getEpochSecond() : 0;
                Counts c = follower.counts;
                states.add(new Metrics.OcspStaple(id, c.good.sum(), c.revoked.sum(), c.failed.sum(), validUntil));
            });
        }
        return states;
    }

    /** Stops every fetch. */
    @Override
    public synchronized void close() {
        followers.values().forEach(follower -> follower.stop("closed"));
        followers.clear();
        if (client != null) {
            client.shutdownNow(); // close() would wait for a hung responder's exchange
            client = null;
        }
    }

    /** The wait before refreshing a fresh answer: half its remaining validity, within the bounds, less jitter. */
    static Duration refreshAfter(OcspResponder.Answer answer, Instant now, double jitter) {
        Duration half = Duration.between(now, answer.validUntil()).dividedBy(2);
        Duration bounded = half.compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : half;
        return max(MIN_REFRESH, less(bounded, jitter));
    }

    /** The wait after {@code failures} failed fetches in a row (1 or more), less jitter. */
    static Duration retryAfter(int failures, double jitter) {
        Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 20));
        return less(wait.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait, jitter);
    }

    private static Duration less(Duration wait, double jitter) {
        return Duration.ofMillis((long) (wait.toMillis() * (1 - 0.2 * jitter)));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static final class Counts {
        final LongAdder good = new LongAdder();
        final LongAdder revoked = new LongAdder();
        final LongAdder failed = new LongAdder();
    }

    /** One certificate's fetch loop and staple. */
    private final class Follower {
        private final String id;
        private final X509Certificate[] chain;
        private final OcspResponder responder;
        private final Counts counts;
        private final Staple staple = new Staple();
        private volatile boolean stopped;
        private Thread thread;

        Follower(String id, X509Certificate[] chain, OcspResponder responder, Counts counts) {
            this.id = id;
            this.chain = chain;
            this.responder = responder;
            this.counts = counts;
        }

        /** Whether it fetches for this chain (the same leaf and issuer). */
        boolean serves(X509Certificate[] other) {
            return other.length >= 2 && other[0].equals(chain[0]) && other[1].equals(chain[1]);
        }

        void start() {
            LOG.info("event=ocsp_stapling_started id=" + id + " responder=" + OcspResponder.printable(responder.url().toString()));
            thread = Thread.ofVirtual().name("ocsp-" + id).start(this::run);
        }

        void stop(String why) {
            stopped = true;
            thread.interrupt();
            LOG.info("event=ocsp_stapling_stopped id=" + id + " reason=" + why);
        }

        private void run() {
            int failures = 0;
            while (!stopped) {
                Duration wait;
                Instant now = clock.instant();
                try {
                    OcspResponder.Answer answer = responder.fetch(now);
                    if (stopped) {
                        return;
                    }
                    staple.keep(answer);
                    failures = 0;
                    wait = refreshAfter(answer, clock.instant(), ThreadLocalRandom.current().nextDouble());
                    fetched(answer, wait);
                } catch (OcspResponder.Failure e) {
                    if (stopped) {
                        return;
                    }
                    failures++;
                    counts.failed.increment();
                    wait = retryAfter(failures, ThreadLocalRandom.current().nextDouble());
                    LOG.warning("event=ocsp_fetch_failed id=" + id + " responder="
                            + OcspResponder.printable(responder.url().toString()) + " failures_in_a_row=" + failures
                            + " retry_in_ms=" + wait.toMillis() + " staple="
                            + (staple.current(clock.millis()) != null ? "kept" : "none")
                            + " error=\"" + OcspResponder.printable(e.getMessage()) + "\"");
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void fetched(OcspResponder.Answer answer, Duration wait) {
            String line = "id=" + id + " serial=" + chain[0].getSerialNumber().toString(16) + " this_update="
                    + answer.thisUpdate() + " valid_until=" + answer.validUntil() + " refresh_in_ms=" + wait.toMillis();
            if (answer.revoked()) {
                counts.revoked.increment();
                LOG.severe("event=ocsp_certificate_revoked " + line + " note=\"the responder says this certificate is "
                        + "revoked; the node staples that answer, so clients that check refuse the certificate: replace it\"");
            } else {
                counts.good.increment();
                LOG.info("event=ocsp_staple_fetched status=good " + line);
            }
        }
    }
}
