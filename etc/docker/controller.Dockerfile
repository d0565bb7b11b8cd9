# Stargate controller (control plane: admin API, etcd writer, GitOps). Build from the repository root:
#   docker build -f etc/docker/controller.Dockerfile -t stargate/controller:0.1.0 .
# Run (it needs auth to listen beyond 127.0.0.1: --api-keys or --jwt-*):
#   docker run --rm -p 9080:9080 -v "$PWD/keys.yaml:/etc/stargate/api-keys.yaml:ro" stargate/controller:0.1.0 \
#     --etcd http://etcd:2379 --host 0.0.0.0 --api-keys /etc/stargate/api-keys.yaml
ARG JDK_IMAGE=eclipse-temurin:25.0.3_9-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:25.0.3_9-jre-noble

FROM ${JDK_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends maven \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -ntp -DskipTests -pl mp-controller -am package

FROM ${JRE_IMAGE}
RUN groupadd --system --gid 10001 stargate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/stargate --no-create-home \
      --shell /usr/sbin/nologin stargate \
 && mkdir -p /var/lib/stargate/git \
 && chown 10001:10001 /var/lib/stargate/git
WORKDIR /opt/stargate
COPY --from=build /src/mp-controller/target/libs/ /opt/stargate/libs/
COPY --from=build /src/mp-controller/target/stargate-controller.jar /opt/stargate/stargate-controller.jar
ENV JDK_JAVA_OPTIONS="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=70 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
USER 10001:10001
EXPOSE 9080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${STARGATE_PORT:-9080} && printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-jar", "/opt/stargate/stargate-controller.jar"]
