package stargate.controller.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Arrays;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import stargate.controller.store.EtcdStore;

/** Makes the one {@link EtcdStore} from {@code stargate.etcd} and {@code stargate.prefix}, and closes it. */
@ApplicationScoped
public class StoreProducer {
    /** The most any etcd call of a request waits: a request never hangs on etcd. */
    static final Duration ETCD_TIMEOUT = Duration.ofSeconds(3);

    @Produces
    @Singleton
    EtcdStore store(@ConfigProperty(name = "stargate.etcd") String endpoints,
                    @ConfigProperty(name = "stargate.prefix", defaultValue = "/stargate") String prefix) {
        return EtcdStore.connect(Arrays.stream(endpoints.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                prefix, ETCD_TIMEOUT);
    }

    void close(@Disposes EtcdStore store) {
        store.close();
    }
}
