/**
 * The gRPC admin API (SPEC §18, {@code src/main/proto/stargate/admin/v1/admin.proto}) on
 * {@code --grpc-port}, TLS with {@code --grpc-tls-cert/--grpc-tls-key}: a grpc-java Netty server in
 * the controller process, beside Helidon's HTTP server. Entry class: {@link stargate.controller.grpc.GrpcAdmin}.
 * Every call goes to the service layer REST uses ({@link stargate.controller.write.ConfigService},
 * {@link stargate.controller.api.ObjectWrites}, {@link stargate.controller.api.WholeConfig},
 * {@link stargate.controller.api.Rollback}, {@link stargate.controller.api.NodeReport},
 * {@link stargate.controller.api.Explained}, {@link stargate.controller.audit.AuditLog},
 * {@link stargate.controller.auth.AuthFilter#authorize}); this package only maps messages and statuses.
 */
package stargate.controller.grpc;
