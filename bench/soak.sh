#!/usr/bin/env bash
# bench/soak.sh - `make soak`: a long mixed load (bench/wrk/mixed.lua: reads, lists, searches,
# writes) against one server, sampling its memory every SOAK_INTERVAL seconds, counting its open
# descriptors before and after, and counting errors. Writes bench/results/soak.md and exits
# non-zero when it finds errors, a descriptor leak or memory that keeps growing.
#
# Environment (all optional):
#   SOAK_SECONDS=600      how long the load runs
#   SOAK_INTERVAL=10      seconds between samples
#   SOAK_CONNECTIONS=16   wrk connections (SOAK_THREADS=2 wrk threads)
#   SOAK_DATA=DIR         a data folder to copy and serve (default: the 100k benchmark database
#                         if bench/run.sh made one, else a small one generated here)
#   SOAK_GROWTH_MB=30     allowed heap (RssAnon) growth from the end of the first minute to the end
#   SOAK_BIN, SOAK_GEN    other binaries than build/rapport and build/rapport-gen
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${SOAK_BIN:-$ROOT/build/rapport}
GEN=${SOAK_GEN:-$ROOT/build/rapport-gen}
SECONDS_TOTAL=${SOAK_SECONDS:-600}
INTERVAL=${SOAK_INTERVAL:-10}
CONNS=${SOAK_CONNECTIONS:-16}
THREADS=${SOAK_THREADS:-2}
GROWTH_MB=${SOAK_GROWTH_MB:-30}
say() { printf '[soak] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
for tool in wrk curl jq; do command -v $tool >/dev/null || die "$tool is not installed"; done
[[ -x $BIN && -x $GEN ]] || die "build/rapport and build/rapport-gen are missing (make build/rapport build/rapport-gen)"

WORK=$ROOT/bench/results/soak.tmp
rm -rf "$WORK"
mkdir -p "$WORK/data"
SRC=${SOAK_DATA:-$(ls -d "$ROOT"/bench/data/u50-c100000-*/base 2>/dev/null | head -1 || true)}
if [[ -n $SRC && -f $SRC/rapport.db ]]; then
	say "serving a copy of $SRC"
	cp --reflink=auto "$SRC/rapport.db" "$WORK/data/rapport.db"
else
	say "generating a small database (20k customers)"
	RAPPORT_ADMIN_PASSWORD=bench-pass "$BIN" init --data "$WORK/data" >/dev/null
	"$GEN" --data "$WORK/data" --users 20 --customers 20000 --contacts 40000 --opportunities 10000 \
		--activities 100000 >"$WORK/gen.log" 2>&1 || { tail "$WORK/gen.log" >&2; die "the generator failed"; }
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASEURL=http://127.0.0.1:$PORT
RAPPORT_JOBS_INTERVAL=86400 "$BIN" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "$BASEURL/api/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "$BASEURL/api/health" >/dev/null || die "the server does not answer"

sql() { "$GEN" --data "$WORK/data" --sql "$1" 2>/dev/null; }
session() { # username -> a Lua session line
	local jar=$WORK/jar.$1 body uid ids
	body=$(curl -sf -c "$jar" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"bench-pass\"}" "$BASEURL/api/auth/login") || die "login as $1 failed"
	uid=$(jq -r .user.id <<<"$body")
	ids=$(sql "SELECT id FROM customers WHERE owner_id = $uid AND deleted_at IS NULL ORDER BY id LIMIT 500" | paste -sd, -)
	[[ -n $ids ]] || die "no customers for $1"
	printf '    { user_id = %s, cookie = "%s", csrf = "%s", ids = { %s } },\n' "$uid" \
		"$(awk '$6 == "rapport_session" { print $7 }' "$jar")" "$(jq -r .csrf_token <<<"$body")" "$ids"
}
{ echo "return { rep = {"; for i in 1 2 3 4; do session "rep$i"; done; echo "} }"; } >"$WORK/sessions.lua"
export BENCH_SESSIONS=$WORK/sessions.lua BENCH_AS=rep

fds() { ls "/proc/$PID/fd" | wc -l; }
rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }
# the heap: what a leak grows (VmRSS also counts the database pages mapped in, which come and go)
anon() { awk '/^RssAnon/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }
FD_BEFORE=$(fds)
RSS_BEFORE=$(rss)
ANON_BEFORE=$(anon)
say "server $PID: $FD_BEFORE descriptors, RSS $RSS_BEFORE MB; ${SECONDS_TOTAL}s of mixed load at $CONNS connections"
wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_TOTAL}s" --timeout 30s --latency -s bench/wrk/mixed.lua "$BASEURL" \
	>"$WORK/wrk.out" 2>&1 &
