# Build
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests package

# Run
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 btclock
WORKDIR /app
COPY --from=build /src/btclock-server/target/btclock-server.jar /app/btclock-server.jar
USER btclock
EXPOSE 8080 9090
ENTRYPOINT ["java", "-Xmx512m", "-Xmn16m", "-XX:+UseParallelGC", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/btclock-server.jar"]
