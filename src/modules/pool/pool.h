/*
 * pool.h - the customer pool (公海): customers without an owner.
 *
 * Reps claim from the pool and release to it; a released customer goes to
 * the pool of the releaser's department, which its members and managers see.
 * A daily job returns customers to the pool when their owner has not
 * followed up for N days or not won them within M days (N and M per grade),
 * reminding the owner a few days before.  A rep may hold at most
 * max_customers, and may not re-claim a customer they gave up within
 * cooldown_days.  Every move is in the customer's history.
 */
#ifndef RAPPORT_POOL_H
#define RAPPORT_POOL_H

#include "../../core/entity.h"

void pool_register(void);
/* The settings with defaults filled in:
 * {"enabled","max_customers","cooldown_days","reminder_days",
 *  "rules":{"A":{"no_follow_up_days","not_won_days"},...,"default":{...}}} */
json_t *pool_settings(db *d);
int pool_settings_save(ent_op *op, json_t *body);
json_t *pool_claim(ent_op *op, int64_t customer_id);
json_t *pool_release(ent_op *op, int64_t customer_id);

#endif
