/*
 * commissions.h - commission plans and fee rules with versions and effective
 * dates, the versions pinned to each contract when it is signed, monthly
 * statements computed from the payments received, deductions the rep
 * acknowledges, closed months with adjustment lines, and a preview.
 *
 * The rule the module exists for (DESIGN.md, the story): a contract is
 * computed with the plan and fee-rule versions in force on its signed date as
 * they stood when it was signed.  They are pinned in commission_pins in the
 * transaction that signs it (a hook on contracts) and never change, so a plan
 * or fee rule written later - even one dated back - cannot touch it.
 *
 * Accrual: computed at statement time from the payments received in the month
 * and the contract's pinned versions (nothing is stored per payment until the
 * month is closed; then its lines are frozen in commission_lines and later
 * corrections show as adjustment lines in the next open month).
 * Every function takes the caller in op and answers JSON or NULL with op->err.
 */
#ifndef RAPPORT_COMMISSIONS_H
#define RAPPORT_COMMISSIONS_H

#include "../../core/entity.h"
#include "../../core/query.h"

void commissions_register(void);

/* POST /api/commission_plans (admin, finance) -> 201 the plan version */
json_t *comm_plan_create(ent_op *op, json_t *body);
/* GET /api/commission_plans[?name=] -> {"data":[...]} every version, newest first (everyone) */
json_t *comm_plan_list(ent_op *op, const char *name);
json_t *comm_plan_get(ent_op *op, int64_t id);
/* POST/GET /api/commission_fee_rules: the same for fee rules */
json_t *comm_fee_rule_create(ent_op *op, json_t *body);
json_t *comm_fee_rule_list(ent_op *op, const char *name);

/* GET /api/contracts/{id}/commission: the pinned versions and the lines so far */
json_t *comm_contract(ent_op *op, int64_t contract_id);
/* POST /api/contracts/{id}/commission_deductions {"amount","reason"} (admin, finance) -> 201 */
json_t *comm_deduction_create(ent_op *op, int64_t contract_id, json_t *body);
/* GET /api/commissions/deductions?status= : the caller's (finance and admins: all) */
json_t *comm_deduction_list(ent_op *op, const char *status);
/* POST /api/commissions/deductions/{id}/acknowledge (the rep it is addressed to) */
json_t *comm_deduction_ack(ent_op *op, int64_t id);

/* GET /api/commissions/statements?user_id=&month= */
json_t *comm_statement(ent_op *op, const char *user_id, const char *month);
/* POST /api/commissions/months/{month}/close (admin, finance) */
json_t *comm_month_close(ent_op *op, const char *month);
/* GET /api/commissions/months */
json_t *comm_month_list(ent_op *op);
/* GET /api/commissions/preview?amount=&currency= | quote_id= | opportunity_id= */
json_t *comm_preview(ent_op *op, const query_arg *args, int nargs);

#endif
