/* demo.c - see demo.h.  Names are drawn from small Chinese and English lists. */
#include "demo.h"
#include "../sales/documents.h"
#include "../sales/sales.h"
#include "../../core/record.h"
#include "../../util/clock.h"

#include <stdio.h>
#include <string.h>

static uint64_t seed = 20261129;

static uint32_t rnd(uint32_t n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(seed >> 33) % n;
}

#define PICK(a) (a[rnd(sizeof(a) / sizeof(a[0]))])

static const char *const cities[][2] = {
	{ "北京", "北京" }, { "上海", "上海" }, { "广东", "深圳" }, { "广东", "广州" }, { "浙江", "杭州" },
	{ "江苏", "苏州" }, { "江苏", "南京" }, { "四川", "成都" }, { "湖北", "武汉" }, { "山东", "青岛" },
	{ "辽宁", "沈阳" }, { "陕西", "西安" }, { "天津", "天津" }, { "重庆", "重庆" }, { "河南", "郑州" },
};
static const char *const brand[] = { "华夏", "东方", "恒通", "中科", "远大", "长城", "华锐", "金石", "瑞丰",
				     "海川", "鼎盛", "天工", "宏达", "精工", "博远", "新锐", "正泰", "同创" };
static const char *const trade[] = { "机械", "重工", "电气", "自动化", "智能装备", "能源科技", "精密制造",
				     "环保设备", "液压", "机床", "传动" };
static const char *const en_names[] = { "Atlas Machinery Ltd", "Nordic Energy Systems", "Pacific Automation Inc",
					"Summit Industrial GmbH", "Orion Process Equipment", "Helix Robotics",
					"Baltic Power Solutions", "Keystone Hydraulics", "Vertex Engineering",
					"Meridian Tools Co" };
static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰",
				     "涛", "明", "超", "秀英", "建华", "海燕", "志强", "晓东" };
static const char *const en_people[] = { "John Smith", "Anna Müller", "David Chen", "Maria Rossi", "Tom Baker",
					 "Sarah Johnson", "Lars Nilsson", "Emma Brown" };
static const char *const titles[] = { "采购经理", "总经理", "技术总监", "设备部长", "项目经理", "财务总监",
				      "Purchasing Manager", "Plant Manager" };
static const char *const industries[] = { "manufacturing", "energy", "construction", "it", "logistics", "other" };
static const char *const grades[] = { "A", "B", "B", "C", "C", "C", "D" };
static const char *const statuses[] = { "potential", "potential", "intent", "intent", "deal", "lost" };
static const char *const sources[] = { "website", "referral", "exhibition", "cold_call", "advertising", "partner" };
static const char *const stages[] = { "initial", "needs_analysis", "proposal", "negotiation", "won", "lost" };
static const char *const products[][3] = {
	{ "CK6150", "数控车床 CK6150", "机床" }, { "VMC850", "立式加工中心 VMC850", "机床" },
	{ "HP-200", "液压站 HP-200", "液压" }, { "RB-60", "六轴机器人 RB-60", "自动化" },
	{ "PLC-S7", "PLC 控制柜", "自动化" }, { "AC-90", "空压机 AC-90", "动力" },
	{ "CNV-12", "输送线 12 米", "自动化" }, { "SRV-Y1", "年度维保服务", "服务" },
};
static const char *const subjects[][2] = {
	{ "call", "电话沟通需求" }, { "visit", "现场拜访，了解产线情况" }, { "meeting", "技术交流会" },
	{ "email", "发送产品资料" }, { "call", "跟进报价反馈" }, { "visit", "陪同参观样板工厂" },
	{ "note", "客户预算确认" }, { "meeting", "Project kick-off call" }, { "email", "Sent the quotation" },
};

static json_t *create(ent_op *op, const entity_def *e, json_t *body)
{
	json_object_set_new(body, "allow_duplicate", json_true());
	json_t *r = record_create(op, e, body);
	json_decref(body);
	return r;
}

