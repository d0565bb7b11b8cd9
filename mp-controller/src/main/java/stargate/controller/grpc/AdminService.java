package stargate.controller.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import stargate.admin.v1.AbortRolloutRequest;
import stargate.admin.v1.AdminGrpc;
import stargate.admin.v1.GetRolloutRequest;
import stargate.admin.v1.ListRolloutsRequest;
import stargate.admin.v1.ListRolloutsResponse;
import stargate.admin.v1.PromoteRolloutRequest;
import stargate.admin.v1.RolloutStatus;
import stargate.admin.v1.ApplyRequest;
import stargate.admin.v1.ApplyResponse;
import stargate.admin.v1.Candidate;
import stargate.admin.v1.ConfigText;
import stargate.admin.v1.DiffResponse;
import stargate.admin.v1.ExplainRequest;
import stargate.admin.v1.ExplainResponse;
import stargate.admin.v1.GetConfigRequest;
import stargate.admin.v1.GetGlobalPluginsRequest;
import stargate.admin.v1.ListNodesRequest;
import stargate.admin.v1.ListNodesResponse;
import stargate.admin.v1.LogEntry;
import stargate.admin.v1.LogPage;
import stargate.admin.v1.LogRequest;
import stargate.admin.v1.NodeStatus;
import stargate.admin.v1.PutConfigRequest;
import stargate.admin.v1.PutGlobalPluginsRequest;
import stargate.admin.v1.RollbackRequest;
import stargate.admin.v1.RollbackResponse;
import stargate.admin.v1.ValidateConfigRequest;
import stargate.admin.v1.ConfigEvent;
import stargate.admin.v1.ConfigObject;
import stargate.admin.v1.DeleteRequest;
import stargate.admin.v1.GetRequest;
import stargate.admin.v1.ListRequest;
import stargate.admin.v1.ListResponse;
import stargate.admin.v1.Meta;
import stargate.admin.v1.PutRequest;
import stargate.admin.v1.Rejection;
import stargate.admin.v1.WatchRequest;
import stargate.admin.v1.WriteResponse;
import stargate.controller.write.ConfigService;
import stargate.controller.api.ConfigExport;
import stargate.controller.api.Explained;
import stargate.controller.api.NodeReport;
import stargate.controller.api.ObjectWrites;
import stargate.controller.api.Rollback;
import stargate.controller.api.WholeConfig;
import stargate.controller.audit.AuditLog;
import stargate.controller.gitops.GitOps;
import stargate.controller.history.History;
import stargate.controller.rollout.Rollouts;
import stargate.model.rollout.RolloutPolicy;
import stargate.controller.audit.Actor;
import stargate.controller.store.ConfigView;
import stargate.controller.store.EtcdStore;
import stargate.controller.store.Snapshot;
import stargate.controller.store.StoredObject;
import stargate.model.Kind;
import stargate.model.codec.ConfigCodec;
import stargate.model.routing.Explanation;
import stargate.model.diff.Change;

/**
 * The {@code stargate.admin.v1.Admin} service: messages in, {@link ConfigService} and
 * {@link ObjectWrites} (the REST API's service layer) underneath, messages out.
 */
final class AdminService extends AdminGrpc.AdminImplBase {
    /** Objects of one Apply stream queued for the committer at once (its queue holds {@code ConfigService.MAX_PENDING}). */
    static final int APPLY_WINDOW = 512;
    static final int MAX_REJECTIONS = 100;
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;
    static final int DEFAULT_LOG_PAGE = 50;
    static final int MAX_LOG_PAGE = 500;
    /**
     * Whole-config uploads (PutConfig, ValidateConfig) buffered at once per controller: each may hold
     * {@link ConfigUpload#MAX_CONFIG_BYTES}, and a viewer may validate, so the count is what bounds the memory.
     */
    static final int MAX_UPLOADS = 2;
    /** Events a watcher may fall behind by (sent while its transport was not ready) before it is cut off. */
    static final int MAX_WATCH_LAG = 10_000;
    private static final Logger LOG = Logger.getLogger(AdminService.class.getName());

