/*
 * approval_people.c - who approves: managers up the reporting line and the
 * department tree, members of a role, and delegations (a user away sends
 * their tasks to a colleague for a date range).
 */
#include "approval_int.h"

#include <stdio.h>

static int64_t one_int(db *d, const char *sql, int64_t a)
{
	db_stmt *s = db_prepare(d, sql);
	int64_t v = 0;
	if (!s)
		return 0;
	db_bind_int(s, 1, a);
	if (db_step(s) == DB_ROW && !db_col_is_null(s, 0))
		v = db_col_int(s, 0);
	db_done(s);
	return v;
}

int64_t appr_user_department(db *d, int64_t user)
{
	return one_int(d, "SELECT department_id FROM users WHERE id = ?", user);
}

int64_t appr_department_parent(db *d, int64_t dept)
{
	return one_int(d, "SELECT parent_id FROM departments WHERE id = ? AND deleted_at IS NULL", dept);
}

int64_t appr_department_manager(db *d, int64_t dept, int64_t not)
{
	/* up the tree, at most 32 levels (a cycle is refused when saved; be safe anyway) */
	for (int i = 0; dept && i < 32; i++) {
		int64_t m = one_int(d, "SELECT manager_id FROM departments WHERE id = ? AND deleted_at IS NULL", dept);
		if (m && m != not && appr_user_enabled(d, m))
			return m;
		dept = appr_department_parent(d, dept);
	}
	return 0;
}

int64_t appr_manager_of(db *d, int64_t user)
{
	int64_t m = one_int(d, "SELECT manager_id FROM users WHERE id = ?", user);
	if (m && m != user && appr_user_enabled(d, m))
		return m;
	return appr_department_manager(d, appr_user_department(d, user), user);
}

bool appr_user_enabled(db *d, int64_t user)
{
	return one_int(d, "SELECT count(*) FROM users WHERE id = ? AND disabled = 0", user) > 0;
}

void appr_user_name(db *d, int64_t user, char *out, size_t n)
{
	out[0] = '\0';
	db_stmt *s = db_prepare(d, "SELECT name FROM users WHERE id = ?");
	if (!s)
		return;
	db_bind_int(s, 1, user);
	if (db_step(s) == DB_ROW && db_col_text(s, 0))
		snprintf(out, n, "%s", db_col_text(s, 0));
	db_done(s);
}

json_t *appr_role_members(db *d, const char *role)
{
	char from[200], sql[400];
	db_sql_json_values(d, "u.roles", from, sizeof(from));
	snprintf(sql, sizeof(sql), "SELECT u.id FROM users u WHERE u.disabled = 0 AND EXISTS "
				   "(SELECT 1 FROM %s WHERE value = ?) ORDER BY u.id", from);
	json_t *ids = json_array();
	db_stmt *s = db_prepare(d, sql);
	if (!s)
		return ids;
	db_bind_str(s, 1, role);
	while (db_step(s) == DB_ROW)
		json_array_append_new(ids, json_integer(db_col_int(s, 0)));
	db_done(s);
	return ids;
}

int64_t appr_delegate_for(db *d, int64_t user, const char *day)
{
	int64_t who = user;
	for (int hop = 0; hop < 3; hop++) {
		db_stmt *s = db_prepare(d, "SELECT delegate_id FROM delegations WHERE user_id = ? AND deleted_at IS NULL "
					   "AND from_on <= ? AND to_on >= ? ORDER BY id DESC LIMIT 1");
		if (!s)
			break;
		db_bind_int(s, 1, who);
		db_bind_str(s, 2, day);
		db_bind_str(s, 3, day);
		int64_t next = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
		db_done(s);
		if (!next || next == user || !appr_user_enabled(d, next))
			break;
		who = next;
	}
	return who;
}