static void iso_days_ago(int days, int hour, char out[32])
{
	int64_t ms = clock_now_ms() - (int64_t)days * 86400000LL;
	ms -= ms % 86400000LL;
	clock_format_iso(ms + (int64_t)hour * 3600000LL, out, 32);
}

static int make_customer(ent_op *op, int i)
{
	char name[160], phone[32], when[32], next[32], date[16];
	int city = (int)rnd(sizeof(cities) / sizeof(cities[0]));
	if (i % 9 == 8 && i / 9 < 10) /* each English name once: the demo has no duplicates */
		snprintf(name, sizeof(name), "%s", en_names[i / 9]);
	else
		snprintf(name, sizeof(name), "%s%s%s有限公司", cities[city][1], PICK(brand), PICK(trade));
	snprintf(phone, sizeof(phone), "0%d-%04u %04u", 10 + (int)rnd(90), rnd(10000), rnd(10000));
	json_t *c = create(op, &customers_entity,
			   json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "name", name, "industry", PICK(industries),
				     "grade", PICK(grades), "status", PICK(statuses), "source", PICK(sources),
				     "province", cities[city][0], "city", cities[city][1], "phone", phone));
	if (!c)
		return -1;
	json_int_t cid = json_integer_value(json_object_get(c, "id"));
	json_decref(c);
	int ncontacts = 1 + (int)rnd(3);
	json_int_t first_contact = 0;
	for (int k = 0; k < ncontacts; k++) {
		char person[64], mobile[16];
		if (i % 9 == 8)
			snprintf(person, sizeof(person), "%s", PICK(en_people));
		else
			snprintf(person, sizeof(person), "%s%s", PICK(surnames), PICK(given));
		snprintf(mobile, sizeof(mobile), "13%d%08u", (int)rnd(10), rnd(100000000));
		json_t *p = create(op, &contacts_entity,
				   json_pack("{s:I,s:s,s:s,s:s,s:b}", "customer_id", cid, "name", person, "title",
					     PICK(titles), "mobile", mobile, "is_primary", k == 0));
		if (!p)
			return -1;
		if (!first_contact)
			first_contact = json_integer_value(json_object_get(p, "id"));
		json_decref(p);
	}
	json_int_t oid = 0;
	if (rnd(10) < 6) {
		int stage = (int)rnd(6);
		snprintf(name, sizeof(name), "%s 设备采购项目", PICK(products)[1]);
		iso_days_ago(-(int)rnd(300) - 10, 0, when);
		snprintf(date, sizeof(date), "%.10s", when);
		json_t *o = create(op, &opportunities_entity,
				   json_pack("{s:I,s:s,s:{s:I,s:s},s:s,s:s}", "customer_id", cid, "name", name, "amount",
					     "amount", (json_int_t)(5 + rnd(495)) * 1000000, "currency", "CNY",
					     "stage", stages[stage], "expected_close_on", date));
		if (!o)
			return -1;
		oid = json_integer_value(json_object_get(o, "id"));
		json_decref(o);
	}
	int nact = (int)rnd(5);
	for (int k = 0; k < nact; k++) {
		int s = (int)rnd(sizeof(subjects) / sizeof(subjects[0]));
		/* the latest within the last ten days: a live pipeline, not a pool */
		iso_days_ago((nact - 1 - k) * 20 + (int)rnd(10), 9 + (int)rnd(8), when);
		json_t *body = json_pack("{s:s,s:s,s:s,s:I,s:I}", "type", subjects[s][0], "subject", subjects[s][1],
					 "occurred_at", when, "customer_id", cid, "contact_id", first_contact);
		if (oid)
			json_object_set_new(body, "opportunity_id", json_integer(oid));
		if (k == nact - 1) {
			iso_days_ago(-(int)rnd(14) - 1, 10, next);
			json_object_set_new(body, "next_follow_up_at", json_string(next));
			json_object_set_new(body, "next_step", json_string("准备技术方案和报价"));
		}
		json_t *a = create(op, &activities_entity, body);
		if (!a)
			return -1;
		json_decref(a);
	}
	return 0;
}

