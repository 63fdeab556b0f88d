#!/usr/bin/env bash
# Installs pyarrow and numpy (PyPI) into the test environment folder, once: the tests read every Parquet file
# Tributary writes back with it, and the Parquet benchmark compares against it. Idempotent.
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
VENV="$HOME_DIR/pyarrow-venv"
VERSION=${PYARROW_VERSION:-22.0.0}
NUMPY_VERSION=2.4.6
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import pyarrow, numpy, sys; sys.exit(pyarrow.__version__ != '$VERSION' or numpy.__version__ != '$NUMPY_VERSION')" 2>/dev/null; then
  echo "pyarrow: $VERSION already installed in $VENV"
  exit 0
fi
mkdir -p "$HOME_DIR"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "pyarrow==$VERSION" "numpy==$NUMPY_VERSION"
echo "pyarrow: installed $VERSION in $VENV"
