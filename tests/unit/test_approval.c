/* test_approval.c - the approval engine (core/approval*.c) on a fresh SQLite
 * database: a flow chooses its steps by amount (auto below the threshold, the
 * department's manager, then the manager of the department above), approving
 * advances the stages and mirrors the status onto the record, a reject needs a
 * comment, 404 for a non-approver, flow versions are checked, and the time-limit
 * job reminds then escalates at a chosen moment. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/core/approval.h"
#include "../../src/core/entity.h"
#include "../../src/core/record.h"
#include "../../src/modules/org/org.h"
#include "../../src/util/clock.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

static const enum_option statuses[] = { { "draft", { "草稿", "Draft" } }, { "pending", { "审批中", "Pending" } },
					{ "approved", { "通过", "Approved" } }, { "rejected", { "驳回", "Rejected" } },
					{ "withdrawn", { "撤回", "Withdrawn" } }, { NULL } };
static const field_def claim_fields[] = {
	{ "title", FT_TEXT, { "事由", "Title" }, F_REQUIRED },
	{ "amount", FT_MONEY, { "金额", "Amount" }, F_REQUIRED },
	{ "approval_status", FT_ENUM, { "审批", "Approval" }, F_READONLY, .options = statuses, .def = "\"draft\"" },
	{ NULL },
};
static const entity_def claims = { .name = "claims", .label = { "报销", "Claims" }, .module = "test", .flags = E_OWNED,
				   .fields = claim_fields, .title_field = "title" };

static const char flow[] =
	"{\"auto_approve_below\":100000,\"steps\":["
	"{\"when\":{\"amount_gte\":100000},\"approvers\":{\"type\":\"department_manager\"},\"time_limit_hours\":24},"
	"{\"when\":{\"amount_gte\":2000000},\"approvers\":{\"type\":\"parent_department_manager\"}}]}";

static db *d;
static int64_t boss, mgr, rep, other;

static int64_t add_user(const char *name, int64_t dept)
{
	char sql[400];
	snprintf(sql, sizeof(sql), "INSERT INTO users(username, name, password_hash, roles, created_at, updated_at, "
				   "department_id) VALUES ('%s', '%s', 'x', '[]', 'now', 'now', %lld)", name, name, (long long)dept);
	cr_assert_eq(db_exec(d, sql), 0, "%s", db_errmsg(d));
	return db_query_int(d, "SELECT max(id) FROM users", 0);
}

static int64_t add_dept(const char *name, int64_t parent)
{
	auth_session sys = { 0 };
	ent_op op = { .db = d, .who = &sys };
	json_t *b = parent ? json_pack("{s:s,s:I}", "name", name, "parent_id", (json_int_t)parent) : json_pack("{s:s}", "name", name);
	json_t *r = record_create(&op, &departments_entity, b);
	cr_assert(r, "%s", op.err.message);
	int64_t id = json_integer_value(json_object_get(r, "id"));
	json_decref(b), json_decref(r);
	return id;
}

static void set_manager(int64_t dept, int64_t user)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "UPDATE departments SET manager_id = %lld WHERE id = %lld", (long long)user, (long long)dept);
	cr_assert_eq(db_exec(d, sql), 0);
}

static void setup(void)
{
	log_verbose = 0;
	entity_registry_reset();
	org_register();
	entity_register(&claims);
	approval_register_builtin("claims", flow);
	cr_assert_eq(entity_check_all(), 0);
	d = tmpdb_open(true);
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	int64_t sales = add_dept("销售部", 0), north = add_dept("华北", sales);
	boss = add_user("boss", sales);
	mgr = add_user("mgr", north);
	rep = add_user("rep", north);
	other = add_user("other", north);
	set_manager(sales, boss);
	set_manager(north, mgr);
}

static void teardown(void)
{
	clock_set_fixed(0);
	tmpdb_close();
	entity_registry_reset();
}

TestSuite(approval, .init = setup, .fini = teardown);

static ent_op as(auth_session *s, int64_t user)
{
	memset(s, 0, sizeof(*s));
	s->user.id = user;
	return (ent_op){ .db = d, .who = s };
}

static int64_t claim(int64_t yuan)
{
	auth_session s;
	ent_op op = as(&s, rep);
	json_t *b = json_pack("{s:s,s:I}", "title", "差旅", "amount", (json_int_t)yuan * 100);
	json_t *r = record_create(&op, &claims, b);
	cr_assert(r, "%s", op.err.message);
	int64_t id = json_integer_value(json_object_get(r, "id"));
	json_decref(b), json_decref(r);
	return id;
}

static const char *submit(int64_t id, char *status)
{
	auth_session s;
	ent_op op = as(&s, rep);
	json_t *r = approval_submit(&op, &claims, id);
	cr_assert(r, "%s", op.err.message);
	snprintf(status, 16, "%s", json_string_value(json_object_get(r, "approval_status")));
	json_decref(r);
	return status;
}

/* The pending task of user for the claim, 0 when none. */
static int64_t task_of(int64_t user, int64_t id)
{
	auth_session s;
	ent_op op = as(&s, user);
	json_t *list = approval_inbox(&op, "pending", 50, 0);
	cr_assert(list);
	int64_t t = 0;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(list, "data"), i, x)
		if (json_integer_value(json_object_get(x, "record_id")) == id)
			t = json_integer_value(json_object_get(x, "id"));
	json_decref(list);
	return t;
}

