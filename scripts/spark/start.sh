#!/usr/bin/env bash
# Starts the Spark Thrift Server in HTTP mode on 127.0.0.1:$PORT/cliservice, with Spark Connect on
# 127.0.0.1:$CONNECT_PORT in the same JVM, in the background and waits until both answer. State
# (Derby metastore, warehouse, logs) lives under the test folder.
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE=${SPARK_STATE:-"$HOME_DIR/spark-state"}
PORT=${SPARK_PORT:-10001}
# The same server speaks Spark Connect (gRPC) on its own port: one JVM, one metastore, so a table is
# the same table through either protocol. The server ends a result stream after 8 MiB (Spark's
# default: 1 GiB or 2 minutes) and the client resumes it: the tests' reads cross that path.
CONNECT_PORT=${SPARK_CONNECT_PORT:-15002}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
export SPARK_HOME="$("$HOME_DIR/spark-venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_DIRS="$STATE/tmp"

if [ -f "$STATE/thrift.pid" ] && kill -0 "$(cat "$STATE/thrift.pid")" 2>/dev/null; then
  echo "spark: already running (pid $(cat "$STATE/thrift.pid"))"
  exit 0
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{run,tmp,warehouse,scratch,oplogs,resources}
cat > "$STATE/log4j2.properties" <<'LOG'
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
LOG
# Tests want a quick start and a short suite: C1 only (with C2 the suite took 172 s instead of 126 s
# here, the compiler threads competing for two cores) and the serial GC. C1 alone reserves only 48 MiB
# of code cache, and one suite compiles up to 58 MiB of code (`jcmd <pid> Compiler.codecache`): when
# it filled, the JVM failed statements with "Out of space in CodeCache for adapters" and stopped
# compiling. 256 MiB leaves room for several suites on one server. SPARK_JVM_FLAGS replaces these
# flags, as the benchmarks' server does (Benchmarks/spark-server.sh).
JVM_FLAGS=${SPARK_JVM_FLAGS-"-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m -XX:+UseSerialGC"}
JAVA_OPTS="-Dderby.system.home=$STATE/run -Djava.io.tmpdir=$STATE/tmp -Dlog4j2.configurationFile=$STATE/log4j2.properties $JVM_FLAGS"
# Each session gets a resources folder of its own (Hive's default pattern): Hive deletes a session's
# resources folder when the session closes, so one folder shared by all sessions made a session that
# opened while another closed fail with "Couldn't create directory …/resources".
cd "$STATE/run"
setsid "$SPARK_HOME/bin/spark-submit" \
  --class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 \
  --name tributary-test-thrift \
  --master 'local[2]' \
  --driver-memory "${SPARK_DRIVER_MEMORY:-1g}" \
  --conf spark.ui.enabled=false \
  --conf spark.sql.shuffle.partitions=2 \
  --conf spark.sql.thriftServer.incrementalCollect=true \
  --conf spark.plugins=org.apache.spark.sql.connect.SparkConnectPlugin \
  --conf spark.connect.grpc.binding.address=127.0.0.1 \
  --conf spark.connect.grpc.binding.port="$CONNECT_PORT" \
  --conf spark.connect.execute.reattachable.senderMaxStreamSize="${SPARK_CONNECT_STREAM_BYTES:-8m}" \
  --conf spark.sql.warehouse.dir="$STATE/warehouse" \
  --conf spark.driver.bindAddress=127.0.0.1 \
  --conf spark.driver.host=127.0.0.1 \
  --conf "spark.driver.extraJavaOptions=$JAVA_OPTS" \
  --hiveconf "javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$STATE/metastore_db;create=true" \
  --hiveconf hive.server2.logging.operation.log.location="$STATE/oplogs" \
  --hiveconf hive.exec.local.scratchdir="$STATE/scratch" \
  --hiveconf hive.downloaded.resources.dir="$STATE/resources/\${hive.session.id}_resources" \
  --hiveconf hive.server2.transport.mode=http \
  --hiveconf hive.server2.thrift.http.port="$PORT" \
  --hiveconf hive.server2.thrift.http.path=cliservice \
  --hiveconf hive.server2.thrift.bind.host=127.0.0.1 \
  > "$STATE/thrift.log" 2>&1 < /dev/null &
echo $! > "$STATE/thrift.pid"

for _ in $(seq 1 360); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/cliservice" || true)
  if [ "$code" != "000" ] && (exec 3<>"/dev/tcp/127.0.0.1/$CONNECT_PORT") 2>/dev/null; then
    echo "spark: ready on http://127.0.0.1:$PORT/cliservice and sc://127.0.0.1:$CONNECT_PORT (pid $(cat "$STATE/thrift.pid"))"
    exit 0
  fi
  if ! kill -0 "$(cat "$STATE/thrift.pid")" 2>/dev/null; then
    echo "spark: the server exited; last log lines:" >&2
    tail -30 "$STATE/thrift.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "spark: not ready after 180 s" >&2
tail -30 "$STATE/thrift.log" >&2
exit 1