static int make_leads(ent_op *op, int n)
{
	static const char *const lstatus[] = { "new", "new", "contacted", "qualified", "disqualified" };
	for (int i = 0; i < n; i++) {
		char person[64], company[160], mobile[16];
		snprintf(person, sizeof(person), "%s%s", PICK(surnames), PICK(given));
		snprintf(company, sizeof(company), "%s%s%s股份有限公司", cities[rnd(15)][1], PICK(brand), PICK(trade));
		snprintf(mobile, sizeof(mobile), "15%d%08u", (int)rnd(10), rnd(100000000));
		json_t *l = create(op, &leads_entity,
				   json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", person, "company", company, "mobile", mobile,
					     "source", PICK(sources), "status", PICK(lstatus)));
		if (!l)
			return -1;
		json_decref(l);
	}
	return 0;
}

static int make_products(ent_op *op)
{
	for (size_t i = 0; i < sizeof(products) / sizeof(products[0]); i++) {
		int64_t price = (int64_t)(20000 + rnd(800000)) * 100;
		json_t *p = create(op, &products_entity,
				   json_pack("{s:s,s:s,s:s,s:{s:I,s:s},s:{s:I,s:s}}", "code", products[i][0], "name",
					     products[i][1], "category", products[i][2], "list_price", "amount",
					     (json_int_t)price, "currency", "CNY", "cost_price", "amount",
					     (json_int_t)(price * 7 / 10), "currency", "CNY"));
		if (!p)
			return -1;
		json_decref(p);
	}
	return 0;
}

/* "YYYY-MM-DD" days from now (negative: ago). */
static void date_in(int days, char out[16])
{
	char iso[32];
	iso_days_ago(-days, 0, iso);
	snprintf(out, 16, "%.10s", iso);
}

/* Quotes for opportunities well under way; for the won ones an accepted quote,
 * a signed contract with a three-part payment plan, a first payment and an
 * invoice request.  Deterministic without rnd(), so the rest of the demo
 * stays as it was. */
