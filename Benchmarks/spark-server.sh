# Sourced by the benchmark scripts: a Spark Thrift Server of their own, configured like a production
# one. The test suite's server starts quickly because its JVM only uses the C1 compiler and the serial
# GC; that roughly doubles the server's cost of formatting rows, which is most of a fast client's wall
# time, so measuring clients against it would measure the test configuration. This server compiles
# with C2 as the JVM does by default; it keeps the serial GC because with G1 this Spark fails to read
# large task results back ("unread block data", seen fetching a ten-million-row table). It listens
# on BENCH_SPARK_PORT (10002) and keeps its state apart from the tests'. It is started if nothing
# answers there and stopped when the script exits.
# Spark Connect answers in the same JVM on BENCH_SPARK_CONNECT_PORT (15003), ending a result stream
# only after Spark's default 1 GiB (the tests' server ends one every 8 MiB to exercise resuming).
# The driver has a 4 GiB heap: a Spark Connect job runs at its own pace and the driver keeps the
# Arrow batches its client has not taken yet, so a 10M-row result read by a slower client outgrew
# the tests' 1 GiB (OutOfMemoryError fetching task results).
# BENCH_SPARK_CPUS (a taskset list, e.g. 0) pins the server to those cores, so that a client pinned to
# the others measures whether it keeps pace with a source of its own, as on separate machines.
# Sets BENCH_SPARK_PORT, BENCH_SPARK_URL, BENCH_SPARK_CONNECT_PORT and BENCH_SPARK_CONNECT_URL.
BENCH_SPARK_PORT=${BENCH_SPARK_PORT:-10002}
BENCH_SPARK_URL="http://127.0.0.1:$BENCH_SPARK_PORT/cliservice"
BENCH_SPARK_CONNECT_PORT=${BENCH_SPARK_CONNECT_PORT:-15003}
BENCH_SPARK_CONNECT_URL="sc://127.0.0.1:$BENCH_SPARK_CONNECT_PORT"
bench_spark_state="${TRIBUTARY_TEST_HOME:-"$(pwd)/.test-env"}/spark-bench-state"
bench_spark_started=0

bench_spark_start() {
  scripts/spark/install.sh >/dev/null
  if ! curl -s -o /dev/null -X POST "$BENCH_SPARK_URL"; then
    SPARK_JVM_FLAGS="-XX:+UseSerialGC" SPARK_DRIVER_MEMORY=4g SPARK_PORT="$BENCH_SPARK_PORT" SPARK_CONNECT_PORT="$BENCH_SPARK_CONNECT_PORT" SPARK_CONNECT_STREAM_BYTES=1g \
      SPARK_STATE="$bench_spark_state" ${BENCH_SPARK_CPUS:+taskset -c "$BENCH_SPARK_CPUS"} scripts/spark/start.sh >/dev/null
    bench_spark_started=1
  fi
  trap bench_spark_stop EXIT
}

bench_spark_stop() {
  if [ "$bench_spark_started" = 1 ]; then
    SPARK_STATE="$bench_spark_state" scripts/spark/stop.sh >/dev/null
  fi
}
