#!/usr/bin/env bash
# Installs pyarrow, numpy and lz4 (PyPI) into the test environment folder, once: the tests read every
# Parquet file Tributary writes back with it, write the Arrow streams and LZ4 frames the readers are
# tested on, and the Parquet benchmark compares against it. DuckDB reads every codec's files back too.
# Also Apache Thrift's Python library and the Databricks SQL Connector for Python (without its
# dependencies: only its generated TCLIService types are used), which the CloudFetch test endpoint
# encodes its replies with. And the Prometheus client, whose text-format parser reads `GET /metrics` in
# the tests. Idempotent.
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
VENV="$HOME_DIR/pyarrow-venv"
VERSION=${PYARROW_VERSION:-22.0.0}
NUMPY_VERSION=2.4.6
LZ4_VERSION=4.4.5
THRIFT_VERSION=0.22.0
CONNECTOR_VERSION=4.9.0
DUCKDB_VERSION=2.0.0
PROMETHEUS_VERSION=0.26.0
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import pyarrow, numpy, lz4, sys, importlib.metadata as m; sys.exit(pyarrow.__version__ != '$VERSION' or numpy.__version__ != '$NUMPY_VERSION' or lz4.__version__ != '$LZ4_VERSION' or m.version('thrift') != '$THRIFT_VERSION' or m.version('databricks-sql-connector') != '$CONNECTOR_VERSION' or m.version('duckdb') != '$DUCKDB_VERSION' or m.version('prometheus-client') != '$PROMETHEUS_VERSION')" 2>/dev/null; then
  echo "pyarrow: $VERSION already installed in $VENV"
  exit 0
fi
mkdir -p "$HOME_DIR"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "pyarrow==$VERSION" "numpy==$NUMPY_VERSION" "lz4==$LZ4_VERSION" "thrift==$THRIFT_VERSION" "duckdb==$DUCKDB_VERSION" "prometheus-client==$PROMETHEUS_VERSION"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps "databricks-sql-connector==$CONNECTOR_VERSION"
echo "pyarrow: installed $VERSION in $VENV"
