/*
 * quotes.c - 报价单: line items priced on the server (doc_compute_lines),
 * status draft -> sent -> accepted / rejected / expired.  A sent quote is
 * read-only; revising it (quote_revise) makes version n+1 as a new draft
 * with the same number, and the old one becomes "superseded", still readable.
 */
#include "documents.h"
#include "../../core/approval.h"
#include "doc_lines.h"
#include "sales.h"
#include "../../core/record.h"
#include "../../jobs/jobs.h"

#include <stdio.h>
#include <string.h>

static const field_def line_fields[] = {
	{ "quote_id", FT_REF, { "报价单", "Quote" }, F_INDEX, .ref = "quotes" },
	DOC_LINE_FIELDS,
	{ NULL },
};

const entity_def quote_lines_entity = {
	.name = "quote_lines",
	.label = { "报价明细", "Quote lines" },
	.module = "sales",
	.flags = E_CHILD,
	.fields = line_fields,
	.default_sort = "position",
};

static const enum_option statuses[] = {
	{ "draft", { "草稿", "Draft" } },
	{ "sent", { "已发送", "Sent" } },
	{ "accepted", { "已接受", "Accepted" } },
	{ "rejected", { "已拒绝", "Rejected" } },
	{ "expired", { "已过期", "Expired" } },
	{ "superseded", { "已修订", "Superseded" } },
	{ NULL },
};

static const field_def fields[] = {
	{ "number", FT_TEXT, { "报价单号", "Number" }, F_READONLY | F_SEARCH | F_SORT | F_LIST, .max_len = 50 },
	{ "revision", FT_INT, { "版本", "Version" }, F_READONLY | F_LIST, .def = "1" },
	{ "title", FT_TEXT, { "主题", "Title" }, F_SEARCH | F_LIST },
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_REQUIRED | F_LIST, .ref = "customers" },
	{ "opportunity_id", FT_REF, { "商机", "Opportunity" }, F_INDEX, .ref = "opportunities" },
	{ "contact_id", FT_REF, { "联系人", "Contact" }, 0, .ref = "contacts" },
	{ "currency", FT_TEXT, { "币种", "Currency" }, F_REQUIRED, .max_len = 3, .def = "\"CNY\"" },
	{ "valid_until", FT_DATE, { "有效期至", "Valid until" }, F_SORT | F_LIST },
	{ "status", FT_ENUM, { "状态", "Status" }, F_REQUIRED | F_SORT | F_LIST, .options = statuses, .def = "\"draft\"" },
	DOC_TOTAL_FIELDS,
	{ "previous_id", FT_REF, { "上一版本", "Previous version" }, F_READONLY | F_INDEX, .ref = "quotes" },
	{ "superseded_by_id", FT_REF, { "新版本", "Superseded by" }, F_READONLY, .ref = "quotes" },
	{ "terms", FT_LONGTEXT, { "报价条款", "Terms" }, 0 },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

static const child_def children[] = {
	{ "lines", "quote_lines", "quote_id", { "报价明细", "Lines" } },
	{ NULL },
};

static const char *const body_keys[] = { "revise_of", NULL };

