#!/usr/bin/env bash
# Stops the Databricks-shaped endpoint.
set -uo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE="$HOME_DIR/databricks-endpoint"
[ -f "$STATE/nginx.pid" ] && kill -TERM "$(cat "$STATE/nginx.pid")" 2>/dev/null
rm -f "$STATE/nginx.pid"
exit 0
