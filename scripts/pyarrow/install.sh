#!/usr/bin/env bash
# Installs pyarrow, numpy and lz4 (PyPI) into the test environment folder, once: the tests read every Parquet
# file Tributary writes back with it, write the Arrow streams and LZ4 frames the readers are tested on, and
# the Parquet benchmark compares against it. Idempotent.
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
VENV="$HOME_DIR/pyarrow-venv"
VERSION=${PYARROW_VERSION:-22.0.0}
NUMPY_VERSION=2.4.6
LZ4_VERSION=4.4.5
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import pyarrow, numpy, lz4, sys; sys.exit(pyarrow.__version__ != '$VERSION' or numpy.__version__ != '$NUMPY_VERSION' or lz4.__version__ != '$LZ4_VERSION')" 2>/dev/null; then
  echo "pyarrow: $VERSION already installed in $VENV"
  exit 0
fi
mkdir -p "$HOME_DIR"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "pyarrow==$VERSION" "numpy==$NUMPY_VERSION" "lz4==$LZ4_VERSION"
echo "pyarrow: installed $VERSION in $VENV"
