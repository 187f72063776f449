#!/usr/bin/env bash
# bench/explain.sh - query plans and timings of the slow list and search
# queries on a benchmark database, as shipped and with candidate fixes.
#
#   bench/explain.sh [DATA_DIR]     default: the newest bench/data/*/run
#   FIXES=0 bench/explain.sh        only the queries as the server builds them
#
# The SQL copies what core/record.c (run_list: the page, then count(*)) and
# core/acl.c (owner_condition, acl_scope with scope_via) build for a sales rep
# (data scope "own") and the director (scope "all"); re-check it when those
# change.  With fixes, the candidate indexes, ANALYZE and the UNION form of the
# scope are tried on DATA_DIR itself: use a run copy, never a base.
set -euo pipefail
cd "$(dirname "$0")/.."
GEN=build/rapport-gen
DIR=${1:-$(ls -dt bench/data/*/run 2>/dev/null | head -1)}
[[ -n $DIR && -f $DIR/rapport.db ]] || { echo "no benchmark database (run bench/run.sh first)" >&2; exit 1; }
[[ $DIR == */base ]] && { echo "refusing to change a base database; use its run copy" >&2; exit 1; }

sql() { "$GEN" --data "$DIR" --sql "$1" "${@:2}"; }
show() { # title sql
	echo
	echo "### $1"
	echo '```'
	sql "EXPLAIN QUERY PLAN $2" 2>/dev/null | cut -f4-
	sql "$2" --repeat 3 2>&1 >/dev/null | sed 's/^-- //'
	echo '```'
}

# undo an earlier run's fixes, so "as shipped" is what the server has (it never runs ANALYZE)
UNDO="DROP INDEX IF EXISTS fix_customers_pool; DROP INDEX IF EXISTS fix_customers_status_live;
	DROP INDEX IF EXISTS fix_opportunities_stage_live; DROP TABLE IF EXISTS sqlite_stat1;"
"$GEN" --data "$DIR" --exec "$UNDO" --sql "SELECT 1" >/dev/null 2>&1
trap '"$GEN" --data "$DIR" --exec "$UNDO" --sql "SELECT 1" >/dev/null 2>&1' EXIT

read -r REP DEPT < <(sql "SELECT id, department_id FROM users WHERE username = 'rep1'" 2>/dev/null | tr '\t' ' ')
echo "# Query plans on $DIR (rep1 = user $REP, department $DEPT)"

own() { # alias entity -> the rep's owner condition (acl.c owner_condition, scope own)
	local t=$1 e=$2 pool=""
	[[ $e == customers ]] && pool=" OR ($t.owner_id IS NULL AND $t.pool_department_id IN (SELECT CAST(value AS BIGINT) FROM json_each('[$DEPT]')))"
	echo "($t.owner_id = $REP OR $t.id IN (SELECT record_id FROM record_shares WHERE entity = '$e' AND user_id = $REP)$pool)"
}
via() { # entity -> scope through customer_id (acl.c acl_scope with scope_via)
	echo "(t.customer_id IN (SELECT t_p.id FROM customers t_p WHERE $(own t_p customers)) OR (t.customer_id IS NULL AND $(own t "$1")))"
}
fts() { echo "t.id IN (SELECT rowid FROM $1_fts WHERE $1_fts MATCH '\"$2\"')"; }

LIVE="t.deleted_at IS NULL"
REP_LIST="FROM customers t WHERE $LIVE AND $(own t customers) AND t.status = 'intent'"
ALL_LIST="FROM customers t WHERE $LIVE AND t.status = 'intent'"
PAGE="ORDER BY t.updated_at DESC, t.id DESC LIMIT 50"
PIPE="FROM opportunities t WHERE $LIVE AND $(via opportunities) AND t.stage = 'proposal'"

queries() {
	show "rep: customers the rep may see (the set scope_via entities test against)" "SELECT count(*) FROM customers t WHERE $(own t customers)"
	show "rep: list page, status=intent, -updated_at" "SELECT t.* $REP_LIST $PAGE"
	show "rep: its total" "SELECT count(*) $REP_LIST"
	show "director: list page" "SELECT t.* $ALL_LIST $PAGE"
	show "director: its total" "SELECT count(*) $ALL_LIST"
	show "rep: pipeline column (stage=proposal, -amount)" "SELECT t.* $PIPE ORDER BY t.amount DESC, t.id DESC LIMIT 50"
	show "rep: its total" "SELECT count(*) $PIPE"
	show "rep: search q=华夏 page" "SELECT t.* FROM customers t WHERE $LIVE AND $(own t customers) AND $(fts customers 华夏) $PAGE"
	show "director: search q=公司 page (a bigram in nearly every name)" "SELECT t.* FROM customers t WHERE $LIVE AND $(fts customers 公司) $PAGE"
	show "director: its total" "SELECT count(*) FROM customers t WHERE $LIVE AND $(fts customers 公司)"
	show "the same 公司 matches, newest first straight from the index" "SELECT rowid FROM customers_fts WHERE customers_fts MATCH '\"公司\"' ORDER BY rowid DESC LIMIT 50"
	show "rep: global search q=张伟, follow-ups total" "SELECT count(*) FROM activities t WHERE $LIVE AND $(via activities) AND $(fts activities 张伟)"
}

echo
echo "## As shipped"
queries

[[ ${FIXES:-1} == 1 ]] || exit 0
echo
echo "## With candidate fixes"
echo
echo 'customers(owner_id, pool_department_id); customers(status, updated_at) WHERE deleted_at IS NULL; opportunities(stage, amount) WHERE deleted_at IS NULL; ANALYZE (analysis_limit 1000)'
"$GEN" --data "$DIR" --exec "
	CREATE INDEX IF NOT EXISTS fix_customers_pool ON customers(owner_id, pool_department_id);
	CREATE INDEX IF NOT EXISTS fix_customers_status_live ON customers(status, updated_at) WHERE deleted_at IS NULL;
	CREATE INDEX IF NOT EXISTS fix_opportunities_stage_live ON opportunities(stage, amount) WHERE deleted_at IS NULL;
	PRAGMA analysis_limit = 1000; ANALYZE;" --sql "SELECT 1" >/dev/null 2>&1
queries
VISIBLE="t.id IN (SELECT id FROM customers WHERE owner_id = $REP UNION ALL SELECT record_id FROM record_shares WHERE entity = 'customers' AND user_id = $REP UNION ALL SELECT id FROM customers WHERE owner_id IS NULL AND pool_department_id IN (SELECT CAST(value AS BIGINT) FROM json_each('[$DEPT]')))"
show "rep: list page, scope as a UNION of its three parts" "SELECT t.* FROM customers t WHERE $LIVE AND $VISIBLE AND t.status = 'intent' $PAGE"
show "rep: its total" "SELECT count(*) FROM customers t WHERE $LIVE AND $VISIBLE AND t.status = 'intent'"
