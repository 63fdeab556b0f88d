#!/usr/bin/env bash
# Starts a PostgreSQL server for the tests: initdb into .test-env/postgres (a new cluster each time),
# listening on 127.0.0.1:$POSTGRES_PORT only (default 15432), trust authentication on loopback,
# database `tributary`. Running as root, the server runs as the `postgres` user (PostgreSQL refuses
# root). Prints the URL the tests use (also written to .test-env/postgres/url).
set -euo pipefail
HOME_DIR=${TRIBUTARY_TEST_HOME:-"$(cd "$(dirname "$0")/../.." && pwd)/.test-env"}
STATE="$HOME_DIR/postgres"
PORT=${POSTGRES_PORT:-15432}
BIN=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}

as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -f "$STATE/data/postmaster.pid" ] && as_server "$BIN/pg_ctl" -D "$STATE/data" status >/dev/null 2>&1; then
  echo "postgres: already running ($(cat "$STATE/url"))"
  exit 0
fi
rm -rf "$STATE"
mkdir -p "$STATE"
if [ "$(id -u)" = 0 ]; then chown postgres: "$STATE"; fi
as_server "$BIN/initdb" -D "$STATE/data" -U tributary --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$STATE/initdb.log"
# A test server: durability off (fsync) for speed, connections enough for several instances' pools.
cat >>"$STATE/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$STATE'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
log_min_messages = warning
CONF
as_server "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w -t 60 start >/dev/null
as_server "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U tributary tributary
URL="postgres://tributary@127.0.0.1:$PORT/tributary?sslmode=disable"
echo "$URL" >"$STATE/url"
echo "postgres: ready at $URL"
