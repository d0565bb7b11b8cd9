# Stargate node (data plane). Build from the repository root:
#   docker build -f etc/docker/node.Dockerfile -t stargate/node:0.1.0 .
# Run (standalone):
#   docker run --rm -p 8080:8080 -v "$PWD/etc/examples:/etc/stargate:ro" stargate/node:0.1.0 \
#     --config /etc/stargate/standalone.yaml
# Bases are pinned by version tag (the JDK the project is tested on); pin by digest in your registry.
ARG JDK_IMAGE=eclipse-temurin:25.0.3_9-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:25.0.3_9-jre-noble
# The config the image's JDK AOT cache is trained on (a path in the build context); your own makes
# a start of it faster still: --build-arg AOT_TRAINING_CONFIG=deploy/stargate.yaml
ARG AOT_TRAINING_CONFIG=etc/examples/standalone.yaml

FROM ${JDK_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends maven \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -ntp -DskipTests -pl nima-node -am package

FROM ${JRE_IMAGE}
RUN groupadd --system --gid 10001 stargate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/stargate --no-create-home \
      --shell /usr/sbin/nologin stargate \
 && mkdir -p /opt/stargate/plugins /var/cache/stargate \
 && chown 10001:10001 /var/cache/stargate
WORKDIR /opt/stargate
# The thin jar and its libs/ (its manifest's Class-Path points there).
COPY --from=build /src/nima-node/target/libs/ /opt/stargate/libs/
COPY --from=build /src/nima-node/target/stargate-node.jar /opt/stargate/stargate-node.jar
# The heap follows the container's memory limit; the last two flags open what netty and gRPC use on JDK 24+.
ENV JDK_JAVA_OPTIONS="-XX:InitialRAMPercentage=75 -XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
# The JDK AOT cache (docs/operations.md, "Startup"): made here, by a training start of the node on
# this JRE and these jars, so it always matches them (the ENTRYPOINT loads it).
ARG AOT_TRAINING_CONFIG
COPY bin/stargate-aot-cache /opt/stargate/stargate-aot-cache
COPY ${AOT_TRAINING_CONFIG} /opt/stargate/aot-training.yaml
RUN /opt/stargate/stargate-aot-cache train --java java --jar /opt/stargate/stargate-node.jar \
      --cache /opt/stargate/stargate-node.aot -- node --config /opt/stargate/aot-training.yaml --host 127.0.0.1 \
 && rm /opt/stargate/aot-training.yaml
USER 10001:10001
# proxy http, proxy https, admin (health, metrics, status: bound to 127.0.0.1 unless --admin-host)
EXPOSE 8080 8443 9901
# For docker/compose; Kubernetes uses the chart's probes on the same endpoint. No curl needed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${STARGATE_ADMIN_PORT:-9901} && printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# Exec form: java is PID 1 and gets SIGTERM itself, which starts the node's graceful drain.
ENTRYPOINT ["java", "-XX:AOTCache=/opt/stargate/stargate-node.aot", "-jar", "/opt/stargate/stargate-node.jar", "node"]