static int act(int64_t user, int64_t task, const char *action, const char *comment, int *status)
{
	auth_session s;
	ent_op op = as(&s, user);
	json_t *body = comment ? json_pack("{s:s}", "comment", comment) : json_object();
	json_t *r = approval_task_act(&op, task, action, body);
	*status = r ? 200 : op.err.status;
	json_decref(body), json_decref(r);
	ent_error_clear(&op.err);
	return r ? 0 : -1;
}

static char *state_of(int64_t id, char out[16])
{
	auth_session s;
	ent_op op = as(&s, rep);
	cr_assert_eq(approval_status_of(&op, &claims, id, out), 0);
	return out;
}

Test(approval, below_the_threshold_is_approved_at_once)
{
	char st[16];
	cr_assert_str_eq(submit(claim(800), st), "approved");
}

Test(approval, the_department_manager_then_the_one_above)
{
	char st[16];
	int code;
	int64_t small = claim(5000), big = claim(50000);
	cr_assert_str_eq(submit(small, st), "pending");
	cr_assert_str_eq(submit(big, st), "pending");
	cr_assert_eq(task_of(boss, big), 0, "the director waits for the manager");
	int64_t t = task_of(mgr, small);
	cr_assert(t);
	cr_assert_eq(act(other, t, "approve", NULL, &code), -1);
	cr_assert_eq(code, 404, "not an approver");
	cr_assert_eq(act(mgr, t, "reject", NULL, &code), -1);
	cr_assert_eq(code, 422, "a reject needs a comment");
	cr_assert_eq(act(mgr, t, "approve", NULL, &code), 0);
	cr_assert_str_eq(state_of(small, st), "approved");
	cr_assert_eq(act(mgr, t, "approve", NULL, &code), -1);
	cr_assert_eq(code, 409, "decided already");
	cr_assert_eq(act(mgr, task_of(mgr, big), "approve", "同意", &code), 0);
	cr_assert_str_eq(state_of(big, st), "pending");
	int64_t t2 = task_of(boss, big);
	cr_assert(t2, "now the director");
	cr_assert_eq(act(boss, t2, "reject", "超预算", &code), 0);
	cr_assert_str_eq(state_of(big, st), "rejected");
	auth_session s;
	ent_op op = as(&s, rep);
	json_t *rec = record_get(&op, &claims, big);
	cr_assert_str_eq(json_string_value(json_object_get(rec, "approval_status")), "rejected", "mirrored on the record");
	json_decref(rec);
}

Test(approval, flows_are_checked_and_versioned)
{
	auth_session s;
	ent_op op = as(&s, boss); /* no acl: the system, an administrator */
	json_t *bad = json_loads("{\"steps\":[{\"approvers\":{\"type\":\"nobody\"}}]}", 0, NULL);
	cr_assert_null(approval_flow_put(&op, "claims", bad));
	cr_assert_eq(op.err.status, 422);
	cr_assert_str_eq(json_string_value(json_object_get(op.err.fields, "steps.0.approvers.type")), "invalid_option");
	ent_error_clear(&op.err);
	json_decref(bad);
	json_t *good = json_loads("{\"steps\":[{\"approvers\":{\"type\":\"manager_chain\",\"levels\":2}}]}", 0, NULL);
	json_t *f = approval_flow_put(&op, "claims", good);
	cr_assert(f, "%s", op.err.message);
	cr_assert_eq(json_integer_value(json_object_get(f, "version")), 2, "the built-in one is version 1");
	json_decref(f), json_decref(good);
	char st[16];
	int code;
	int64_t id = claim(300); /* no threshold any more: the chain rep → mgr → boss */
	cr_assert_str_eq(submit(id, st), "pending");
	cr_assert_eq(act(mgr, task_of(mgr, id), "approve", NULL, &code), 0);
	cr_assert_eq(act(boss, task_of(boss, id), "approve", NULL, &code), 0);
	cr_assert_str_eq(state_of(id, st), "approved");
}

Test(approval, past_the_time_limit_a_reminder_then_escalation)
{
	char st[16];
	int64_t id = claim(3000);
	cr_assert_str_eq(submit(id, st), "pending");
	int64_t t = task_of(mgr, id);
	auth_session sys = { 0 };
	ent_op op = { .db = d, .who = &sys };
	json_t *rep1 = json_object(), *rep2 = json_object();
	int64_t now = clock_now_ms();
	cr_assert_eq(approval_sla_job(&op, now + 25LL * 3600 * 1000, rep1), 0);
	cr_assert_eq(json_integer_value(json_object_get(rep1, "reminded")), 1);
	cr_assert_eq(task_of(mgr, id), t, "still the manager's");
	cr_assert_eq(approval_sla_job(&op, now + 49LL * 3600 * 1000, rep2), 0);
	cr_assert_eq(json_integer_value(json_object_get(rep2, "escalated")), 1);
	cr_assert_eq(task_of(mgr, id), 0);
	cr_assert(task_of(boss, id), "the manager's manager has it");
	json_decref(rep1), json_decref(rep2);
}
