#!/usr/bin/env bash
# Installs an Apache Spark 4.3 Thrift Server (PyPI pyspark, the machine's Java 17) into the test
# environment folder, once. Idempotent: a second run only checks.
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
VENV="$HOME_DIR/spark-venv"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '4.3.0')" 2>/dev/null; then
  echo "spark: pyspark 4.3.0 already installed in $VENV"
  exit 0
fi
if ! [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then
  echo "spark: installing OpenJDK 17"
  apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
mkdir -p "$HOME_DIR"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check pyspark==4.3.0
echo "spark: installed pyspark 4.3.0 in $VENV"
