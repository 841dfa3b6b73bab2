#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for the test suite and print its URL on stdout.
#
#   export SYMCHECK_TEST_POSTGRES_URL="$(scripts/start-postgres.sh)"   # start (installs it if missing)
#   scripts/start-postgres.sh stop                                      # stop and delete the data
#
# Installs Debian's `postgresql` package when no server binaries are found (needs root). The server
# listens on 127.0.0.1 only (port SYMCHECK_PG_PORT, default 55432), keeps its data and socket in
# SYMCHECK_PG_DIR (default /tmp/symcheck-pg) and trusts local connections: it exists for one CI run.
# Everything except the URL goes to stderr.
set -euo pipefail

PORT="${SYMCHECK_PG_PORT:-55432}"
BASE="${SYMCHECK_PG_DIR:-/tmp/symcheck-pg}"
DATA="$BASE/data"
DB="symcheck_test"
PGUSER_NAME="symcheck"

log() { echo "start-postgres: $*" >&2; }

find_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then echo "$dir"; return; fi
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  fi
}

# The server refuses to run as root: run it as the `postgres` account the Debian package creates.
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

BIN="$(find_bin)"

if [[ "${1:-}" == "stop" ]]; then
  if [[ -n "$BIN" && -f "$DATA/postmaster.pid" ]]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
  fi
  rm -rf "$BASE"
  log "stopped"
  exit 0
fi

if [[ -z "$BIN" ]]; then
  if [[ "$(id -u)" != "0" ]]; then
    log "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    exit 1
  fi
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  BIN="$(find_bin)"
  [[ -n "$BIN" ]] || { log "postgresql installed but initdb not found"; exit 1; }
fi

if [[ "$(id -u)" == "0" ]] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
fi

URL="postgresql://$PGUSER_NAME@127.0.0.1:$PORT/$DB"

if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [[ -f "$DATA/postmaster.pid" ]]; then
    log "already running on 127.0.0.1:$PORT"
    echo "$URL"
    exit 0
  fi
  log "port $PORT is taken by another server; set SYMCHECK_PG_PORT"
  exit 1
fi

mkdir -p "$BASE"
if [[ "$(id -u)" == "0" ]]; then chown postgres: "$BASE"; fi
if [[ ! -f "$DATA/PG_VERSION" ]]; then
  as_owner "$BIN/initdb" -D "$DATA" -U "$PGUSER_NAME" --auth=trust -E UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 \
    || { cat "$BASE/initdb.log" >&2; exit 1; }
fi

# Socket in the data folder: /var/run/postgresql may not exist or belong to us.
as_owner "$BIN/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA" start >&2 \
  || { cat "$BASE/server.log" >&2; exit 1; }

if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$PGUSER_NAME" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$PGUSER_NAME" "$DB"
fi
log "running on 127.0.0.1:$PORT (data in $DATA)"
echo "$URL"
