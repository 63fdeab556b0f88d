#!/usr/bin/env bash
# Stops the tests' PostgreSQL server (scripts/postgres/start.sh), fast: its data is thrown away.
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE="$HOME_DIR/postgres"
BIN=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
[ -d "$STATE/data" ] || exit 0
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- "$BIN/pg_ctl" -D "$STATE/data" -m immediate stop >/dev/null 2>&1 || true
else
  "$BIN/pg_ctl" -D "$STATE/data" -m immediate stop >/dev/null 2>&1 || true
fi
