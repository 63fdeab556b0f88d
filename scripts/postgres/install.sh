#!/usr/bin/env bash
# Installs Debian's PostgreSQL 15 server binaries when they are missing (apt, as root). Only the
# binaries are used: scripts/postgres/start.sh makes a server of its own under .test-env.
set -euo pipefail
BIN=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
if [ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ]; then
  echo "postgres: $("$BIN/postgres" --version)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "postgres: $BIN/initdb is missing; install Debian's postgresql-15 (apt-get install postgresql-15) or set POSTGRES_BIN" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
# The package starts a cluster of its own on 5432; the tests use theirs, so it is stopped.
if command -v pg_ctlcluster >/dev/null; then pg_ctlcluster 15 main stop 2>/dev/null || true; fi
echo "postgres: $("$BIN/postgres" --version)"