    private final ConfigService service;
    private final EtcdStore store;
    private final GitOps gitops;
    private final Rollouts rollouts;
    private final Semaphore watchSlots;
    private final Semaphore uploadSlots = new Semaphore(MAX_UPLOADS);

    AdminService(ConfigService service, EtcdStore store, GitOps gitops, Rollouts rollouts, int maxWatches) {
        this.store = store;
        this.service = service;
        this.gitops = gitops;
        this.rollouts = rollouts;
        this.watchSlots = new Semaphore(maxWatches);
    }

    @Override
    public void get(GetRequest request, StreamObserver<ConfigObject> out) {
        answer(out, () -> {
            Kind kind = kind(request.getKind());
            String id = ObjectWrites.checkedId(request.getId());
            StoredObject o = service.snapshot().get(kind, id).orElseThrow(() -> ObjectWrites.notFound(kind, id));
            return object(o);
        });
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> out) {
        answer(out, () -> {
            Kind kind = kind(request.getKind());
            int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
            if (size < 1 || size > MAX_PAGE) {
                throw GrpcErrors.invalid("bad page_size", "page_size", "must be 1.." + MAX_PAGE + " (0 = " + DEFAULT_PAGE
                        + "), got " + request.getPageSize());
            }
            String after = request.getPageToken();
            Snapshot snapshot = service.snapshot();
            List<StoredObject> all = snapshot.list(kind);
            ListResponse.Builder page = ListResponse.newBuilder().setRevision(snapshot.revision()).setTotal(all.size());
            for (StoredObject o : all) {
                if (!after.isEmpty() && o.id().compareTo(after) <= 0) {
                    continue;
                }
                if (page.getItemsCount() == size) {
                    page.setNextPageToken(page.getItems(size - 1).getId());
                    break;
                }
                page.addItems(object(o));
            }
            return page.build();
        });
    }

    @Override
    public void put(PutRequest request, StreamObserver<WriteResponse> out) {
        answer(out, () -> {
            Kind kind = kind(request.getKind());
            String id = ObjectWrites.checkedId(request.getId());
            Object incoming = ObjectWrites.bind(kind, id, request.getJson());
            RolloutPolicy policy = policy(request.getRollout(), request.getRolloutPolicy());
            ConfigService.Outcome outcome = service.writeObject(new ConfigService.Focus(kind, id),
                    request.hasIfRevision() ? request.getIfRevision() : null, request.getDryRun() || policy != null, actor(),
                    view -> ObjectWrites.replace(view, kind, id, incoming));
            return written(kind, id, outcome, request.getDryRun(), policy);
        });
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<WriteResponse> out) {
        answer(out, () -> {
            Kind kind = kind(request.getKind());
            String id = ObjectWrites.checkedId(request.getId());
            RolloutPolicy policy = policy(request.getRollout(), request.getRolloutPolicy());
            ConfigService.Outcome outcome = service.writeObject(new ConfigService.Focus(kind, id),
                    request.hasIfRevision() ? request.getIfRevision() : null, request.getDryRun() || policy != null, actor(),
                    view -> ObjectWrites.remove(view, kind, id));
            return written(kind, id, outcome, request.getDryRun(), policy);
        });
    }

