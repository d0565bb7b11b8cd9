package stargate.node.plugin.iprestriction;

import java.net.InetAddress;
import java.util.List;

import stargate.model.plugin.Cidr;
import stargate.model.plugin.IpRestrictionConfig;
import stargate.node.plugin.Exchange;
import stargate.node.plugin.Plugin;
import stargate.node.plugin.Verdict;

/**
 * Checks the address of the peer that connected (never {@code X-Forwarded-For}, which the client
 * writes): 403 {@code forbidden} when it is in a deny range, or when allow ranges are set and it is
 * in none. Deny wins. An IPv4-mapped IPv6 peer ({@code ::ffff:10.0.0.1}) is the IPv4 address (the
 * JDK hands it over as one). Linear in the number of ranges: lists are short, and each check is a
 * few byte compares.
 */
final class IpRestrictionPlugin implements Plugin {
    private final List<Cidr> allow;
    private final List<Cidr> deny;

    IpRestrictionPlugin(IpRestrictionConfig config) {
        this.allow = config.allowRanges();
        this.deny = config.denyRanges();
    }

    @Override
    public Verdict onRequest(Exchange exchange) {
        InetAddress client = exchange.request().clientAddress();
        if (client == null || in(deny, client) || !allow.isEmpty() && !in(allow, client)) {
            return Verdict.reject(403, "forbidden", "client address not allowed");
        }
        return Verdict.PASS;
    }

    private static boolean in(List<Cidr> ranges, InetAddress address) {
        for (Cidr range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