#define TRANSITIONS "draft>sent sent>accepted sent>rejected sent>expired"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* opportunity and customer agree; a missing customer comes from the opportunity */
static int check_parties(hook_ctx *h, json_t *rec, json_t *old)
{
	json_t *oid = json_object_get(rec, "opportunity_id");
	if (!json_is_integer(oid))
		return 0;
	json_t *opp = record_get(h->op, &opportunities_entity, json_integer_value(oid));
	if (!opp) {
		ent_error_clear(&h->op->err);
		return 0; /* the engine's reference check answers not_found */
	}
	json_t *cust = json_object_get(rec, "customer_id");
	if (!cust && old)
		cust = json_object_get(old, "customer_id");
	int rc = 0;
	if (!json_is_integer(cust))
		json_object_set(rec, "customer_id", json_object_get(opp, "customer_id"));
	else if (!json_equal(cust, json_object_get(opp, "customer_id")))
		rc = hook_field_error(h, "opportunity_id", "customer_mismatch");
	json_decref(opp);
	return rc;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	const char *cur = str(rec, "currency");
	if (!doc_currency_ok(cur))
		return hook_field_error(h, "currency", "invalid_currency");
	if (doc_transition(h, "x>draft", "x", str(rec, "status")) || check_parties(h, rec, NULL))
		return -1;
	json_t *rev = json_object_get(rec, "revise_of");
	char number[64];
	if (rev) {
		if (!json_is_integer(rev))
			return hook_field_error(h, "revise_of", "invalid_type");
		json_t *old = record_get_for_update(h->op, &quotes_entity, json_integer_value(rev));
		if (!old)
			return -1;
		int rc = 0;
		if (strcmp(str(old, "status"), "sent")) {
			hook_fail(h, 422, "validation_failed", "only a sent quote can be revised");
			h->op->err.fields = json_pack("{s:s}", "status", "invalid_transition");
			rc = -1;
		} else {
			json_object_set(rec, "number", json_object_get(old, "number"));
			json_object_set_new(rec, "revision",
					    json_integer(json_integer_value(json_object_get(old, "revision")) + 1));
			json_object_set(rec, "previous_id", rev);
		}
		json_decref(old);
		if (rc)
			return rc;
	} else {
		if (doc_next_number(h, "quotes", number, sizeof(number)))
			return -1;
		json_object_set_new(rec, "number", json_string(number));
		json_object_set_new(rec, "revision", json_integer(1));
	}
	json_t *lines = json_object_get(rec, "lines");
	if (!lines) {
		lines = json_array();
		json_object_set_new(rec, "lines", lines);
	}
	return doc_compute_lines(h, lines, cur, rec, "lines");
}

static int after_create(hook_ctx *h, json_t *rec)
{
	(void)rec;
	/* the revised quote: superseded by this one, kept readable */
	json_t *prev = json_object_get(rec, "previous_id");
	if (!json_is_integer(prev))
		return 0;
	json_t *set = json_pack("{s:s,s:I}", "status", "superseded", "superseded_by_id", (json_int_t)h->id);
	int rc = record_set_fields(h->op, &quotes_entity, json_integer_value(prev), set, "revise");
	json_decref(set);
	return rc;
}

/* A quote goes out only when its figures need no approval under the admin's
 * quote flow (a discount past a threshold...) or were approved (approval.h). */
static int send_gate(hook_ctx *h, json_t *old, json_t *patch)
{
	const char *to = str(patch, "status");
	if (!to || strcmp(to, "sent")) /* a PATCH without a status moves nothing */
		return 0;
	json_t *now = json_deep_copy(old);
	json_object_update(now, patch);
	int rc = approval_gate(h, now, "status");
	json_decref(now);
	return rc;
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	const char *from = str(old, "status");
	if (doc_transition(h, TRANSITIONS, from, str(patch, "status")))
		return -1;
	if (strcmp(from, "draft")) {
		/* sent and later: only the status moves; a change of content is a new version */
		const char *k;
		json_t *v, *errs = json_object();
		json_object_foreach(patch, k, v)
			if (strcmp(k, "status") && (!strcmp(k, "lines") || !json_equal(v, json_object_get(old, k))))
				json_object_set_new(errs, k, json_string("read_only"));
		if (json_object_size(errs)) {
			hook_fail(h, 422, "validation_failed", "a %s quote is read-only; revise it for a new version", from);
			h->op->err.fields = errs;
			return -1;
		}
		json_decref(errs);
		return 0;
	}
	if (json_object_get(patch, "opportunity_id") || json_object_get(patch, "customer_id")) {
		/* the pair as it will be: the patch's members over the old ones */
		json_t *pair = json_object();
		for (int i = 0; i < 2; i++) {
			const char *k = i ? "opportunity_id" : "customer_id";
			json_t *v = json_object_get(patch, k);
			json_object_set(pair, k, v ? v : json_object_get(old, k));
		}
		int rc = check_parties(h, pair, NULL);
		json_decref(pair);
		if (rc)
			return -1;
	}
	json_t *cur = json_object_get(patch, "currency");
	if (cur && !doc_currency_ok(json_string_value(cur)))
		return hook_field_error(h, "currency", "invalid_currency");
	json_t *lines = json_object_get(patch, "lines");
	if (lines || cur) {
		if (!lines) {
			lines = doc_lines_copy(json_object_get(old, "lines"), true);
			json_object_set_new(patch, "lines", lines);
		}
		if (doc_compute_lines(h, lines, json_string_value(cur ? cur : json_object_get(old, "currency")), patch,
				      "lines"))
			return -1;
	}
	return send_gate(h, old, patch);
}