static int make_documents(ent_op *op)
{
	query_arg oargs[] = { { "filter[stage][in]", "proposal,negotiation,won" }, { "sort", "id" }, { "limit", "12" } };
	query_arg pargs[] = { { "sort", "code" }, { "limit", "8" } };
	json_t *opps = record_list_system(op, &opportunities_entity, oargs, 3);
	json_t *prods = record_list_system(op, &products_entity, pargs, 2);
	int rc = opps && prods ? 0 : -1;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(opps, "data"), i, o) {
		if (rc)
			break;
		json_t *pl = json_object_get(prods, "data");
		json_t *p1 = json_array_get(pl, i % json_array_size(pl)), *p2 = json_array_get(pl, (i + 3) % json_array_size(pl));
		char valid[16], signed_on[16], d1[16], d2[16], d3[16], paid[16];
		date_in(30, valid);
		json_t *lines = json_pack("[{s:O,s:s,s:s,s:s},{s:O,s:i,s:s,s:s},{s:s,s:s,s:s,s:{s:i,s:s},s:s}]",
					  "product_id", json_object_get(p1, "id"), "quantity", i % 2 ? "2" : "1",
					  "discount_percent", "5", "tax_rate_percent", "13",
					  "product_id", json_object_get(p2, "id"), "quantity", 1 + (int)(i % 3),
					  "discount_percent", "0", "tax_rate_percent", "13",
					  "description", "安装调试及培训", "unit", "项", "quantity", "1", "unit_price",
					  "amount", 800000, "currency", "CNY", "tax_rate_percent", "6");
		json_t *q = create(op, &quotes_entity,
					  json_pack("{s:O,s:O,s:s,s:o}", "opportunity_id", json_object_get(o, "id"), "title",
						    json_object_get(o, "name"), "valid_until", valid, "lines", lines));
		if (!q) {
			rc = -1;
			break;
		}
		const char *stage = json_string_value(json_object_get(o, "stage"));
		int64_t qid = json_integer_value(json_object_get(q, "id"));
		json_t *set = json_pack("{s:s}", "status", strcmp(stage, "won") ? "sent" : "accepted");
		if (strcmp(stage, "proposal"))
			rc = record_set_fields(op, &quotes_entity, qid, set, "update");
		json_decref(set);
		if (rc || strcmp(stage, "won")) {
			json_decref(q);
			continue;
		}
		/* the won ones: a signed contract, its plan, the first payment and an invoice request */
		int64_t total = json_integer_value(json_object_get(json_object_get(q, "total"), "amount"));
		int64_t a1 = total * 3 / 10, a2 = total * 6 / 10, a3 = total - a1 - a2;
		date_in(-40, signed_on);
		date_in(-10, d1);
		date_in(60, d2);
		date_in(180, d3);
		date_in(-12, paid);
		json_decref(q);
		json_t *c = create(op, &contracts_entity,
					  json_pack("{s:I,s:s,s:s,s:s}", "quote_id", (json_int_t)qid, "signed_on", signed_on,
						    "start_on", signed_on, "customer_signatory", "总经理"));
		if (!c) {
			rc = -1;
			break;
		}
		int64_t cid = json_integer_value(json_object_get(c, "id"));
		json_decref(c);
		json_t *plan = json_pack("{s:[{s:s,s:{s:I,s:s},s:s},{s:s,s:{s:I,s:s},s:s},{s:s,s:{s:I,s:s},s:s}]}",
					 "installments", "due_on", d1, "amount", "amount", (json_int_t)a1, "currency", "CNY",
					 "note", "预付款", "due_on", d2, "amount", "amount", (json_int_t)a2, "currency", "CNY",
					 "note", "到货款", "due_on", d3, "amount", "amount", (json_int_t)a3, "currency", "CNY",
					 "note", "质保金");
		c = contract_set_plan(op, cid, plan);
		json_decref(plan);
		json_t *first = json_array_get(json_object_get(c, "installments"), 0);
		json_t *pay = c && i % 2 == 0
			? create(op, &payments_entity,
					json_pack("{s:I,s:O,s:{s:I,s:s},s:s,s:s}", "contract_id", (json_int_t)cid,
						  "installment_id", json_object_get(first, "id"), "amount", "amount",
						  (json_int_t)a1, "currency", "CNY", "received_on", paid, "method",
						  "bank_transfer"))
			: json_object();
		json_t *inv = pay ? create(op, &invoices_entity,
						   json_pack("{s:I,s:s,s:{s:I,s:s},s:s,s:O,s:s}", "contract_id", (json_int_t)cid,
							     "type", "vat_special", "amount", "amount", (json_int_t)a1,
							     "currency", "CNY", "tax_rate_percent", "13", "buyer_title",
							     json_object_get(json_object_get(c, "_labels"), "customer_id"),
							     "buyer_tax_number", "91110108MA01DEMO0X"))
				  : NULL;
		if (!c || !pay || !inv)
			rc = -1;
		json_decref(c);
		json_decref(pay);
		json_decref(inv);
	}
	json_decref(opps);
	json_decref(prods);
	return rc;
}

int demo_fill(ent_op *op, int customers)
{
	if (op_begin(op))
		return -1;
	int rc = make_products(op);
	for (int i = 0; i < customers && !rc; i++)
		rc = make_customer(op, i);
	if (!rc)
		rc = make_leads(op, customers / 4);
	if (!rc)
		rc = make_documents(op);
	if (rc) {
		op_rollback(op);
		return -1;
	}
	return op_commit(op);
}
