package stargate.controller.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import stargate.controller.audit.Actor;
import stargate.controller.auth.AuthFilter;
import stargate.controller.auth.Role;

/**
 * Authenticates each admin call as REST does ({@link AuthFilter#authorize}: metadata
 * {@code authorization: Bearer <JWT>} or {@code x-api-key}); reads need {@code viewer}, writes
 * {@code admin}. The caller becomes the call's {@link #ACTOR}: who {@code updated_by} and the audit
 * log name, from the peer's address.
 */
final class GrpcAuth implements ServerInterceptor {
    static final Context.Key<Actor> ACTOR = Context.key("stargate-actor");
    static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** Methods that only read: {@code viewer} is enough. */
    private static final Set<String> READS = Set.of("Get", "List", "WatchConfig", "GetConfig", "ValidateConfig", "ListNodes",
            "History", "Audit", "Explain", "GetGlobalPlugins", "ListRollouts", "GetRollout");
    private static final String ANONYMOUS = "anonymous";

    private final AuthFilter auth;

    GrpcAuth(AuthFilter auth) {
        this.auth = auth;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String address = address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        String principal = ANONYMOUS;
        if (auth.enabled()) {
            Role needed = READS.contains(call.getMethodDescriptor().getBareMethodName()) ? Role.VIEWER : Role.ADMIN;
            AuthFilter.Verdict verdict = auth.authorize(headers.get(AUTHORIZATION), headers.get(API_KEY), needed);
            if (verdict.status() != 0) {
                call.close((verdict.status() == 401 ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED)
                        .withDescription(verdict.detail()), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            principal = verdict.principal();
        }
        Context context = Context.current().withValue(ACTOR, Actor.api(principal, address));
        return Contexts.interceptCall(context, call, headers, next);
    }

    private static String address(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(peer);
    }
}
