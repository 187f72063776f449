#!/usr/bin/env bash
# pg-cluster.sh start|stop DIR - a throwaway PostgreSQL cluster for tests.
#   start: initdb into DIR (owned by the postgres user: initdb refuses root),
#          listen on a free port of 127.0.0.1 only, create database "rapport",
#          and print its URL on stdout.  Assumes no system service.
#   restart DIR [SECONDS]: stop it, wait, start it again on the same port.
#   halt DIR: stop the cluster and keep DIR (a kept benchmark cluster; restart starts it again).
#   stop:  stop the cluster and remove DIR.
set -euo pipefail
cmd="${1:?start|stop}"; dir="${2:?DIR}"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "pg-cluster: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  as_pg "$bindir/initdb" -D "$dir/data" -U rapport --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U rapport rapport
  echo "$port" > "$dir/port"
  echo "postgres://rapport@127.0.0.1:$port/rapport"
  ;;
restart)
  # the same cluster, down for a moment (tests of recovery)
  port=$(cat "$dir/port")
  # (a cluster found stopped, e.g. a kept benchmark cluster after a reboot, is just started)
  if as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  sleep "${3:-1}"
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
    start >/dev/null
  ;;
halt|stop)
  [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  if [ "$cmd" = stop ]; then rm -rf "$dir"; fi
  ;;
*) echo "usage: pg-cluster.sh start|restart|halt|stop DIR" >&2; exit 2 ;;
esac