    @Override
    public void watchConfig(WatchRequest request, StreamObserver<ConfigEvent> out) {
        ServerCallStreamObserver<ConfigEvent> call = (ServerCallStreamObserver<ConfigEvent>) out;
        if (request.getFromRevision() < 0) {
            out.onError(GrpcErrors.invalid("bad from_revision", "from_revision", "must be 0 (from now) or a revision"));
            return;
        }
        if (!watchSlots.tryAcquire()) {
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription("too many watches on this controller; retry later")
                    .asRuntimeException());
            return;
        }
        Watching watching = new Watching(call);
        call.setOnReadyHandler(() -> watching.lag.set(0));
        try {
            watching.watch = store.watchObjects(request.getFromRevision(), watching::send, watching::fail);
        } catch (RuntimeException e) {
            watching.fail(e);
            return;
        }
        call.setOnCancelHandler(watching::end);
        if (watching.ended) { // failed before the cancel handler was set
            watching.end();
        }
    }

    /** One WatchConfig call: events from the etcd watch (its thread), in order, until either side ends. */
    private final class Watching {
        final ServerCallStreamObserver<ConfigEvent> call;
        final AtomicLong lag = new AtomicLong();
        volatile AutoCloseable watch;
        volatile boolean ended;
        private boolean released;

        Watching(ServerCallStreamObserver<ConfigEvent> call) {
            this.call = call;
        }

        synchronized void send(List<EtcdStore.ObjectEvent> events) {
            if (ended) {
                return;
            }
            for (EtcdStore.ObjectEvent e : events) {
                ConfigEvent.Builder event = ConfigEvent.newBuilder().setKind(kind(e.kind())).setId(e.id())
                        .setRevision(e.revision()).setOp(e.object() == null ? ConfigEvent.Op.DELETE : ConfigEvent.Op.PUT);
                if (e.object() != null) {
                    event.setObject(object(e.object()));
                }
                if (!call.isReady() && lag.incrementAndGet() > MAX_WATCH_LAG) {
                    fail(Status.RESOURCE_EXHAUSTED.withDescription("the client reads events too slowly (" + MAX_WATCH_LAG
                            + " behind): List again and watch from the revision it answers").asRuntimeException());
                    return;
                }
                call.onNext(event.build());
            }
        }

        void fail(RuntimeException e) {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                call.onError(GrpcErrors.of(e));
            }
            end();
        }

        /**
         * Closes the etcd watch outside this object's lock: jetcd calls {@link #fail} holding its own
         * lock, and its close takes that lock, so closing under ours could deadlock its event loop
         * (and with it every etcd call of the controller).
         */
        void end() {
            AutoCloseable closing;
            boolean release;
            synchronized (this) {
                ended = true;
                closing = watch;
                watch = null;
                release = !released;
                released = true;
            }
            if (closing != null) {
                try {
                    closing.close();
                } catch (Exception ignored) {
                    // closing a watch only cancels it
                }
            }
            if (release) {
                watchSlots.release();
            }
        }
    }

    @Override
    public StreamObserver<ApplyRequest> apply(StreamObserver<ApplyResponse> out) {
        return new Applying(actor(), out);
    }

    /**
     * One Apply stream: each object bound and queued for the committer in stream order (so an upstream
     * earlier in the stream is there for a route after it), at most {@link #APPLY_WINDOW} in flight;
     * the committer validates each against the config as the earlier ones left it and commits many per
     * transaction. Answered once every object is.
     */
    private final class Applying implements StreamObserver<ApplyRequest> {
        final Actor actor;
        final StreamObserver<ApplyResponse> out;
        final Semaphore window = new Semaphore(APPLY_WINDOW);
        final ApplyResponse.Builder result = ApplyResponse.newBuilder();
        long index;
        long started = System.nanoTime();

        Applying(Actor actor, StreamObserver<ApplyResponse> out) {
            this.actor = actor;
            this.out = out;
        }

        @Override
        public void onNext(ApplyRequest request) {
            long at = index++;
            synchronized (this) {
                result.setReceived(index);
            }
            Kind kind;
            String id;
            java.util.function.Function<ConfigView, ConfigService.ObjectProposal> propose;
            try {
                kind = kind(request.getKind());
                id = ObjectWrites.checkedId(request.getId());
                Object incoming = request.getDelete() ? null : ObjectWrites.bind(kind, id, request.getJson());
                propose = incoming == null ? view -> ObjectWrites.remove(view, kind, id)
                        : view -> ObjectWrites.replace(view, kind, id, incoming);
            } catch (RuntimeException e) {
                reject(at, request, e);
                return;
            }
            window.acquireUninterruptibly();
            service.writeObjectQueued(new ConfigService.Focus(kind, id), request.hasIfRevision() ? request.getIfRevision() : null,
                    actor, propose).whenComplete((outcome, failure) -> {
                        try {
                            if (failure != null) {
                                reject(at, request, failure);
                            } else {
                                count(outcome);
                            }
                        } finally {
                            window.release();
                        }
                    });
        }

        private synchronized void count(ConfigService.Outcome outcome) {
            if (outcome.changes().isEmpty()) {
                result.setUnchanged(result.getUnchanged() + 1);
                return;
            }
            switch (outcome.changes().get(0).op()) {
                case ADDED -> result.setCreated(result.getCreated() + 1);
                case CHANGED -> result.setChanged(result.getChanged() + 1);
                case REMOVED -> result.setDeleted(result.getDeleted() + 1);
            }
            result.setRevision(Math.max(result.getRevision(), outcome.revision()));
        }

        private synchronized void reject(long at, ApplyRequest request, Throwable failure) {
            result.setRejected(result.getRejected() + 1);
            if (result.getRejectionsCount() < MAX_REJECTIONS) {
                io.grpc.StatusRuntimeException status = GrpcErrors.of(failure);
                result.addRejections(Rejection.newBuilder().setIndex(at).setKind(request.getKind()).setId(request.getId())
                        .setCode(status.getStatus().getCode().name()).setMessage(String.valueOf(status.getStatus().getDescription()))
                        .addAllViolations(GrpcErrors.violations(status)));
            }
        }

        @Override
        public void onError(Throwable t) {
            // the client gave up: what was queued is still committed (each object stands alone, as a Put)
            LOG.info(() -> "event=grpc_apply_cancelled principal=" + actor.principal() + " received=" + index);
        }

        @Override
        public void onCompleted() {
            window.acquireUninterruptibly(APPLY_WINDOW); // every queued object answered
            ApplyResponse response;
            synchronized (this) {
                response = result.build();
            }
            LOG.info(() -> "event=grpc_apply principal=" + actor.principal() + " received=" + response.getReceived()
                    + " created=" + response.getCreated() + " changed=" + response.getChanged() + " deleted="
                    + response.getDeleted() + " unchanged=" + response.getUnchanged() + " rejected=" + response.getRejected()
                    + " revision=" + response.getRevision() + " ms=" + (System.nanoTime() - started) / 1_000_000);
            out.onNext(response);
            out.onCompleted();
        }
    }

    @Override
    public void getConfig(GetConfigRequest request, StreamObserver<ConfigText> out) {
        ServerCallStreamObserver<ConfigText> call = (ServerCallStreamObserver<ConfigText>) out;
        try {
            ConfigCodec.Format format = format(request.getFormat());
            Snapshot head = store.head();
            try (ExportChunks chunks = new ExportChunks(call, head.revision(), head.fenceRevision())) {
                new ConfigExport(store, head.revision(), format).write(chunks);
            }
        } catch (IOException | RuntimeException e) {
            if (!call.isCancelled()) {
                out.onError(GrpcErrors.of(e instanceof UncheckedIOException u ? u.getCause() : e));
            }
            return;
        }
        out.onCompleted();
    }

    @Override
    public StreamObserver<PutConfigRequest> putConfig(StreamObserver<DiffResponse> out) {
        return new ConfigUpload<>(this::writeConfig, uploadSlots, out, false, r -> r);
    }

    @Override
    public StreamObserver<ValidateConfigRequest> validateConfig(StreamObserver<DiffResponse> out) {
        return new ConfigUpload<>(this::writeConfig, uploadSlots, out, true,
                r -> PutConfigRequest.newBuilder().setData(r.getData()).setFormat(r.getFormat()).build());
    }

    /** A whole-config write (or, with dryRun, validation; or the start of a rollout) by the caller: the diff. */
    private DiffResponse writeConfig(String text, PutConfigRequest options, boolean dryRun) {
        RolloutPolicy policy = policy(options.getRollout(), options.getRolloutPolicy());
        ConfigService.Outcome outcome = WholeConfig.write(service, text, format(options.getFormat()),
                options.hasIfRevision() ? options.getIfRevision() : null, dryRun || policy != null, actor());
        if (policy != null && !dryRun) {
            return DiffResponse.newBuilder().setChanged(false).setDiffJson(ObjectWrites.diff(outcome.changes(), true, -1))
                    .setRollout(started(outcome, policy)).build();
        }
        return DiffResponse.newBuilder().setRevision(dryRun ? 0 : outcome.revision()).setChanged(!outcome.changes().isEmpty())
                .setDiffJson(ObjectWrites.diff(outcome.changes(), dryRun, outcome.revision())).build();
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
        answer(out, () -> {
            ObjectNode fleet = NodeReport.fleet(store);
            ListNodesResponse.Builder nodes = ListNodesResponse.newBuilder().setRevision(fleet.path("revision").asLong());
            for (JsonNode node : fleet.path("items")) {
                NodeStatus.Builder status = NodeStatus.newBuilder().setId(node.path("id").asText())
                        .setLastError(node.path("last_error").isNull() ? "" : node.path("last_error").asText())
                        .setJson(node.toString());
                if (node.path("applied_revision").canConvertToLong()) {
                    status.setAppliedRevision(node.path("applied_revision").asLong());
                }
                if (node.path("lag").canConvertToLong()) {
                    status.setLag(node.path("lag").asLong());
                }
                nodes.addNodes(status);
            }
            return nodes.build();
        });
    }

    @Override
    public void history(LogRequest request, StreamObserver<LogPage> out) {
        answer(out, () -> log(History.FOLDER, request));
    }

    @Override
    public void audit(LogRequest request, StreamObserver<LogPage> out) {
        answer(out, () -> log(AuditLog.FOLDER, request));
    }

    private LogPage log(String folder, LogRequest request) {
        int size = request.getPageSize() == 0 ? DEFAULT_LOG_PAGE : request.getPageSize();
        if (size < 1 || size > MAX_LOG_PAGE) {
            throw GrpcErrors.invalid("bad page_size", "page_size", "must be 1.." + MAX_LOG_PAGE + " (0 = " + DEFAULT_LOG_PAGE
                    + "), got " + request.getPageSize());
        }
        if (request.getPageToken() < 0) {
            throw GrpcErrors.invalid("bad page_token", "page_token", "must be 0 (the newest) or a next_page_token");
        }
        ObjectNode page = AuditLog.page(store, folder, request.getPageToken() == 0 ? null : request.getPageToken(), size);
        LogPage.Builder out = LogPage.newBuilder().setNextPageToken(page.path("next_after").asLong(0));
        for (JsonNode item : page.path("items")) {
            out.addItems(LogEntry.newBuilder().setRevision(item.path("revision").asLong())
                    .setSequence(item.path("sequence").asLong()).setAt(item.path("at").asText())
                    .setWho(item.path("who").asText()).setSource(item.path("source").asText())
                    .setFrom(item.path("from").asText()).setCommit(item.path("commit").asText(""))
                    .setNote(item.path("note").asText("")).setSummary(item.path("summary").asText())
                    .setJson(item.toString()));
        }
        return out.build();
    }

    @Override
    public void rollback(RollbackRequest request, StreamObserver<RollbackResponse> out) {
        answer(out, () -> {
            Actor actor = actor();
            Rollback rollback = Rollback.to(request.getRevision(), request.getDryRun(), actor.principal(), actor.from(),
                    service, store, gitops);
            ConfigService.Outcome outcome = rollback.outcome();
            return RollbackResponse.newBuilder().setRevision(request.getDryRun() ? 0 : outcome.revision())
                    .setRestoredRevision(rollback.restored()).setChanged(!outcome.changes().isEmpty())
                    .setDiffJson(ObjectWrites.diff(outcome.changes(), request.getDryRun(), outcome.revision())).build();
        });
    }

    @Override
    public void explain(ExplainRequest request, StreamObserver<ExplainResponse> out) {
        answer(out, () -> {
            Explained explained = Explained.request(service, request.getMethod(), request.getUrl(), request.getHeadersMap());
            Explanation explanation = explained.explanation();
            ExplainResponse.Builder response = ExplainResponse.newBuilder().setRevision(explained.revision())
                    .putAllParams(explanation.params()).setPath(String.valueOf(explanation.path()));
            if (explanation.route() != null) {
                response.setRoute(explanation.route());
            }
            if (explanation.refused() != null) {
                response.setRefused(explanation.refused());
            }
            explanation.candidates().forEach(c -> response.addCandidates(
                    Candidate.newBuilder().setRoute(c.route()).setReason(c.reason())));
            return response.build();
        });
    }

    @Override
    public void getGlobalPlugins(GetGlobalPluginsRequest request, StreamObserver<ConfigObject> out) {
        answer(out, () -> store.object(Kind.GLOBAL_PLUGINS, "", 0).map(AdminService::object)
                .orElseGet(() -> ConfigObject.newBuilder().setKind(stargate.admin.v1.Kind.GLOBAL_PLUGINS).setJson("{}")
                        .setMeta(Meta.getDefaultInstance()).build()));
    }

    @Override
    public void putGlobalPlugins(PutGlobalPluginsRequest request, StreamObserver<WriteResponse> out) {
        answer(out, () -> {
            Object plugins = ObjectWrites.bindGlobalPlugins(request.getJson());
            ConfigService.Outcome outcome = service.writeObject(new ConfigService.Focus(Kind.GLOBAL_PLUGINS, ""),
                    request.hasIfRevision() ? request.getIfRevision() : null, request.getDryRun(), actor(),
                    view -> ObjectWrites.replace(view, Kind.GLOBAL_PLUGINS, "", plugins));
            return written(Kind.GLOBAL_PLUGINS, "", outcome, request.getDryRun(), null);
        });
    }

    @Override
    public void listRollouts(ListRolloutsRequest request, StreamObserver<ListRolloutsResponse> out) {
        answer(out, () -> {
            ListRolloutsResponse.Builder list = ListRolloutsResponse.newBuilder();
            rollouts.list().path("items").forEach(item -> list.addItems(rollout(item)));
            return list.build();
        });
    }

    @Override
    public void getRollout(GetRolloutRequest request, StreamObserver<RolloutStatus> out) {
        answer(out, () -> rollout(rollouts.get(request.getId())));
    }

    @Override
    public void promoteRollout(PromoteRolloutRequest request, StreamObserver<RolloutStatus> out) {
        answer(out, () -> rollout(rollouts.promote(request.getId(), actor())));
    }

    @Override
    public void abortRollout(AbortRolloutRequest request, StreamObserver<RolloutStatus> out) {
        answer(out, () -> rollout(rollouts.abort(request.getId(), actor())));
    }

    /** A write's {@code rollout} and {@code rollout_policy} (proto3's empty = not given), as REST's query parameters. */
    private RolloutPolicy policy(String rollout, String policyJson) {
        return rollouts.policyFor(rollout.isEmpty() ? null : rollout, policyJson.isEmpty() ? null : policyJson);
    }

    private RolloutStatus started(ConfigService.Outcome dryRun, RolloutPolicy policy) {
        return rollout(rollouts.start(dryRun.changes(), dryRun.baseRevision(), policy, actor()));
    }

    /** A rollout as REST shows it, its headline fields typed. */
    private static RolloutStatus rollout(JsonNode r) {
        RolloutStatus.Builder out = RolloutStatus.newBuilder().setId(r.path("id").asText()).setState(r.path("state").asText())
                .setSummary(r.path("summary").asText()).setCreatedAt(r.path("created_at").asText())
                .setCreatedBy(r.path("created_by").asText()).setBakeEndsAt(r.path("bake_ends_at").asText())
                .setReason(r.path("reason").isNull() ? "" : r.path("reason").asText()).setJson(r.toString());
        r.path("canaries").forEach(c -> out.addCanaries(c.asText()));
        return out.build();
    }

    private static ConfigCodec.Format format(stargate.admin.v1.Format format) {
        return switch (format) {
            case FORMAT_UNSPECIFIED, JSON -> ConfigCodec.Format.JSON;
            case YAML -> ConfigCodec.Format.YAML;
            default -> throw GrpcErrors.invalid("bad format", "format", "must be JSON or YAML");
        };
    }


    /** @param policy non-null: the write was a dry run whose changes start a rollout (unless dryRun) */
    private WriteResponse written(Kind kind, String id, ConfigService.Outcome outcome, boolean dryRun, RolloutPolicy policy) {
        WriteResponse.Builder response = WriteResponse.newBuilder().setChanged(!outcome.changes().isEmpty());
        if (dryRun || policy != null) {
            response.setDiffJson(ObjectWrites.diff(outcome.changes(), true, -1));
            if (!dryRun) {
                response.setChanged(false).setRollout(started(outcome, policy));
            }
            return response.build();
        }
        response.setRevision(outcome.revision()).setDiffJson(ObjectWrites.diff(outcome.changes(), false, outcome.revision()));
        if (outcome.changes().isEmpty()) {
            if (outcome.current() != null) {
                response.setObject(object(outcome.current()));
            }
            return response.build();
        }
        Change change = outcome.changes().get(0);
        if (change.after() != null) {
            stargate.controller.store.Meta meta = outcome.metas().get(kind.key() + "/" + id);
            response.setObject(ConfigObject.newBuilder().setKind(kind(kind)).setId(id)
                    .setJson(ObjectWrites.view(change.after(), meta, outcome.revision()))
                    .setMeta(meta(meta, outcome.revision())));
        }
        return response.build();
    }

    private static ConfigObject object(StoredObject o) {
        return ConfigObject.newBuilder().setKind(kind(o.kind())).setId(o.id()).setJson(ObjectWrites.view(o))
                .setMeta(meta(o.meta(), o.modRevision())).build();
    }

    private static Meta meta(stargate.controller.store.Meta meta, long revision) {
        return Meta.newBuilder().setRevision(revision).setCreatedAt(meta.createdAt().toString())
                .setUpdatedAt(meta.updatedAt().toString()).setUpdatedBy(meta.updatedBy()).build();
    }

    private static Actor actor() {
        return GrpcAuth.ACTOR.get();
    }

    private static Kind kind(stargate.admin.v1.Kind kind) {
        return switch (kind) {
            case ROUTE -> Kind.ROUTE;
            case UPSTREAM -> Kind.UPSTREAM;
            case CONSUMER -> Kind.CONSUMER;
            case CERTIFICATE -> Kind.CERTIFICATE;
            case GLOBAL_PLUGINS -> throw GrpcErrors.invalid("bad kind", "kind",
                    "GLOBAL_PLUGINS is one object: GetGlobalPlugins and PutGlobalPlugins read and write it");
            default -> throw GrpcErrors.invalid("bad kind", "kind", "must be ROUTE, UPSTREAM, CONSUMER or CERTIFICATE");
        };
    }

    private static stargate.admin.v1.Kind kind(Kind kind) {
        return switch (kind) {
            case ROUTE -> stargate.admin.v1.Kind.ROUTE;
            case UPSTREAM -> stargate.admin.v1.Kind.UPSTREAM;
            case CONSUMER -> stargate.admin.v1.Kind.CONSUMER;
            case CERTIFICATE -> stargate.admin.v1.Kind.CERTIFICATE;
            case GLOBAL_PLUGINS -> stargate.admin.v1.Kind.GLOBAL_PLUGINS;
        };
    }

    /** Runs a unary call: its answer, or its failure as a status. */
    static <T> void answer(StreamObserver<T> out, java.util.function.Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.of(e));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