WRK=$!
SAMPLES=()
start=$(date +%s)
while kill -0 $WRK 2>/dev/null; do
	sleep "$INTERVAL"
	kill -0 $PID 2>/dev/null || die "the server died (see $WORK/server.log)"
	t=$(( $(date +%s) - start ))
	SAMPLES+=("$t $(anon) $(fds) $(rss)")
	say "t=${t}s RssAnon $(anon) MB, VmRSS $(rss) MB, $(fds) descriptors"
done
wait $WRK || true
sleep 2 # the last responses are sent and their connections closed
FD_AFTER=$(fds)
RSS_AFTER=$(rss)
ANON_AFTER=$(anon)
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" "$WORK/wrk.out" | tail -1; }
ERRORS=$(( $(field socket_errors || echo 0) + $(field non2xx || echo 0) ))
# growth: from the first sample at or after 60 s to the last one
BASE_RSS=$(printf '%s\n' "${SAMPLES[@]}" | awk '$1 >= 60 { print $2; exit }')
[[ -n $BASE_RSS ]] || BASE_RSS=$(printf '%s\n' "${SAMPLES[@]}" | head -1 | cut -d' ' -f2)
LAST_RSS=$(printf '%s\n' "${SAMPLES[@]}" | tail -1 | cut -d' ' -f2)
MAX_RSS=$(printf '%s\n' "${SAMPLES[@]}" | awk '$4 > m { m = $4 } END { print m }')
GROWTH=$(awk -v a="$BASE_RSS" -v b="$LAST_RSS" 'BEGIN { printf "%.1f", b - a }')
VERDICT=ok
(( ERRORS == 0 )) || VERDICT="FAILED: $ERRORS errors"
(( FD_AFTER <= FD_BEFORE + 2 )) || VERDICT="FAILED: descriptors $FD_BEFORE -> $FD_AFTER"
if awk -v g="$GROWTH" -v m="$GROWTH_MB" 'BEGIN { exit !(g > m) }'; then VERDICT="FAILED: the heap grew $GROWTH MB after the first minute"; fi

OUT=bench/results/soak.md
{
	echo "# Soak"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "${SECONDS_TOTAL} s of bench/wrk/mixed.lua (60 % get by id, 15 % list page, 8 % search, 5 % pipeline, 2 % global search, 10 % new follow-up) at $CONNS connections on $(sql 'SELECT count(*) FROM customers') customers."
	echo
	echo "Result: **$VERDICT**. $(field requests) requests, $(field rps) req/s, p50 $(field p50_ms) ms, p99 $(field p99_ms) ms, max $(field max_ms) ms; errors $ERRORS."
	echo "Descriptors: $FD_BEFORE before, $FD_AFTER after. Heap (RssAnon): $ANON_BEFORE MB before, $BASE_RSS MB at one minute, $LAST_RSS MB at the end (growth $GROWTH MB, allowed $GROWTH_MB), $ANON_AFTER MB after. VmRSS (heap + mapped database pages): $RSS_BEFORE MB before, peak sample $MAX_RSS MB, $RSS_AFTER MB after."
	echo
	echo "| t (s) | RssAnon MB | VmRSS MB | descriptors |"
	echo "|---:|---:|---:|---:|"
	printf '%s\n' "${SAMPLES[@]}" | awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $4, $3 }'
} >"$OUT"
say "wrote $OUT: $VERDICT"
cat "$OUT"
[[ $VERDICT == ok ]]
