#!/usr/bin/env bash
# Start a throw-away PostgreSQL on 127.0.0.1 for the storage and review tests; print its SQLAlchemy URL.
#
#   url=$(.ci/postgres.sh)            # installs Debian's postgresql when missing (needs root)
#   MT_AUDIT_TEST_DATABASE_URL="$url" .venv/bin/python -m pytest tests/test_review_*.py
#   .ci/postgres.sh stop              # stop it (also: the data directory is in $PGTMP, default /tmp)
#
# The cluster lives in a temporary directory owned by the postgres user (initdb + pg_ctl), on a free
# port, listening on loopback only; a database "mt_audit_test" is owned by the user "mt_audit".
set -euo pipefail

STATE=${PGTMP:-/tmp}/mt-audit-postgres
if [[ "${1:-}" == "stop" ]]; then
    if [[ -f "$STATE/dir" ]]; then
        bin=$(cat "$STATE/bin")
        runuser -u postgres -- "$bin/pg_ctl" -D "$(cat "$STATE/dir")" -m fast stop >&2 || true
        rm -rf "$(cat "$STATE/dir")" "$STATE"
    fi
    exit 0
fi

find_bin() {
    local candidate
    for candidate in /usr/lib/postgresql/*/bin; do
        [[ -x "$candidate/pg_ctl" ]] && { echo "$candidate"; return 0; }
    done
    return 1
}

if ! BIN=$(find_bin); then
    echo "postgres.sh: installing postgresql from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN=$(find_bin)
fi
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATA=$(mktemp -d "${PGTMP:-/tmp}/mt-audit-pgdata.XXXXXX")
chown postgres: "$DATA"
chmod 700 "$DATA"
PASSWORD=mt_audit_test

runuser -u postgres -- "$BIN/initdb" -D "$DATA" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >&2
runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c full_page_writes=off" start >&2
psql_() { runuser -u postgres -- "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
psql_ -c "CREATE ROLE mt_audit LOGIN PASSWORD '$PASSWORD'" >&2
psql_ -c "CREATE DATABASE mt_audit_test OWNER mt_audit" >&2
psql_ -d mt_audit_test -c "ALTER SCHEMA public OWNER TO mt_audit" >&2

mkdir -p "$STATE"
echo "$DATA" > "$STATE/dir"
echo "$BIN" > "$STATE/bin"
echo "postgresql+psycopg://mt_audit:$PASSWORD@127.0.0.1:$PORT/mt_audit_test"
