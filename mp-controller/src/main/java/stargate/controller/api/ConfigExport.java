package stargate.controller.api;

import jakarta.ws.rs.core.StreamingOutput;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Secrets;
import stargate.controller.store.StoredObject;
import stargate.model.Certificate;
import stargate.model.Consumer;
import stargate.model.GatewayConfig;
import stargate.model.Kind;
import stargate.model.Route;
import stargate.model.Upstream;
import stargate.model.codec.ConfigCodec;

/**
 * {@code GET /config} written as it is read: each kind folder in pages of {@value #PAGE} objects,
 * every page at one etcd revision, each object printed and dropped, so the controller never holds
 * the whole config nor its text (100,000 objects are ~30 MB of JSON). The text is what
 * {@link ConfigCodec#write} prints for the whole config, object by object: each object is printed
 * as the only one of a config and cut out of it. One difference in YAML: when minimal quoting
 * would misread, only that object is written with every string quoted, not the whole document.
 *
 * <p>The status and headers are sent before the objects are read: an etcd failure in the middle
 * cuts the response off (no final chunk), which a client sees as an incomplete body, never as a
 * shorter config.
 */
public final class ConfigExport implements StreamingOutput {
    /** Objects per range read. */
    static final int PAGE = 1000;
    private static final List<Kind> LISTS = List.of(Kind.ROUTE, Kind.UPSTREAM, Kind.CONSUMER, Kind.CERTIFICATE);
    private static final Logger LOG = Logger.getLogger(ConfigExport.class.getName());

    private final EtcdStore store;
    private final long revision;
    private final ConfigCodec.Format format;

    /** @param revision the etcd revision every page is read at */
    public ConfigExport(EtcdStore store, long revision, ConfigCodec.Format format) {
        this.store = store;
        this.revision = revision;
        this.format = format;
    }

    @Override
    public void write(OutputStream output) throws IOException {
        Writer out = new BufferedWriter(new OutputStreamWriter(output, StandardCharsets.UTF_8), 64 * 1024);
        boolean json = format == ConfigCodec.Format.JSON;
        boolean any = false;
        long objects = 0;
        try {
            for (Kind kind : LISTS) {
                String after = null;
                boolean open = false;
                EtcdStore.Page page;
                do {
                    page = store.page(kind, after, PAGE, revision);
                    for (StoredObject o : page.items()) {
                        String text = alone(kind, Secrets.masked(o.value()));
                        if (!open) {
                            out.write(json ? (any ? "," : "{") + "\"" + kind.key() + "\":[" : kind.key() + ":\n");
                            open = true;
                            any = true;
                        } else if (json) {
                            out.write(',');
                        }
                        out.write(cut(kind, text));
                        objects++;
                    }
                    after = page.lastId();
                } while (page.more());
                if (open && json) {
                    out.write(']');
                }
            }
            Object plugins = store.object(Kind.GLOBAL_PLUGINS, "", revision).map(StoredObject::value).orElse(null);
            if (plugins instanceof Map<?, ?> map && !map.isEmpty()) {
                String text = alone(Kind.GLOBAL_PLUGINS, Secrets.masked(plugins));
                out.write(json ? (any ? "," : "{") + text.substring(1, text.length() - 1) : text);
                any = true;
            }
            out.write(!any ? ConfigCodec.write(GatewayConfig.EMPTY, format) : json ? "}" : "");
            out.flush();
        } catch (RuntimeException e) {
            LOG.warning("event=export_failed revision=" + revision + " objects_written=" + objects + " error=\""
                    + e.getMessage() + "\"");
            throw e;
        }
    }

    /** The whole-config text of a config holding only {@code value}. */
    @SuppressWarnings("unchecked")
    private String alone(Kind kind, Object value) {
        GatewayConfig config = switch (kind) {
            case ROUTE -> new GatewayConfig(List.of((Route) value), null, null, null, null);
            case UPSTREAM -> new GatewayConfig(null, List.of((Upstream) value), null, null, null);
            case CONSUMER -> new GatewayConfig(null, null, List.of((Consumer) value), null, null);
            case CERTIFICATE -> new GatewayConfig(null, null, null, List.of((Certificate) value), null);
            case GLOBAL_PLUGINS -> new GatewayConfig(null, null, null, null,
                    (Map<String, com.fasterxml.jackson.databind.JsonNode>) value);
        };
        return ConfigCodec.write(config, format);
    }

    /** The one list item of {@code text} ({@link #alone}): {@code {"routes":[X]}} or {@code routes:\nX}. */
    private String cut(Kind kind, String text) {
        String head = format == ConfigCodec.Format.JSON ? "{\"" + kind.key() + "\":[" : kind.key() + ":\n";
        String tail = format == ConfigCodec.Format.JSON ? "]}" : "";
        if (!text.startsWith(head) || !text.endsWith(tail)) {
            throw new IllegalStateException("unexpected " + format + " text of one " + kind.key() + " object");
        }
        return text.substring(head.length(), text.length() - tail.length());
    }
}
