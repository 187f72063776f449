/*
 * sales.h - the sales records: customers, contacts, leads, opportunities,
 * follow-up activities and products, as declarations and hooks on the
 * entity engine (core/entity.h).
 */
#ifndef RAPPORT_SALES_H
#define RAPPORT_SALES_H

#include "../../core/entity.h"

extern const entity_def customers_entity;
extern const entity_def contacts_entity;
extern const entity_def leads_entity;
extern const entity_def opportunities_entity;
extern const entity_def activities_entity;
extern const entity_def products_entity;

/* Registers the sales entities and their option lists. */
void sales_register(void);

/* POST /api/leads/{id}/convert: customer, contact and (when body has
 * "opportunity") an opportunity in one transaction; the lead becomes
 * read-only.  body may name an existing "customer_id" instead of creating one.
 * Returns {"customer","contact","opportunity"} or NULL with op->err. */
json_t *lead_convert(ent_op *op, int64_t lead_id, json_t *body);

/* POST /api/customers/{id}/transfer: the customer and its contacts, open
 * opportunities and open follow-ups to a new owner, in one transaction. */
json_t *customer_transfer(ent_op *op, int64_t id, int64_t owner);

#endif