static int before_delete(hook_ctx *h, json_t *old)
{
	if (!strcmp(str(old, "status"), "accepted"))
		return hook_fail(h, 409, "conflict", "an accepted quote cannot be deleted");
	return 0;
}

json_t *quote_revise(ent_op *op, int64_t id, json_t *body)
{
	json_t *old = record_get_for_update(op, &quotes_entity, id);
	if (!old)
		return NULL;
	static const char *const copied[] = { "title", "customer_id", "opportunity_id", "contact_id", "currency",
					      "valid_until", "terms", "notes", NULL };
	json_t *rec = json_object();
	for (int i = 0; copied[i]; i++) {
		json_t *v = json_object_get(old, copied[i]);
		if (v && !json_is_null(v))
			json_object_set(rec, copied[i], v);
	}
	json_object_set_new(rec, "lines", doc_lines_copy(json_object_get(old, "lines"), false));
	json_object_update(rec, body); /* the caller's changes win */
	json_object_set_new(rec, "revise_of", json_integer(id));
	json_decref(old);
	json_t *out = record_create(op, &quotes_entity, rec);
	json_decref(rec);
	return out;
}

/* Daily job "quotes_expire": sent quotes whose valid-until date has passed
 * become expired (history action "expire"). */
static int expire_job(ent_op *op, int64_t now_ms, json_t *report)
{
	char day[11];
	jobs_day(now_ms, day);
	query_arg args[] = { { "filter[status]", "sent" }, { "filter[valid_until][lt]", day }, { "limit", "500" } };
	int64_t n = 0;
	for (;;) {
		json_t *page = record_list_system(op, &quotes_entity, args, 3);
		if (!page)
			return -1;
		json_t *data = json_object_get(page, "data");
		size_t i, count = json_array_size(data);
		json_t *q;
		int rc = 0;
		json_array_foreach(data, i, q) {
			json_t *set = json_pack("{s:s}", "status", "expired");
			rc = record_set_fields(op, &quotes_entity, json_integer_value(json_object_get(q, "id")), set, "expire");
			json_decref(set);
			if (rc)
				break;
			n++;
		}
		json_decref(page);
		if (rc)
			return -1;
		if (count < 500)
			break;
	}
	json_object_set_new(report, "expired", json_integer(n));
	return 0;
}

void quotes_register_jobs(void)
{
	job_register("quotes_expire", expire_job);
}

static const entity_hooks hooks = {
	.before_create = before_create,
	.after_create = after_create,
	.before_update = before_update,
	.before_delete = before_delete,
};

static const char *const list_indexes[] = { "customer_id,updated_at", "status,updated_at", NULL };

const entity_def quotes_entity = {
	.name = "quotes",
	.label = { "报价单", "Quotes" },
	.module = "sales",
	.flags = E_OWNED,
	.fields = fields,
	.title_field = "number",
	.default_sort = "-updated_at",
	.hooks = &hooks,
	.scope_via = "customer_id",
	.list_indexes = list_indexes,
	.children = children,
	.body_keys = body_keys,
};
