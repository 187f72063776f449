#!/usr/bin/env bash
# bench/run.sh - the benchmark table (`make bench`): generates (or reuses) a
# large database, serves it, drives it with wrk and writes bench/results/latest.md.
#
# Environment (all optional):
#   BENCH_QUICK=1          a tenth of the default size (100k customers) for a fast check
#   BENCH_USERS=500 BENCH_CUSTOMERS=1000000 BENCH_CONTACTS=2000000
#   BENCH_OPPORTUNITIES=500000 BENCH_ACTIVITIES=5000000    the database's size
#   BENCH_FTS=rebuild|trigger      how the generator fills the search indexes
#   BENCH_DURATION=10 BENCH_CONNECTIONS=32 BENCH_THREADS=2  wrk, per scenario
#   BENCH_SINGLE_DURATION=5        the one-connection latency runs
#   BENCH_ONLY=regex               run only the scenarios whose name matches
#   BENCH_REGEN=1                  regenerate the database even when it could be reused
#   BENCH_SKIP_BUILD=1             use build/rapport and build/rapport-gen as they are
#   BENCH_BIN, BENCH_GEN, BENCH_BASELINE_BIN   other binaries than build/rapport, -gen, -baseline
#   BENCH_BACKENDS="sqlite postgres"  the databases to run the scenarios on; PostgreSQL runs on
#                                  a throwaway cluster (scripts/pg-cluster.sh, tuned below) that
#                                  is filled from the SQLite database with COPY (rapport-gen
#                                  --to-postgres, bench/gen_pg.c)
#   BENCH_BASELINE=0               skip the baseline (bench/baseline.c) get-by-id run
#   SOAK=1                         also run bench/soak.sh (10 minutes) at the end
#   BENCH_RUN_DIR=DIR              serve this copy instead of bench/data/<size>/run (several
#                                  people measuring at once each take their own)
#   BENCH_REUSE_COPY=1             serve the copy left by an earlier run as it is (no 5 GB copy;
#                                  earlier runs' writes stay in it)
#   BENCH_OUT=FILE                 write the table there instead of bench/results/latest.md
#   BENCH_PG_DIR=DIR               keep the PostgreSQL cluster in DIR after the run (not in a
#                                  temporary folder that is removed), filled into one database
#                                  bench_run (no second template copy: 1M is ~10 GB); a later run
#                                  with the same DIR starts that cluster again and serves
#                                  bench_run as it is, earlier writes included
#                                  (BENCH_PG_REFILL=1 fills it again).  Stop it and keep
#                                  it with scripts/pg-cluster.sh halt DIR (stop DIR also
#                                  removes it: a refill at 1M takes about 10 minutes).
#   BENCH_PG_SOCKET=1              the server reaches PostgreSQL through its Unix socket (in the
#                                  cluster's folder) instead of TCP on 127.0.0.1
#
# The generated database lives in bench/data/<size>/base and is reused while
# bench/gen.c and the options are unchanged; each run serves a fresh copy
# (bench/data/<size>/run), so the writes of one run never leak into the next.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BENCH_BIN:-$ROOT/build/rapport}
GEN=${BENCH_GEN:-$ROOT/build/rapport-gen}

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	def_users=50 def_customers=100000 def_contacts=200000 def_opps=50000 def_acts=500000
else
	def_users=500 def_customers=1000000 def_contacts=2000000 def_opps=500000 def_acts=5000000
fi
USERS=${BENCH_USERS:-$def_users}
CUSTOMERS=${BENCH_CUSTOMERS:-$def_customers}
CONTACTS=${BENCH_CONTACTS:-$def_contacts}
OPPS=${BENCH_OPPORTUNITIES:-$def_opps}
ACTS=${BENCH_ACTIVITIES:-$def_acts}
FTS=${BENCH_FTS:-rebuild}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
SINGLE_DURATION=${BENCH_SINGLE_DURATION:-5}
ONLY=${BENCH_ONLY:-.}
REPS=8 # sessions of distinct reps the load is spread over

