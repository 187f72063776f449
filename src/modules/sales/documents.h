/*
 * documents.h - from quote to cash: quotes (报价单), orders (订单), contracts
 * (合同) with their payment plans (回款计划), payments received (回款) and
 * invoices (发票), as declarations and hooks on the entity engine.  Line
 * items and instalments are child collections (entity.h, child_def); the
 * arithmetic is util/money.h's.  Shared helpers live in doc_common.c.
 */
#ifndef RAPPORT_DOCUMENTS_H
#define RAPPORT_DOCUMENTS_H

#include "../../core/entity.h"

extern const entity_def quotes_entity, quote_lines_entity;
extern const entity_def orders_entity, order_lines_entity;
extern const entity_def contracts_entity, contract_installments_entity;
extern const entity_def payments_entity, payment_allocations_entity;
extern const entity_def invoices_entity;

/* Called in the transaction of every contract create and update, with the
 * full record, when set: the commissions module pins the plan versions of a
 * contract as it is signed (the sales module does not depend on it). */
extern int (*contract_saved_hook)(ent_op *op, int64_t id, json_t *rec);
/* Registers the document entities (after the sales ones they refer to) and their jobs. */
void documents_register(void);
/* The daily job that expires sent quotes past their valid-until date. */
void quotes_register_jobs(void);

/* ---- doc_common.c ---- */

/* The company's today, "YYYY-MM-DD" (Asia/Shanghai). */
void doc_today(char out[11]);
/* A currency code (three capital letters) or NULL. */
bool doc_currency_ok(const char *c);
/* The amount and currency of a money value as the engine returns it (or a
 * bare integer); false when it is not one. */
bool doc_money(json_t *v, int64_t *amount, const char **currency);
json_t *doc_money_json(int64_t amount, const char *currency);

/* Line items: checks and completes every line of `items` (product defaults,
 * unit price in `currency`), computes each line's amount, discount, tax and
 * total, and sets the document's subtotal, discount, tax and total in rec.
 * `member` names the collection for error paths ("lines.2.quantity").
 * Returns -1 with a 422 naming each bad member. */
int doc_compute_lines(hook_ctx *h, json_t *items, const char *currency, json_t *rec, const char *member);
/* A copy of a read record's lines fit to be written again (no ids unless keep_ids). */
json_t *doc_lines_copy(json_t *lines, bool keep_ids);

/* A status change from -> to allowed by `allowed` ("draft>sent sent>accepted ...");
 * otherwise a 422 naming the field "status" with code "invalid_transition". */
int doc_transition(hook_ctx *h, const char *allowed, const char *from, const char *to);

/* The next number of entity (quotes, orders, contracts) from the admin's pattern. */
int doc_next_number(hook_ctx *h, const char *entity, char *out, size_t n);
/* GET/PUT /api/settings/numbering: {"quotes": pattern, "orders": ..., "contracts": ...}. */
json_t *doc_numbering_get(db *d);
json_t *doc_numbering_put(ent_op *op, json_t *body);

/* Takes the row lock of a record so that checks on its balance are not raced. */
int doc_lock(ent_op *op, const entity_def *e, int64_t id);
/* Sum of one query with one id parameter (a SELECT of one integer); -1 with op->err. */
int doc_sum(ent_op *op, const char *sql, int64_t id, int64_t *out);

/* A contract's balance: received (live payments), invoiced (not void), and
 * per instalment what was received against it (JSON {"<id>": amount}). */
int contract_received(ent_op *op, int64_t contract_id, int64_t *received);
int contract_invoiced(ent_op *op, int64_t contract_id, int64_t exclude_invoice, int64_t *invoiced);
json_t *contract_installment_received(ent_op *op, int64_t contract_id);

/* POST /api/quotes/{id}/revise: a new version (draft) of a sent quote,
 * body overriding fields and lines; the old one becomes "superseded". */
json_t *quote_revise(ent_op *op, int64_t id, json_t *body);
/* PUT /api/contracts/{id}/payment_plan {"installments":[...]} -> the contract. */
json_t *contract_set_plan(ent_op *op, int64_t id, json_t *body);
/* GET /api/customers/{id}/summary and /api/opportunities/{id}/summary. */
json_t *documents_summary(ent_op *op, const entity_def *parent, int64_t id);

#endif
