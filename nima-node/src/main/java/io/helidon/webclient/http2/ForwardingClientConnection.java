package io.helidon.webclient.http2;

import java.time.Duration;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.webclient.api.ClientConnection;

/**
 * A {@link ClientConnection} that passes every call to another one, so that a decorator overrides only what it
 * changes: {@link GrpcClientConnection} corks the writer, a test counts the writes.
 */
abstract class ForwardingClientConnection implements ClientConnection {
    private final ClientConnection delegate;

    ForwardingClientConnection(ClientConnection delegate) {
        this.delegate = delegate;
    }

    @Override
    public DataReader reader() {
        return delegate.reader();
    }

    @Override
    public DataWriter writer() {
        return delegate.writer();
    }

    @Override
    public String channelId() {
        return delegate.channelId();
    }

    @Override
    public HelidonSocket helidonSocket() {
        return delegate.helidonSocket();
    }

    @Override
    public void readTimeout(Duration readTimeout) {
        delegate.readTimeout(readTimeout);
    }

    @Override
    public boolean allowExpectContinue() {
        return delegate.allowExpectContinue();
    }

    @Override
    public void allowExpectContinue(boolean allowExpectContinue) {
        delegate.allowExpectContinue(allowExpectContinue);
    }

    @Override
    public boolean isConnected() {
        return delegate.isConnected();
    }

    @Override
    public void releaseResource() {
        delegate.releaseResource();
    }

    @Override
    public void closeResource() {
        delegate.closeResource();
    }
}
