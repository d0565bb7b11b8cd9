package stargate.controller.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import stargate.admin.v1.FieldViolation;
import stargate.controller.problem.ApiProblem;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.StoreUnavailableException;
import stargate.model.validate.ConfigError;

/**
 * A failed call as a {@code google.rpc.Status}: the REST status turned into its gRPC code, the
 * problem's errors as {@code BadRequest.field_violations} (field = the path REST gives), and an
 * {@code ErrorInfo} whose reason is REST's problem type (e.g. {@code precondition-failed}).
 */
final class GrpcErrors {
    static final String DOMAIN = "stargate";
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class.getName());

    private GrpcErrors() {
    }

    static StatusRuntimeException invalid(String message, String field, String description) {
        return status(Code.INVALID_ARGUMENT, "invalid-argument", message, List.of(new ConfigError(field, description)));
    }

    /** Any failure of a call, as the status to answer. */
    static StatusRuntimeException of(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof ApiProblem p) {
            return status(code(p.status()), p.slug(), p.getMessage(), p.errors());
        }
        if (t instanceof EtcdStore.Compacted c) {
            return status(Code.FAILED_PRECONDITION, "compacted", c.getMessage()
                    + ": List again and watch from the revision it answers", List.of());
        }
        if (t instanceof StoreUnavailableException) {
            return status(Code.UNAVAILABLE, "etcd-unavailable", t.getMessage(), List.of());
        }
        LOG.log(Level.WARNING, "event=grpc_internal_error", t);
        return status(Code.INTERNAL, "internal", "internal error: " + t, List.of());
    }

    /** The gRPC code of a REST status. */
    static Code code(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> Code.INVALID_ARGUMENT;
            case 401 -> Code.UNAUTHENTICATED;
            case 403 -> Code.PERMISSION_DENIED;
            case 404 -> Code.NOT_FOUND;
            case 409, 412 -> Code.FAILED_PRECONDITION; // 409: the id exists, referrers; 412: If-Match (reason tells)
            case 413 -> Code.RESOURCE_EXHAUSTED;
            case 503 -> Code.UNAVAILABLE;
            default -> Code.INTERNAL;
        };
    }

    /** The field violations a status carries (an Apply rejection lists them as a failed Put's status does). */
    static List<FieldViolation> violations(StatusRuntimeException status) {
        com.google.rpc.Status proto = StatusProto.fromThrowable(status);
        List<FieldViolation> out = new java.util.ArrayList<>();
        for (Any detail : proto == null ? List.<Any>of() : proto.getDetailsList()) {
            if (detail.is(BadRequest.class)) {
                try {
                    detail.unpack(BadRequest.class).getFieldViolationsList().forEach(v -> out.add(
                            FieldViolation.newBuilder().setField(v.getField()).setDescription(v.getDescription()).build()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e); // packed here a moment ago
                }
            }
        }
        return out;
    }

    private static StatusRuntimeException status(Code code, String reason, String message, List<ConfigError> errors) {
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(code.getNumber())
                .setMessage(message == null ? reason : message);
        status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build()));
        if (!errors.isEmpty()) {
            BadRequest.Builder bad = BadRequest.newBuilder();
            for (ConfigError e : errors) {
                bad.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(e.path()).setDescription(e.message()));
            }
            status.addDetails(Any.pack(bad.build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }
}
