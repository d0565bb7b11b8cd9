package stargate.model.tool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import stargate.model.GatewayConfig;
import stargate.model.Route;
import stargate.model.codec.ConfigCodec;
import stargate.model.validate.ConfigError;
import stargate.model.validate.Validated;
import stargate.model.routing.Explanation;
import stargate.model.routing.RequestHeaders;
import stargate.model.routing.RouteIndex;

/**
 * {@code stargate explain FILE|--etcd URLS [--prefix P] METHOD URL [-H 'Name: value']...}: which
 * route serves a request, and why others lose; the config from a file, or as the controller keeps
 * it in etcd (read through {@link EtcdGatewayReader}).
 */
final class ExplainCommand {
    static final String USAGE = "usage: stargate explain FILE|--etcd URLS [--prefix /stargate] METHOD URL [-H 'Name: value']...";
    static final String DEFAULT_PREFIX = "/stargate";
    /** Exit code when no etcd endpoint answered. */
    static final int ETCD_UNREACHABLE = 3;

    private ExplainCommand() {
    }

    /**
     * @param args the words after {@code explain}; URL is {@code http(s)://host[:port]/path?query} or
     *             just {@code /path?query} (then the host comes from a {@code -H 'Host: ...'}, if any;
     *             a {@code Host} header given with {@code -H} wins over the URL's, as with curl)
     * @return the process exit code: 0 a route matches, 1 none does, 2 usage or input error,
     *         3 etcd unreachable
     */
    static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] all, PrintStream out, PrintStream err) {
        // the config source: FILE, or --etcd URLS [--prefix P]; then the same words either way
        boolean fromEtcd = all.length > 0 && all[0].equals("--etcd");
        boolean prefixGiven = fromEtcd && all.length > 2 && all[2].equals("--prefix");
        int sourceWords = !fromEtcd ? 1 : prefixGiven ? 4 : 2;
        if (all.length < sourceWords + 2) {
            err.println(USAGE);
            return 2;
        }
        String source = fromEtcd ? all[1] : all[0];
        String prefix = prefixGiven ? all[3] : DEFAULT_PREFIX;
        // args[0] stands for the source, so the request words keep their places
        String[] args = Arrays.copyOfRange(all, sourceWords - 1, all.length);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            int colon = i + 1 < args.length && args[i].equals("-H") ? args[i + 1].indexOf(':') : -1;
            if (colon <= 0) {
                err.println("explain: expected -H 'Name: value' at \"" + args[i] + "\"\n" + USAGE);
                return 2;
            }
            headers.putIfAbsent(args[i + 1].substring(0, colon).trim(), args[i + 1].substring(colon + 1).trim());
            i++;
        }
        String method = args[1];
        String url = args[2];
        String host = null;
        String path = url;
        int scheme = url.indexOf("://");
        if (scheme > 0) {
            int pathStart = url.indexOf('/', scheme + 3);
            int queryStart = url.indexOf('?', scheme + 3);
            int authorityEnd = pathStart < 0 ? (queryStart < 0 ? url.length() : queryStart)
                    : (queryStart < 0 ? pathStart : Math.min(pathStart, queryStart));
            host = url.substring(scheme + 3, authorityEnd);
            path = url.substring(authorityEnd);
        } else if (!url.startsWith("/")) {
            err.println("explain: URL must be http(s)://host/path or /path, got \"" + url + "\"\n" + USAGE);
            return 2;
        }
        RequestHeaders requestHeaders = RequestHeaders.of(headers);
        String hostHeader = requestHeaders.first("host");
        if (hostHeader != null) {
            host = hostHeader;
        }

        RouteIndex<Route> index;
        try {
            index = RouteIndex.of(routes(fromEtcd ? new EtcdGatewayReader(source).read(prefix) : readFile(Path.of(source))));
        } catch (EtcdGatewayReader.Unreachable e) {
            err.println("explain: --etcd " + source + ": " + e.getMessage());
            return ETCD_UNREACHABLE;
        } catch (IOException | IllegalArgumentException e) {
            err.println("explain: " + (fromEtcd ? "--etcd " + source + " --prefix " + prefix : source) + ": " + e.getMessage());
            return 2;
        }
        Explanation explanation = index.explain(method, host, path, requestHeaders);
        if (explanation.refused() != null) {
            out.println("route: none -> 400 bad_request: " + explanation.refused());
            return 1;
        }
        out.println("route: " + (explanation.route() == null ? "none -> 404 no_route" : explanation.route()));
        out.println("params: " + explanation.params());
        int query = path.indexOf('?');
        if (!explanation.path().equals(query < 0 ? path : path.substring(0, query))) {
            out.println("normalized path: " + explanation.path());
        }
        for (Explanation.Candidate candidate : explanation.candidates()) {
            out.println("  " + candidate.route() + ": " + candidate.reason());
        }
        return explanation.route() == null ? 1 : 0;
    }

    private static Validated<GatewayConfig> readFile(Path file) throws IOException {
        return ConfigCodec.readConfig(Files.readString(file), ConfigCodec.Format.ofFileName(file.toString()));
    }

    /** The routes of a config; one that does not read cleanly is an input error listing why. */
    private static List<Route> routes(Validated<GatewayConfig> config) {
        if (!config.isValid()) {
            throw new IllegalArgumentException(config.errors().stream().map(ConfigError::toString)
                    .collect(Collectors.joining("; ")));
        }
        return config.value().routes();
    }
}
