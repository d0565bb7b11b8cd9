package stargate.node.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import stargate.model.plugin.Cidr;

/**
 * {@code --trusted-proxies}: the peers whose {@code X-Forwarded-For} the node believes (SPEC §13).
 *
 * <p>From a trusted peer the client is the rightmost {@code X-Forwarded-For} address that is not itself
 * trusted (each proxy appends the address it heard from, so everything left of the first untrusted hop
 * could have been written by the client). An entry that is not an IP address ends the walk: the last
 * address read stands. With no trusted ranges (the default) the client is always the TCP peer and a
 * request costs one allocation here.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Cidr> ranges;

    private TrustedProxies(List<Cidr> ranges) {
        this.ranges = ranges;
    }

    /**
     * @param csv comma-separated CIDRs or addresses ({@code 10.0.0.0/8,2001:db8::/32}); null or blank = none
     * @throws IllegalArgumentException naming the bad entry
     */
    public static TrustedProxies parse(String csv) {
        if (csv == null || csv.isBlank()) {
            return NONE;
        }
        List<Cidr> ranges = new ArrayList<>();
        for (String part : csv.split(",")) {
            String range = part.strip();
            if (!range.isEmpty()) {
                ranges.add(Cidr.parse(range));
            }
        }
        return new TrustedProxies(List.copyOf(ranges));
    }

    public boolean trusts(InetAddress address) {
        if (address == null) {
            return false;
        }
        for (Cidr range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The request's peer and client. */
    public ClientAddress resolve(ServerRequest req) {
        InetAddress peer = req.remotePeer().address() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (ranges.isEmpty() || !trusts(peer)) {
            return new ClientAddress(peer, peer, false);
        }
        List<String> forwardedFor = req.headers().values(HeaderNames.X_FORWARDED_FOR);
        return new ClientAddress(peer, clientBehind(peer, forwardedFor), true);
    }

    /** Walks {@code X-Forwarded-For} right to left from a trusted {@code peer}. */
    InetAddress clientBehind(InetAddress peer, List<String> forwardedFor) {
        InetAddress client = peer;
        for (int v = forwardedFor.size() - 1; v >= 0; v--) {
            String[] hops = forwardedFor.get(v).split(",");
            for (int h = hops.length - 1; h >= 0; h--) {
                InetAddress hop = Cidr.address(hops[h].strip());
                if (hop == null) {
                    return client;
                }
                client = hop;
                if (!trusts(hop)) {
                    return client;
                }
            }
        }
        return client;
    }
}
