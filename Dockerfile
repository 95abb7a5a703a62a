# Build: the runnable jar, then a Java runtime made by jlink with only the JDK modules the server
# uses (deploy/build-runtime.sh), so the image carries no full JDK.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests package && deploy/build-runtime.sh /opt/btclock

# Run
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 btclock && mkdir -p /app/plugins
COPY --from=build /opt/btclock /opt/btclock
# The server reads .env from its working directory, and plugin jars from ./plugins (PLUGIN_DIR):
# mount a directory of jars at /app/plugins to add drivers or buses.
WORKDIR /app
USER btclock
# JVM options, replaced as a whole by `docker run -e JAVA_OPTS=...` (no rebuild).
ENV JAVA_OPTS="-Xmx512m -Xmn16m -XX:+UseParallelGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080 9090
# /healthz on the device port (LISTEN_ADDR): 200 while this node can serve devices, 503 when not.
# No curl in the image: bash speaks the HTTP/1.0 request itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["bash", "-c", "a=${LISTEN_ADDR:-:8080}; exec 3<>/dev/tcp/127.0.0.1/${a##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
ENTRYPOINT ["/opt/btclock/bin/btclock-server"]
