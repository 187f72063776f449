/*
 * activities.c - 跟进记录: calls, visits, meetings, emails, notes and tasks,
 * attached to a customer, contact, lead or opportunity.  Hooks: the customer
 * is found from the contact or opportunity when not given; logging one moves
 * the customer's last contacted time forward (not its updated_at) and sets
 * its next follow-up when the activity plans one.
 */
#include "sales.h"
#include "../../core/record.h"
#include "../../util/clock.h"


static const enum_option types[] = {
	{ "call", { "电话", "Call" } },
	{ "visit", { "拜访", "Visit" } },
	{ "meeting", { "会议", "Meeting" } },
	{ "email", { "邮件", "Email" } },
	{ "note", { "备注", "Note" } },
	{ "task", { "任务", "Task" } },
	{ NULL, { NULL, NULL } },
};

static const field_def fields[] = {
	{ "type", FT_ENUM, { "跟进方式", "Type" }, F_REQUIRED | F_LIST | F_INDEX, .options = types, .def = "\"call\"" },
	{ "subject", FT_TEXT, { "主题", "Subject" }, F_REQUIRED | F_SEARCH | F_LIST },
	{ "content", FT_LONGTEXT, { "跟进内容", "Content" }, F_SEARCH },
	{ "occurred_at", FT_DATETIME, { "跟进时间", "When" }, F_SORT | F_LIST },
	{ "next_step", FT_TEXT, { "下一步", "Next step" }, 0, .max_len = 500 },
	{ "next_follow_up_at", FT_DATETIME, { "下次跟进时间", "Next follow-up" }, F_SORT },
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_LIST, .ref = "customers" },
	{ "contact_id", FT_REF, { "联系人", "Contact" }, F_SPARSE, .ref = "contacts" },
	{ "lead_id", FT_REF, { "线索", "Lead" }, F_SPARSE, .ref = "leads" },
	{ "opportunity_id", FT_REF, { "商机", "Opportunity" }, F_SPARSE, .ref = "opportunities" },
	{ NULL },
};

/* The customer_id of the record `id` of entity `name`, or 0. */
static int64_t customer_of(ent_op *op, const entity_def *e, json_t *id)
{
	if (!json_is_integer(id))
		return 0;
	json_t *rec = record_load(op, e, json_integer_value(id), false);
	int64_t c = rec ? json_integer_value(json_object_get(rec, "customer_id")) : 0;
	json_decref(rec);
	ent_error_clear(&op->err);
	return c;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	json_t *when = json_object_get(rec, "occurred_at");
	if (!when || json_is_null(when)) {
		char now[32];
		clock_format_iso(clock_now_ms(), now, sizeof(now));
		json_object_set_new(rec, "occurred_at", json_string(now));
	}
	json_t *cust = json_object_get(rec, "customer_id");
	if (!cust || json_is_null(cust)) {
		int64_t c = customer_of(h->op, &contacts_entity, json_object_get(rec, "contact_id"));
		if (!c)
			c = customer_of(h->op, &opportunities_entity, json_object_get(rec, "opportunity_id"));
		if (c)
			json_object_set_new(rec, "customer_id", json_integer(c));
	}
	json_t *c = json_object_get(rec, "customer_id");
	if ((!c || json_is_null(c)) && !json_is_integer(json_object_get(rec, "lead_id")))
		return hook_field_error(h, "customer_id", "required");
	return 0;
}

/* The customer was last contacted at the latest activity (moved forward
 * only, a derived value: no new version, updated_at or history entry on the
 * customer; the activity is on its timeline with its own history); its next
 * follow-up is the one this activity plans, when it plans one (an edit of the
 * customer's plan: new version, history "follow_up"). */
static int after_create(hook_ctx *h, json_t *rec)
{
	json_t *cust = json_object_get(rec, "customer_id");
	if (!json_is_integer(cust))
		return 0;
	int64_t id = json_integer_value(cust);
	const char *when = json_string_value(json_object_get(rec, "occurred_at"));
	if (when && record_advance_field(h->op, &customers_entity, id, "last_contacted_at", when))
		return -1;
	json_t *next = json_object_get(rec, "next_follow_up_at");
	if (!json_is_string(next))
		return 0;
	json_t *set = json_pack("{s:O}", "next_follow_up_at", next);
	int rc = record_set_fields(h->op, &customers_entity, id, set, "follow_up");
	json_decref(set);
	return rc;
}

/* a record's timeline, newest first */
static const char *const list_indexes[] = { "customer_id,occurred_at", "owner_id,occurred_at", "type,occurred_at", NULL };

static const entity_hooks hooks = {
	.before_create = before_create,
	.after_create = after_create,
};

const entity_def activities_entity = {
	.name = "activities",
	.label = { "跟进记录", "Follow-ups" },
	.module = "sales",
	.flags = E_OWNED,
	.fields = fields,
	.scope_via = "customer_id",
	.title_field = "subject",
	.default_sort = "-occurred_at",
	.hooks = &hooks,
	.list_indexes = list_indexes,
};
