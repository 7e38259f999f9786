#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for tests and prints its URL on stdout.
#
#   url="$(bash ci/postgres.sh start DIR)"   # initdb + start on a free port, as the postgres user
#   bash ci/postgres.sh stop DIR             # stop it and remove DIR
#
# initdb and postgres refuse to run as root, so the cluster belongs to the `postgres` user (created
# if missing) and listens on 127.0.0.1 and on a socket directory inside DIR. Trust authentication:
# it is reachable only from this machine and lives as long as the test run.
set -euo pipefail

command="${1:?usage: postgres.sh start|stop DIR}"
dir="${2:?usage: postgres.sh start|stop DIR}"

bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bindir="$candidate"
done
[ -n "$bindir" ] || bindir="$(dirname "$(command -v initdb)")"

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$command" in
start)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    as_postgres "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # Throwaway cluster: durability off would make the benchmarks lie, so keep fsync on.
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_postgres "$bindir/psql" -h "$dir" -p "$port" -U postgres -qc "CREATE DATABASE panorama_test" >/dev/null
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/panorama_test?sslmode=disable"
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_postgres "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac
