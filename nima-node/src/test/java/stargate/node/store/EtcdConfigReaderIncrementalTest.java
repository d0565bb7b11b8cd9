package stargate.node.store;

/** {@link EtcdConfigReaderTest} with each change checked against the served config alone, as a node does. */
class EtcdConfigReaderIncrementalTest extends EtcdConfigReaderTest {
    @Override
    boolean incremental() {
        return true;
    }
}
