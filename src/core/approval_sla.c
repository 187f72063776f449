/*
 * approval_sla.c - time limits of approval steps.  A pending task older than
 * its step's time limit reminds its approver (once); one older than twice
 * the limit goes to the approver's manager (escalated), who starts afresh.
 * Run by the jobs scheduler on every pass; safe with several servers at once:
 * each change is a conditional UPDATE, so only one of them makes it.
 */
#include "approval_int.h"
#include "../util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct due_task {
	int64_t id, request, approver, submitter, limit_ms, activated;
	bool reminded;
} due_task;

static int remind(ent_op *op, due_task *t, const char *now)
{
	db_stmt *s = db_prepare(op->db, "UPDATE approval_tasks SET reminded_at = ? WHERE id = ? AND status = 'pending' "
					"AND reminded_at IS NULL");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, now);
	db_bind_int(s, 2, t->id);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc);
	if (db_changes(op->db) != 1)
		return 1; /* someone else did */
	if (appr_event(op, t->request, t->id, 0, "remind", NULL) || appr_tell_approver(op, t->id, "approval_reminder"))
		return -1;
	return 0;
}

static int escalate(ent_op *op, due_task *t, const char *now)
{
	int64_t next = appr_manager_of(op->db, t->approver);
	if (!next || next == t->approver)
		return 1; /* nobody above: the reminder stands */
	db_stmt *s = db_prepare(op->db, "UPDATE approval_tasks SET status = 'escalated', decided_at = ? WHERE id = ? "
					"AND status = 'pending'");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, now);
	db_bind_int(s, 2, t->id);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc);
	if (db_changes(op->db) != 1)
		return 1;
	s = db_prepare(op->db, "INSERT INTO approval_tasks(request_id, step, ord, step_name, mode, approver_id, assigned_from, "
			       "status, time_limit_hours, activated_at, added_by) SELECT request_id, step, ord, step_name, mode, "
			       "?, approver_id, 'pending', time_limit_hours, ?, added_by FROM approval_tasks WHERE id = ? "
			       "RETURNING id");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, next);
	db_bind_str(s, 2, now);
	db_bind_int(s, 3, t->id);
	int64_t nid = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!nid)
		return op_db_fail(op, db_errcode(op->db));
	char name[200], note[300];
	appr_user_name(op->db, next, name, sizeof(name));
	snprintf(note, sizeof(note), "past the time limit: → %s", name);
	if (appr_event(op, t->request, t->id, 0, "escalate", note) || appr_tell_approver(op, nid, "approval"))
		return -1;
	return 0;
}

int approval_sla_job(ent_op *op, int64_t now_ms, json_t *report)
{
	char now[32];
	clock_format_iso(now_ms, now, sizeof(now));
	db_stmt *s = db_prepare(op->db, "SELECT t.id, t.request_id, t.approver_id, r.submitted_by, t.time_limit_hours, "
					"t.activated_at, t.reminded_at FROM approval_tasks t "
					"JOIN approval_requests r ON r.id = t.request_id "
					"WHERE t.status = 'pending' AND t.time_limit_hours > 0 ORDER BY t.id LIMIT 5000");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	int n = 0, cap = 64;
	due_task *list = calloc((size_t)cap, sizeof(*list));
	while (list && db_step(s) == DB_ROW) {
		int64_t act;
		if (!db_col_text(s, 5) || clock_parse_iso(db_col_text(s, 5), &act))
			continue;
		if (n == cap) {
			due_task *more = realloc(list, (size_t)cap * 2 * sizeof(*list));
			if (!more)
				break;
			list = more;
			cap *= 2;
		}
		list[n++] = (due_task){ .id = db_col_int(s, 0), .request = db_col_int(s, 1), .approver = db_col_int(s, 2),
					.submitter = db_col_int(s, 3), .limit_ms = db_col_int(s, 4) * 3600 * 1000,
					.activated = act, .reminded = !db_col_is_null(s, 6) };
	}
	db_done(s);
	int reminded = 0, escalated = 0;
	for (int i = 0; i < n; i++) {
		due_task *t = &list[i];
		if (now_ms < t->activated + t->limit_ms)
			continue;
		bool late = now_ms >= t->activated + 2 * t->limit_ms;
		if (op_begin(op))
			break;
		/* the reminder comes first; escalation once it went unanswered for another limit */
		int rc = !t->reminded ? remind(op, t, now) : late ? escalate(op, t, now) : 1;
		if (rc < 0) {
			op_rollback(op);
			ent_error_clear(&op->err);
			continue;
		}
		if (op_commit(op))
			break;
		if (rc == 0)
			(!t->reminded ? reminded++ : escalated++);
	}
	free(list);
	json_object_set_new(report, "reminded", json_integer(reminded));
	json_object_set_new(report, "escalated", json_integer(escalated));
	return 0;
}
