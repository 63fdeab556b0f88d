#!/usr/bin/env bash
# Starts a PostgreSQL server for the tests: initdb into .test-env/postgres (a new cluster each time),
# listening on 127.0.0.1:$POSTGRES_PORT only (default 15432), trust authentication on loopback,
# database `tributary`. Running as root, the server runs as the `postgres` user (PostgreSQL refuses
# root). TLS is on, with a certificate for 127.0.0.1 signed by a CA of the tests' own (ca.pem); the
# role `tls_only` may connect over TLS only. Prints the URL the tests use (also written to
# .test-env/postgres/url).
set -euo pipefail
# The server gets no descriptor of the caller's beyond stdio: a caller that learns of this script's
# end through one (Foundation's Process does) would otherwise wait for the server to stop.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] 2>/dev/null && [ "$fd" != 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
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
# POSTGRES_KEEP=1 starts the cluster already made, with its data (a restart).
if [ "${POSTGRES_KEEP:-0}" = 1 ] && [ -f "$STATE/data/PG_VERSION" ]; then
  as_server "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w -t 60 start >/dev/null
  echo "postgres: started again at $(cat "$STATE/url")"
  exit 0
fi
rm -rf "$STATE"
mkdir -p "$STATE"
if [ "$(id -u)" = 0 ]; then chown postgres: "$STATE"; fi
as_server "$BIN/initdb" -D "$STATE/data" -U tributary --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$STATE/initdb.log"
# A CA and a server certificate for 127.0.0.1 and localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Tributary test CA" \
  -keyout "$STATE/ca.key" -out "$STATE/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$STATE/data/server.key" -out "$STATE/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$STATE/san.cnf"
openssl x509 -req -in "$STATE/server.csr" -CA "$STATE/ca.pem" -CAkey "$STATE/ca.key" -CAcreateserial -days 30 \
  -extfile "$STATE/san.cnf" -out "$STATE/data/server.crt" 2>/dev/null
chmod 600 "$STATE/data/server.key"
if [ "$(id -u)" = 0 ]; then chown postgres: "$STATE/data/server.key" "$STATE/data/server.crt"; fi
chmod 644 "$STATE/ca.pem"
# tls_only over TLS only; everyone else over either.
cat >"$STATE/data/pg_hba.conf" <<HBA
local   all  all                    trust
hostnossl all tls_only 127.0.0.1/32 reject
host    all  all       127.0.0.1/32 trust
HBA
# A test server: no fsync (the machine does not crash under the tests, the server may), and commits
# that do not wait for their WAL unless POSTGRES_DURABLE=1 (a server a test crashes keeps every
# commit); connections enough for several instances' pools.
SYNCHRONOUS_COMMIT=off
if [ "${POSTGRES_DURABLE:-0}" = 1 ]; then SYNCHRONOUS_COMMIT=on; fi
cat >>"$STATE/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$STATE'
max_connections = 300
fsync = off
synchronous_commit = $SYNCHRONOUS_COMMIT
full_page_writes = off
shared_buffers = 128MB
log_min_messages = warning
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
CONF
as_server "$BIN/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w -t 60 start >/dev/null
as_server "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U tributary tributary
as_server "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U tributary -d tributary \
  -c "CREATE ROLE tls_only LOGIN; GRANT CREATE ON DATABASE tributary TO tls_only;" >/dev/null
URL="postgres://tributary@127.0.0.1:$PORT/tributary?sslmode=disable"
echo "$URL" >"$STATE/url"
echo "postgres: ready at $URL"
