#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs and starts what the tests need (an Apache
# Spark 4.3 Thrift Server from PyPI on the machine's Java 17, pyarrow), then `swift test`. The README's test
# command and CI's .ci/run both call exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d ../shared/fixtures ]; then
  echo "note: ../shared/fixtures is absent; conformance and recorded-traffic suites will be skipped."
fi

# Build first (both cores), then start Spark so it does not compete with the compiler.
swift build --build-tests

scripts/spark/install.sh
scripts/pyarrow/install.sh
export TRIBUTARY_PYARROW_PYTHON="$(pwd)/.test-env/pyarrow-venv/bin/python"
trap 'scripts/databricks-endpoint/stop.sh >/dev/null 2>&1; scripts/spark/stop.sh >/dev/null 2>&1 || true' EXIT
scripts/spark/start.sh
export TRIBUTARY_SPARK_THRIFT_URL="http://127.0.0.1:${SPARK_PORT:-10001}/cliservice"
scripts/databricks-endpoint/start.sh
export TRIBUTARY_DATABRICKS_ENDPOINT="https://127.0.0.1:${DATABRICKS_ENDPOINT_PORT:-10443}"
export TRIBUTARY_DATABRICKS_ENDPOINT_DIR="$(pwd)/.test-env/databricks-endpoint"

swift test --skip-build
# The ten-million-row Parquet round trip, alone (CPU-heavy in a debug build).
TRIBUTARY_LARGE_TESTS=1 swift test --skip-build --filter TenMillionRowsTests