say() { printf '[bench] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for tool in wrk curl jq; do
	command -v $tool >/dev/null || die "$tool is not installed (apt-get install $tool)"
done

# ---- build ----
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
	${MAKE:-make} --no-print-directory build/rapport build/rapport-gen build/rapport-baseline >&2
fi
[[ -x $BIN && -x $GEN ]] || die "build/rapport and build/rapport-gen are missing (make build/rapport build/rapport-gen)"
BASELINE=${BENCH_BASELINE_BIN:-$ROOT/build/rapport-baseline}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}

# ---- the database ----
SIZE="u$USERS-c$CUSTOMERS-k$CONTACTS-o$OPPS-a$ACTS-$FTS"
DATA=$ROOT/bench/data/$SIZE
BASE=$DATA/base
RUN=${BENCH_RUN_DIR:-$DATA/run}
STAMP="$(sha256sum bench/gen.c | cut -c1-16) $SIZE"
mkdir -p "$DATA" bench/results

if [[ ${BENCH_REGEN:-0} == 1 || ! -f $BASE/stamp || "$(cat "$BASE/stamp")" != "$STAMP" ]]; then
	say "generating the database $SIZE (df: $(df -h --output=avail "$ROOT" | tail -1 | tr -d ' ') free)"
	rm -rf "$BASE" "$BASE.tmp" "$RUN"
	RAPPORT_ADMIN_PASSWORD=bench-pass "$BIN" init --data "$BASE.tmp" >/dev/null 2>"$DATA/init.log" \
		|| { cat "$DATA/init.log" >&2; die "rapport init failed"; }
	start=$(date +%s)
	"$GEN" --data "$BASE.tmp" --users "$USERS" --customers "$CUSTOMERS" --contacts "$CONTACTS" \
		--opportunities "$OPPS" --activities "$ACTS" --fts "$FTS" 2>"$DATA/gen.log" | tee -a "$DATA/gen.log" >&2 \
		|| { tail -5 "$DATA/gen.log" >&2; die "the generator failed"; }
	say "generated in $(( $(date +%s) - start )) s"
	echo "$STAMP" >"$BASE.tmp/stamp"
	mv "$BASE.tmp" "$BASE"
else
	say "reusing the database $SIZE"
fi

if [[ ${BENCH_REUSE_COPY:-0} == 1 && -f $RUN/rapport.db ]]; then
	say "serving the earlier copy $RUN as it is"
else
	say "copying it for this run"
	rm -rf "$RUN"
	mkdir -p "$RUN"
	cp --reflink=auto "$BASE/rapport.db" "$RUN/rapport.db"
fi
say "warming the page cache"
cat "$RUN/rapport.db" >/dev/null

sql() { "$GEN" --data "$RUN" --sql "$1" 2>/dev/null; }
# The manager scenarios need a regional manager: departments 2-4 report to department 1, so
# manager1's department tree holds four departments (~200 people at full size).  No backup job
# during the run (the daily one would copy the whole database at start-up).
"$GEN" --data "$RUN" --exec "UPDATE departments SET parent_id = 1 WHERE id IN (2, 3, 4);
	INSERT OR REPLACE INTO settings(key, value) VALUES ('backup', '{\"enabled\":false}')" --sql "SELECT 1" >/dev/null 2>&1 \
	|| die "cannot prepare the run copy (departments, backup setting)"

# ---- the server ----
WORK=${BENCH_WORK:-$RUN.work}
rm -rf "$WORK"
mkdir -p "$WORK"
if command -v python3 >/dev/null; then
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
else
	PORT=$(( 20000 + RANDOM % 30000 ))
