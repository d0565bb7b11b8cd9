package stargate.controller.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One etcd key that at most one holder owns at a time: the first to create it owns it for as long
 * as its lease lives. The lease is granted on the first {@link #tryLead} and kept alive by jetcd in
 * the background; when the process dies (or loses etcd for longer than the TTL) the lease expires,
 * etcd deletes the key, and the next holder to try takes over. Design: a create-if-absent
 * transaction ({@code version == 0}), so takeover needs no clock agreement between holders.
 * Thread-safe.
 */
public final class Leadership implements AutoCloseable {
    private final EtcdStore store;
    private final Client client;
    private final ByteSequence key;
    private final String holder;
    private final Duration ttl;
    private long leaseId;
    private CloseableClient keepAlive;

    Leadership(EtcdStore store, Client client, ByteSequence key, String holder, Duration ttl) {
        this.store = store;
        this.client = client;
        this.key = key;
        this.holder = holder;
        this.ttl = ttl;
    }

    /** This holder's name. */
    public String holder() {
        return holder;
    }

    /**
     * Takes the key if nobody holds it.
     *
     * @return the holder after the call: this one's name when it leads, else the current leader's
     * @throws StoreUnavailableException when etcd does not answer
     */
    public synchronized String tryLead() {
        if (leaseId == 0) {
            leaseId = store.await(client.getLeaseClient().grant(Math.max(1, ttl.toSeconds())), "granting a lease").getID();
            keepAlive = client.getLeaseClient().keepAlive(leaseId, new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse response) {
                }

                @Override
                public void onError(Throwable t) {
                    expired();
                }

                @Override
                public void onCompleted() {
                    expired();
                }
            });
        }
        TxnResponse response;
        try {
            response = store.await(client.getKVClient().txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
                    .Then(Op.put(key, ByteSequence.from(holder, StandardCharsets.UTF_8),
                            PutOption.builder().withLeaseId(leaseId).build()))
                    .Else(Op.get(key, GetOption.DEFAULT)).commit(), "taking the lock");
        } catch (StoreUnavailableException e) {
            expired(); // e.g. the lease expired while etcd was away: grant a new one next time
            throw e;
        }
        if (response.isSucceeded()) {
            return holder;
        }
        return response.getGetResponses().stream().flatMap(g -> g.getKvs().stream()).findFirst()
                .map(KeyValue::getValue).map(v -> v.toString(StandardCharsets.UTF_8)).orElse("");
    }

    private synchronized void expired() {
        if (keepAlive != null) {
            keepAlive.close();
            keepAlive = null;
        }
        leaseId = 0;
    }

    /** Gives the key up at once (revokes the lease) instead of waiting for the TTL. */
    @Override
    public synchronized void close() {
        long lease = leaseId;
        expired();
        if (lease != 0) {
            try {
                store.await(client.getLeaseClient().revoke(lease), "revoking the lease");
            } catch (RuntimeException e) {
                // etcd gone: the lease expires by itself within its TTL
            }
        }
    }
}
