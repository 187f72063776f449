/*
 * expenses.h - 费用: expense requests (事前申请: purpose, customer and
 * opportunity, trip dates and places, estimated costs, cash advance) and
 * reimbursements (报销: lines with category, date, amount, receipts; per-diem
 * lines from the trip's days and the admin's rate; the request it settles,
 * whose advance it closes).  Both go through the approval engine
 * (core/approval.h) with a built-in flow; finance marks an approved
 * reimbursement paid.
 */
#ifndef RAPPORT_EXPENSES_H
#define RAPPORT_EXPENSES_H

#include "../../core/entity.h"

extern const entity_def expenses_entity, expense_lines_entity;

/* Registers the entities and the built-in approval flow. */
void expenses_register(void);

/* POST /api/expenses/{id}/pay: an approved reimbursement is paid (the finance
 * role and admins); the request it settles has its advance closed. */
json_t *expense_pay(ent_op *op, int64_t id);

/* GET/PUT /api/settings/expenses: {"per_diem_rate": money per day} (PUT: admins). */
json_t *expense_settings(db *d);
json_t *expense_settings_put(ent_op *op, json_t *body);

#endif