fi
BASEURL=http://127.0.0.1:$PORT
SERVER_PID=
PG_DIR=
stop_server() {
	if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	SERVER_PID=
}
cleanup() {
	stop_server
	[[ -n $PG_DIR && -z ${BENCH_PG_DIR:-} ]] && scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT

wait_health() { # what-to-try
	# up to 10 minutes: a base generated by an older build gets the new indexes (and any
	# migration) on the first start, a minute or more at full size
	for _ in $(seq 1 3000); do
		curl -sf "$BASEURL/api/health" >/dev/null 2>&1 && break
		kill -0 "$SERVER_PID" 2>/dev/null || die "the server did not start (try: $1)"
		sleep 0.2
	done
	curl -sf "$BASEURL/api/health" >/dev/null || die "the server does not answer on $BASEURL"
}

# PostgreSQL: a throwaway cluster tuned for the machine, filled once per run from the fresh
# SQLite copy with COPY (rapport-gen --to-postgres: the same rows, ids and search columns), then
# copied (CREATE DATABASE ... TEMPLATE) for the server. pg-cluster.sh starts it with fsync=off
# (a test cluster): writes are not durable there, which flatters create_activity.
PG_URL= PG_LOAD= PG_DATA=$WORK/pg-data
prepare_postgres() {
	local url t0 base_url
	if [[ -n ${BENCH_PG_DIR:-} ]]; then
		PG_DIR=$BENCH_PG_DIR
		PG_DATA=$PG_DIR/pg-data
		if [[ ${BENCH_PG_REFILL:-0} != 1 && -f $PG_DIR/port && -f $PG_DIR/load.txt ]]; then
			scripts/pg-cluster.sh restart "$PG_DIR" 0 >/dev/null || die "cannot start the PostgreSQL cluster in $PG_DIR"
			PG_URL=postgres://rapport@127.0.0.1:$(cat "$PG_DIR/port")/bench_run
			PG_LOAD="$(cat "$PG_DIR/load.txt"); served again as it was left by earlier runs (their writes included)"
			say "reusing the PostgreSQL cluster $PG_DIR"
			return
		fi
		scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
		mkdir -p "$PG_DIR"
	else
		PG_DIR=$(mktemp -d /tmp/rapport-bench-pg.XXXXXX)
	fi
	url=$(scripts/pg-cluster.sh start "$PG_DIR") || die "cannot start a PostgreSQL cluster (scripts/pg-cluster.sh)"
	psql -q "$url" -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET effective_cache_size = '8GB'" \
		-c "ALTER SYSTEM SET work_mem = '32MB'" -c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" \
		-c "ALTER SYSTEM SET random_page_cost = 1.1" -c "ALTER SYSTEM SET max_wal_size = '4GB'" \
		-c "ALTER SYSTEM SET wal_level = 'minimal'" -c "ALTER SYSTEM SET max_wal_senders = 0" \
		-c "ALTER SYSTEM SET max_parallel_workers_per_gather = 0" >/dev/null
	# No parallel workers: 32 connections already share the 2 cores, and each worker rebuilds the
	# scope's hashed subplan (a rep's dashboard: 274 -> 126 ms of PostgreSQL CPU per request,
	# bench/NOTES.md)
	# wal_level minimal for the load only: the COPY into tables truncated in the same transaction
	# and the index builds then write no WAL; back to the default (replica) before serving
	scripts/pg-cluster.sh restart "$PG_DIR" 1 >/dev/null
	base_url=${url%/*}/bench_base
	[[ -n ${BENCH_PG_DIR:-} ]] && base_url=${url%/*}/bench_run
	psql -q "$url" -c "CREATE DATABASE ${base_url##*/}" >/dev/null
	mkdir -p "$PG_DATA"
	RAPPORT_DATABASE_URL=$base_url RAPPORT_ADMIN_PASSWORD=bench-pass "$BIN" init --data "$PG_DATA" >/dev/null \
		|| die "rapport init on PostgreSQL failed"
	say "copying the database into PostgreSQL"
	t0=$(date +%s)
	"$GEN" --data "$RUN" --to-postgres "$base_url" 2>&1 | tee "$WORK/pg-load.log" >&2 \
		|| die "rapport-gen --to-postgres failed"
	PG_LOAD="filled with COPY in $(( $(date +%s) - t0 )) s: $(grep 'postgres copy' "$WORK/pg-load.log" | sed 's/^postgres copy: //')"
	psql -q "$url" -c "ALTER SYSTEM RESET wal_level" -c "ALTER SYSTEM RESET max_wal_senders" >/dev/null
	scripts/pg-cluster.sh restart "$PG_DIR" 1 >/dev/null
	if [[ -n ${BENCH_PG_DIR:-} ]]; then
		echo "$PG_LOAD" >"$PG_DIR/load.txt"
		cp "$WORK/pg-load.log" "$PG_DIR/load.log"
	else
		psql -q "$url" -c "CREATE DATABASE bench_run TEMPLATE bench_base" >/dev/null
	fi
	PG_URL=${url%/*}/bench_run
}

start_server() { # backend
	if [[ $1 == postgres && ${BENCH_PG_SOCKET:-0} == 1 ]]; then
		RAPPORT_DATABASE_URL="postgresql://rapport@/${PG_URL##*/}?host=$PG_DIR&port=$(cat "$PG_DIR/port")" \
			"$BIN" serve --data "$PG_DATA" --listen "127.0.0.1:$PORT" 2>/dev/null &
	elif [[ $1 == postgres ]]; then
		RAPPORT_DATABASE_URL=$PG_URL "$BIN" serve --data "$PG_DATA" --listen "127.0.0.1:$PORT" 2>/dev/null &
	else
		"$BIN" serve --data "$RUN" --listen "127.0.0.1:$PORT" 2>/dev/null &
	fi
	SERVER_PID=$!
	wait_health "$BIN serve --data $RUN"
	say "server $SERVER_PID ($1) on $BASEURL"
}

# ---- sessions: log in with curl, hand cookie + CSRF token to wrk ----
login() { # username -> "token csrf user_id"
	local jar=$WORK/jar.$1 body
	body=$(curl -sf -c "$jar" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"bench-pass\"}" "$BASEURL/api/auth/login") \
		|| die "login as $1 failed"
	printf '%s %s %s\n' "$(awk '$6 == "rapport_session" { print $7 }' "$jar")" \
		"$(jq -r .csrf_token <<<"$body")" "$(jq -r .user.id <<<"$body")"
}
lua_session() { # username ids_sql
	local token csrf uid ids
	read -r token csrf uid < <(login "$1")
	ids=$(sql "${2//@UID@/$uid}" | paste -sd, -)
	[[ -n $ids ]] || die "no customers for $1"
	printf '    { user_id = %s, cookie = "%s", csrf = "%s", ids = { %s } },\n' "$uid" "$token" "$csrf" "$ids"
}
login_all() {
say "logging in $REPS reps and the director"
{
	echo "return {"
	echo "  rep = {"
	for i in $(seq 1 $REPS); do
		lua_session "rep$i" "SELECT id FROM customers WHERE owner_id = @UID@ AND deleted_at IS NULL ORDER BY id LIMIT 2000"
	done
	echo "  },"
	echo "  manager = {"
	lua_session manager1 "SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.department_id IN (1, 2, 3, 4) AND c.deleted_at IS NULL ORDER BY c.id LIMIT 2000"
	echo "  },"
	echo "  director = {"
	lua_session director "SELECT id FROM customers WHERE id % $(( CUSTOMERS / 2000 > 1 ? CUSTOMERS / 2000 : 1 )) = 0 LIMIT 2000"
	echo "  },"
	echo "}"
} >"$WORK/sessions.lua"
export BENCH_SESSIONS=$WORK/sessions.lua
REP1_UID=$(awk -F'[=,]' '/user_id/ { print $2 + 0; exit }' "$WORK/sessions.lua")
REP1_ID=$(awk -F'ids = [{] ' '/user_id/ { split($2, a, ","); print a[1] + 0; exit }' "$WORK/sessions.lua")
REP1_COOKIE="rapport_session=$(awk -F'"' '/user_id/ { print $2; exit }' "$WORK/sessions.lua")"
REP1_CSRF=$(awk -F'"' '/user_id/ { print $4; exit }' "$WORK/sessions.lua")
DIR_COOKIE="rapport_session=$(awk -F'"' '/director = /{ getline; print $2 }' "$WORK/sessions.lua")"
MGR_COOKIE="rapport_session=$(awk -F'"' '/manager = /{ getline; print $2 }' "$WORK/sessions.lua")"
}

# ---- the scenarios ----
# name | script | as | env (space-separated k=v) | what one request is (for the table; first word is used for the check)
SCENARIOS=(
	"get_customer|get_customer.lua|rep||GET /api/customers/{id} (own customers)"
	"list_intent|list_customers.lua|rep||GET /api/customers?filter[status]=intent&sort=-updated_at&limit=50"
	"list_intent_own|list_customers.lua|rep|BENCH_OWN=1|... &filter[owner_id]={me}"
	"list_intent_all|list_customers.lua|director||same list, as the director (scope: all)"
	"list_intent_manager|list_customers.lua|manager||same list, as a manager over 4 departments (~200 people)"
	"search_2char|search_customers.lua|rep|BENCH_WORDS=华夏,东方,恒通,中科,宏达,瑞丰|GET /api/customers?q=华夏 (6 two-character brands)"
	"search_4char|search_customers.lua|rep|BENCH_WORDS=华夏机械,东方电气,恒通物流,中科软件|GET /api/customers?q=华夏机械 (4 words)"
	"search_2char_all|search_customers.lua|director|BENCH_WORDS=华夏,东方,恒通,中科,宏达,瑞丰|q=华夏 ..., as the director"
	"search_common_all|search_customers.lua|director|BENCH_WORDS=公司|q=公司 (in nearly every name), as the director"
	"global_search|search_global.lua|rep|BENCH_WORDS=张伟,王芳,李娜|GET /api/search?q=张伟 (3 names)"
	"global_search_all|search_global.lua|director|BENCH_WORDS=张伟,王芳,李娜|GET /api/search?q=张伟, as the director"
	"followups|list_activities.lua|rep||GET /api/activities?limit=50 (newest first, through the customers)"
	"followups_manager|list_activities.lua|manager||same follow-ups page, as a manager over ~200 people"
	"create_activity|create_activity.lua|rep||POST /api/activities {customer_id, type: call, subject}"
	"pipeline|pipeline.lua|rep||GET /api/opportunities?filter[stage]=proposal&sort=-amount&limit=50"
	"pipeline_all|pipeline.lua|director||same board column, as the director"
	"dashboard|dashboard.lua|rep||GET /api/opportunities/aggregate?group=stage&sum=amount, then group=expected_close_on:month"
	"dashboard_all|dashboard.lua|director||the same dashboard, as the director"
)
# one connection: the latency of a single request, without queueing
SINGLES=(get_customer list_intent search_2char search_4char global_search pipeline list_intent_all search_2char_all list_intent_manager followups followups_manager dashboard dashboard_all)

# Waits until the server has finished the requests a previous run left in flight
# (a slow scenario's last requests outlive wrk): its CPU time stops growing.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
# The PostgreSQL cluster's CPU time: the postmaster's own and that of its children, those
# running (the server's connections) and those that have exited (cutime + cstime).
pg_ticks() {
	local pm
	[[ -n $PG_DIR && -f $PG_DIR/data/postmaster.pid ]] || { echo 0; return; }
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	{ cat "/proc/$pm/stat"; for c in $(cat "/proc/$pm/task/$pm/children" 2>/dev/null); do cat "/proc/$c/stat" 2>/dev/null || true; done; } |
		awk -v pm="$pm" '{ sub(/^.*\) /, ""); t += $12 + $13; if ($1 != "" && NR == 1) t += $14 + $15 } END { print t + 0 }'
}
wait_idle() {
	local prev now
	prev=$(( $(cpu_ticks) + $(pg_ticks) ))
	for _ in $(seq 1 240); do
		sleep 0.5
		now=$(( $(cpu_ticks) + $(pg_ticks) ))
		(( now - prev <= 2 )) && return 0
		prev=$now
	done
	say "the server is still busy after 2 minutes; going on"
}
# The server's own CPU time (user + system) per answered request since tick count $1: steadier
# than req/s when other work shares the machine.  Clock ticks are 10 ms.
cpu_per_request() { # ticks-before wrk-output
	local n
	n=$(field requests "$2")
	[[ -n $n && $n -gt 0 ]] || { echo "-"; return; }
	awk -v t="$(( $(cpu_ticks) - $1 ))" -v n="$n" 'BEGIN { printf "%.0f", t * 10000 / n }'
}
pg_cpu_per_request() { # pg-ticks-before wrk-output
	local n
	n=$(field requests "$2")
	[[ -n $n && $n -gt 0 ]] || { echo "-"; return; }
	awk -v t="$(( $(pg_ticks) - $1 ))" -v n="$n" 'BEGIN { printf "%.0f", t * 10000 / n }'
}
rss_reset() { echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true; }
rss_peak_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" "$2" | tail -1; }
errors() { echo $(( $(field socket_errors "$1" | grep . || echo 0) + $(field non2xx "$1" | grep . || echo 0) )); }

# The number of matching rows (the list's total) of the scenario's first request, as a check.
sample() { # name as env
	local name=$1 as=$2 env=$3 cookie=$REP1_COOKIE word path
	[[ $as == director ]] && cookie=$DIR_COOKIE
	[[ $as == manager ]] && cookie=$MGR_COOKIE
	word=$(sed -n 's/.*BENCH_WORDS=\([^, ]*\).*/\1/p' <<<"$env")
	case $name in
	get_customer) path="/api/customers/$REP1_ID" ;;
	list_intent_own) path="/api/customers?filter%5Bstatus%5D=intent&sort=-updated_at&limit=50&filter%5Bowner_id%5D=$REP1_UID" ;;
	list_intent*) path="/api/customers?filter%5Bstatus%5D=intent&sort=-updated_at&limit=50" ;;
	search_global* | global_search*) path="/api/search?q=$(jq -rn --arg w "$word" '$w|@uri')" ;;
	search_*) path="/api/customers?q=$(jq -rn --arg w "$word" '$w|@uri')&limit=50" ;;
	pipeline*) path="/api/opportunities?filter%5Bstage%5D=proposal&sort=-amount&limit=50" ;;
	followups*) path="/api/activities?limit=50" ;;
	dashboard*) path="/api/opportunities/aggregate?group=stage&sum=amount" ;;
	create_activity)
		curl -s -o /dev/null -w '%{http_code}' -b "$cookie" -H "X-CSRF-Token: $REP1_CSRF" \
			-H 'Content-Type: application/json' \
			-d "{\"customer_id\":$REP1_ID,\"type\":\"call\",\"subject\":\"check\"}" "$BASEURL/api/activities"
		return ;;
	esac
	curl -s -b "$cookie" "$BASEURL$path" -o "$WORK/$name.sample.json" -w '%{http_code}' >"$WORK/$name.sample.code"
	local code
	code=$(cat "$WORK/$name.sample.code")
	if [[ $code != 200 ]]; then
		echo "HTTP $code"
	elif [[ $name == global_search* ]]; then
		jq -r '[.results[] | "\(.entity) \(.total)"] | join(", ") | if . == "" then "none" else . end' "$WORK/$name.sample.json"
	elif [[ $name == get_customer ]]; then
		echo 1
	elif [[ $name == dashboard* ]]; then
		jq -r '.count' "$WORK/$name.sample.json"
	else
		jq -r '.total' "$WORK/$name.sample.json"
	fi
}

