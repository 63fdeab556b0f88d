#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs and starts what the tests need (an Apache
# Spark 4.3 Thrift Server from PyPI on the machine's Java 17, a Databricks-shaped nginx endpoint in
# front of it and a CloudFetch endpoint beside it, a PostgreSQL 15 server from Debian's packages,
# pyarrow, the Parquet codecs' libraries, schemathesis), then `swift test`, the HTTP suite again on
# PostgreSQL, and a schemathesis run; before all of it, the format (scripts/lint.sh). The README's test command and CI's .ci/run both call exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# The format first: a file off .swift-format fails the run in seconds, not after the build.
scripts/lint.sh

if [ ! -d ../shared/fixtures ]; then
  echo "note: ../shared/fixtures is absent; conformance and recorded-traffic suites will be skipped."
fi

mkdir -p .test-env
setup_pid=""
cleanup() {
  if [ -n "$setup_pid" ]; then
    pkill -TERM -P "$setup_pid" 2>/dev/null
    kill "$setup_pid" 2>/dev/null
    wait "$setup_pid" 2>/dev/null
  fi
  scripts/databricks-endpoint/stop.sh >/dev/null 2>&1
  scripts/postgres/stop.sh >/dev/null 2>&1
  scripts/spark/stop.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The servers are installed and started beside the build: the installs mostly download, and the
# Spark server then waits idle; the compiler has the cores for the rest of the build.
(
  scripts/postgres/install.sh
  scripts/postgres/start.sh
  scripts/spark/install.sh
  scripts/pyarrow/install.sh
  scripts/codecs/install.sh
  scripts/proof/schemathesis.sh install
  scripts/spark/start.sh
  scripts/databricks-endpoint/start.sh
) > .test-env/servers.log 2>&1 &
setup_pid=$!

swift build --build-tests

if ! wait "$setup_pid"; then
  setup_pid=""
  echo "test servers: setting up failed; .test-env/servers.log says:" >&2
  tail -40 .test-env/servers.log >&2
  exit 1
fi
setup_pid=""
cat .test-env/servers.log

export TRIBUTARY_PYARROW_PYTHON="$(pwd)/.test-env/pyarrow-venv/bin/python"
export TRIBUTARY_SPARK_THRIFT_URL="http://127.0.0.1:${SPARK_PORT:-10001}/cliservice"
export TRIBUTARY_SPARK_CONNECT_URL="sc://127.0.0.1:${SPARK_CONNECT_PORT:-15002}"
export TRIBUTARY_SPARK_STATE_DIR="$(pwd)/.test-env/spark-state"
export TRIBUTARY_DATABRICKS_ENDPOINT="https://127.0.0.1:${DATABRICKS_ENDPOINT_PORT:-10443}"
export TRIBUTARY_DATABRICKS_ENDPOINT_DIR="$(pwd)/.test-env/databricks-endpoint"
export TRIBUTARY_TEST_POSTGRES_URL="$(cat .test-env/postgres/url)"
export TRIBUTARY_TEST_POSTGRES_CA="$(pwd)/.test-env/postgres/ca.pem"

swift test --skip-build
# The HTTP suite again, every service on PostgreSQL (a schema of its own each).
TRIBUTARY_TEST_SERVICE_STORE=postgres swift test --skip-build --filter FlowServerTests
# The ten-million-row Parquet round trip, alone (CPU-heavy in a debug build).
TRIBUTARY_LARGE_TESTS=1 swift test --skip-build --filter TenMillionRowsTests
# The API held to its OpenAPI document by schemathesis (~7,300 generated requests, ~1.5 minutes).
scripts/proof/schemathesis.sh
