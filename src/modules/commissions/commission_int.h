/* commission_int.h - what the commission files share (not for other modules). */
#ifndef RAPPORT_COMMISSION_INT_H
#define RAPPORT_COMMISSION_INT_H

#include "commission_calc.h"
#include "commissions.h"

typedef struct comm_plan_row {
	int64_t id, version;
	char name[128];
	char effective_from[11];
	char basis[20];
	char tier_period[10];
	char currency[4];
	comm_plan calc;
	json_t *category_rates;    /* {"cat": rate_pct}; owned */
} comm_plan_row;

typedef struct comm_fee_row {
	int64_t id, version, rate_pct;
	char name[128];
	char reason[256];
} comm_fee_row;

/* helpers (commission_rules.c) */
/* The one integer of sql with one int parameter id (0 when no row). */
int64_t comm_count(db *d, const char *sql, int64_t id);
bool comm_may_manage(const auth_session *who);       /* admins and finance */
json_t *comm_pct_json(int64_t pct);
json_t *comm_money(int64_t amount, const char *currency);
int comm_load_plan(ent_op *op, int64_t id, comm_plan_row *p); /* 0, -1 with op->err */
void comm_plan_row_free(comm_plan_row *p);
int comm_load_fee(ent_op *op, int64_t id, comm_fee_row *f);
/* The plan version and fee rules that apply to owner on date, as now recorded:
 * *plan_id 0 when none; fee ids appended to fees (a JSON array). */
int comm_choose(ent_op *op, int64_t owner, const char *date, int64_t *plan_id, json_t *fees);
/* The pinned versions of a contract, pinning them now when missing (a contract
 * signed before this module, or never seen): 0, -1 with op->err; *signed_ false
 * when the contract is not signed (no commission). */
int comm_pin_get(ent_op *op, int64_t contract_id, int64_t *plan_id, json_t **fee_ids);

/* commission_lines.c */
int64_t comm_obj_int(json_t *o, const char *k);
void comm_obj_add(json_t *o, const char *k, int64_t v);
/* The tier period key of date under p's tier_period (m, q, y get all three). */
const char *comm_period_key(const comm_plan_row *p, const char *date, char m[16], char q[16], char y[16]);
/* Adds to in the portions of base at p's category rates, by the quote's lines. */
void comm_category_parts(ent_op *op, const comm_plan_row *p, int64_t quote_id, int64_t base, comm_input *in);
/* Every payment line of user up to date `to`, oldest first, each with the
 * internal members "_key" (p<payment id>) and "_month"; NULL with op->err. */
json_t *comm_payment_lines(ent_op *op, int64_t user, const char *to);
int64_t comm_line_money(json_t *line, const char *k);   /* a money member's amount */
const char *comm_line_currency(json_t *line);
void comm_strip_internal(json_t *lines);                /* drops "_key" and "_month" */
void comm_this_month(char out[8]);                       /* the company's month, YYYY-MM */
/* commission_statement.c: may the caller read user's commission? */
bool comm_may_read(ent_op *op, int64_t user);

#endif