run_wrk() { # name script as env conns threads duration -> output file
	local name=$1 script=$2 as=$3 env=$4 c=$5 t=$6 d=$7 out=$8
	# shellcheck disable=SC2086
	env BENCH_AS="$as" $env wrk -t"$t" -c"$c" -d"${d}s" --timeout 30s --latency -s "bench/wrk/$script" "$BASEURL" >"$out" 2>&1 || true
	grep -q BENCH_RESULT "$out" || { say "wrk failed for $name:"; cat "$out" >&2; }
}

declare -A MATCH
run_scenarios() {
ROWS=()
for sc in "${SCENARIOS[@]}"; do
	IFS='|' read -r name script as env what <<<"$sc"
	[[ $name =~ $ONLY ]] || continue
	wait_idle
	MATCH[$name]=$(sample "$name" "$as" "$env")
	say "$name ($as, $CONNS connections, ${DURATION}s) — sample: ${MATCH[$name]}"
	rss_reset
	t0=$(cpu_ticks)
	p0=$(pg_ticks)
	run_wrk "$name" "$script" "$as" "$env" "$CONNS" "$THREADS" "$DURATION" "$WORK/$name.out"
	wait_idle
	f=$WORK/$name.out
	pgcol=
	[[ $CUR_BACKEND == postgres ]] && pgcol=" $(pg_cpu_per_request "$p0" "$f") |"
	ROWS+=("| $name | $as | \`$what\` | ${MATCH[$name]} | $(field rps "$f") | $(field p50_ms "$f") | $(field p90_ms "$f") | $(field p99_ms "$f") | $(errors "$f") | $(cpu_per_request "$t0" "$f") |$pgcol $(rss_peak_mb) |")
	say "  $(grep BENCH_RESULT "$f" || echo failed)"
done

SROWS=()
for name in "${SINGLES[@]}"; do
	[[ $name =~ $ONLY ]] || continue
	for sc in "${SCENARIOS[@]}"; do
		IFS='|' read -r n script as env what <<<"$sc"
		[[ $n == "$name" ]] || continue
		wait_idle
		say "$name at 1 connection (${SINGLE_DURATION}s)"
		run_wrk "$name" "$script" "$as" "$env" 1 1 "$SINGLE_DURATION" "$WORK/$name.single.out"
		f=$WORK/$name.single.out
		SROWS+=("| $name | $as | $(field rps "$f") | $(field p50_ms "$f") | $(field p90_ms "$f") | $(field p99_ms "$f") | $(field max_ms "$f") |")
	done
done
PEAK=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
RSS_NOW=$(awk '/^(RssAnon|RssFile)/ { printf "%s %.0f MB  ", $1, $2 / 1024 }' "/proc/$SERVER_PID/status")
}

