#!/usr/bin/env bash
# Stops the Databricks-shaped endpoint and the CloudFetch endpoint beside it.
set -uo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE="$HOME_DIR/databricks-endpoint"
[ -f "$STATE/nginx.pid" ] && kill -TERM "$(cat "$STATE/nginx.pid")" 2>/dev/null
rm -f "$STATE/nginx.pid"
[ -f "$STATE/cloudfetch.pid" ] && kill -TERM "$(cat "$STATE/cloudfetch.pid")" 2>/dev/null
rm -f "$STATE/cloudfetch.pid"
exit 0