# The baseline (bench/baseline.c) on the same database file and the same wrk scenario.
BASE_ROW= BASE_RATIO=
run_baseline() {
	[[ ${BENCH_BASELINE:-1} == 1 && -x $BASELINE && "get_customer" =~ $ONLY ]] || return 0
	"$BASELINE" "$RUN/rapport.db" "$PORT" &
	SERVER_PID=$!
	local code=
	for _ in $(seq 1 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$BASEURL/api/customers/$REP1_ID" || true)
		[[ $code == 200 ]] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	[[ $code == 200 ]] || { say "the baseline does not answer (try: $BASELINE $RUN/rapport.db $PORT)"; stop_server; return 0; }
	say "baseline get_customer ($CONNS connections, ${DURATION}s)"
	rss_reset
	local t0
	t0=$(cpu_ticks)
	run_wrk baseline get_customer.lua rep "" "$CONNS" "$THREADS" "$DURATION" "$WORK/baseline.out"
	local f=$WORK/baseline.out
	BASE_ROW="| baseline_get_customer | - | \`GET /api/customers/{id}\` (bench/baseline.c: libmicrohttpd + SQLite, no engine) | 1 | $(field rps "$f") | $(field p50_ms "$f") | $(field p90_ms "$f") | $(field p99_ms "$f") | $(errors "$f") | $(cpu_per_request "$t0" "$f") | $(rss_peak_mb) |"
	local ours base
	ours=$(field rps "$WORK/get_customer.out")
	base=$(field rps "$f")
	if [[ -n $ours && -n $base ]]; then
		BASE_RATIO=$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "Rapport get_customer: %.0f req/s = **%.0f %%** of the baseline'"'"'s %.0f req/s (target: at least 70 %%).", a, 100 * a / b, b }')
	fi
	say "  $(grep BENCH_RESULT "$f" || echo failed)"
	stop_server
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A TABLE SINGLE_TABLE PEAK_OF RSS_OF
for backend in $BACKENDS; do
	[[ $backend == sqlite || $backend == postgres ]] || die "unknown backend $backend (BENCH_BACKENDS: sqlite postgres)"
done
# before any scenario writes to the SQLite copy
if [[ " $BACKENDS " == *" postgres "* ]]; then prepare_postgres; fi
for backend in $BACKENDS; do
	CUR_BACKEND=$backend
	start_server "$backend"
	login_all
	run_scenarios
	stop_server
	TABLE[$backend]=$(printf '%s\n' "${ROWS[@]}")
	SINGLE_TABLE[$backend]=$( ((${#SROWS[@]})) && printf '%s\n' "${SROWS[@]}" || true)
	PEAK_OF[$backend]=$PEAK
	RSS_OF[$backend]=$RSS_NOW
	if [[ $backend == sqlite ]]; then
		run_baseline
		if [[ -n $BASE_ROW ]]; then TABLE[$backend]+=$'\n'"$BASE_ROW"; fi
	fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the report ----
DB_MB=$(( $(stat -c %s "$BASE/rapport.db") / 1048576 ))
COUNTS=$("$GEN" --data "$BASE" --sql "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM customers), (SELECT count(*) FROM contacts), (SELECT count(*) FROM opportunities), (SELECT count(*) FROM activities), sqlite_version()" 2>/dev/null)
IFS=$'\t' read -r n_users n_customers n_contacts n_opps n_acts sqlite_version <<<"$COUNTS"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- src Makefile 2>/dev/null) ]]; then COMMIT="$COMMIT (with uncommitted changes in src/)"; fi
OUT=${BENCH_OUT:-bench/results/latest.md}
{
	echo "# Rapport benchmark"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT."
	echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr); SQLite $sqlite_version; $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
	echo "wrk and the server share the machine; load average before the runs $LOAD_BEFORE, after $LOAD_AFTER (other work on the machine skews the figures)."
	echo
	echo "Database: $n_users users, $n_customers customers, $n_contacts contacts, $n_opps opportunities, $n_acts follow-ups; ${DB_MB} MB (\`$SIZE\`)."
	echo "Load: $CONNS connections, $THREADS wrk threads, ${DURATION} s per scenario; each request carries the session of one of $REPS reps (\`rep\`, data scope: own) or of the director (\`director\`, scope: all)."
	echo "Matches: the list's \`total\` for the first of the scenario's requests (the check that it finds something). Errors: socket errors + non-2xx answers. CPU µs/req: the server's user + system time over the scenario divided by the requests answered (steadier than req/s when other work shares the machine); PG CPU µs/req: the same for the PostgreSQL cluster's processes (postmaster and its children). Peak RSS: the server's VmHWM during that scenario (reset before each)."
	echo
	for backend in $BACKENDS; do
		if [[ $backend == sqlite ]]; then echo "## SQLite"; else echo "## PostgreSQL"; fi
		echo
		if [[ $backend == postgres ]]; then
			echo "$(psql "$PG_URL" -Atc 'SHOW server_version' 2>/dev/null | sed 's/^/PostgreSQL /'), a throwaway cluster (shared_buffers 1GB, fsync off, max_parallel_workers_per_gather $(psql "$PG_URL" -Atc "SHOW max_parallel_workers_per_gather" 2>/dev/null)), reached over $([[ ${BENCH_PG_SOCKET:-0} == 1 ]] && echo "its Unix socket" || echo "TCP on 127.0.0.1"); $PG_LOAD."
			echo
		fi
		if [[ $backend == postgres ]]; then
			echo "| Scenario | As | Request | Matches | Req/s | p50 ms | p90 ms | p99 ms | Errors | CPU µs/req | PG CPU µs/req | Peak RSS MB |"
			echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		else
			echo "| Scenario | As | Request | Matches | Req/s | p50 ms | p90 ms | p99 ms | Errors | CPU µs/req | Peak RSS MB |"
			echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
		fi
		echo "${TABLE[$backend]}"
		echo
		if [[ $backend == sqlite && -n $BASE_RATIO ]]; then echo "$BASE_RATIO"; echo; fi
		if [[ -n ${SINGLE_TABLE[$backend]} ]]; then
			echo "### One connection (latency of a single request, ${SINGLE_DURATION} s each)"
			echo
			echo "| Scenario | As | Req/s | p50 ms | p90 ms | p99 ms | max ms |"
			echo "|---|---|---:|---:|---:|---:|---:|"
			echo "${SINGLE_TABLE[$backend]}"
			echo
		fi
		echo "Server at the end: peak RSS ${PEAK_OF[$backend]} MB over the whole run; now ${RSS_OF[$backend]}"
		echo
	done
	echo "## Generating the database"
	echo
	echo '```'
	cat "$BASE/bench-gen.txt" 2>/dev/null || echo "(no generator report)"
	echo '```'
} >"$OUT"
say "wrote $OUT"
cat "$OUT"
if [[ ${SOAK:-0} == 1 ]]; then
	bench/soak.sh
fi
