/*
 * aggregate.h - counts and sums per group, within the caller's scope, with
 * the same filters as a list: the pipeline board's column totals, dashboards.
 *
 *   GET /api/opportunities/aggregate?group=stage&sum=amount&filter[owner_id]=7
 *   GET /api/opportunities/aggregate?group=expected_close_on:month&sum=amount
 *   → {"groups":[{"key":"proposal","count":27,"sum":141910700,"currency":"CNY"}],
 *      "count":N,"sum":S,"currency":"CNY"}
 *
 * group: an enum, reference, boolean or indexed field, or a date/datetime
 * with :year, :month or :day.  sum: an integer, decimal or money field.
 * currency is "mixed" when a money sum adds several currencies.
 */
#ifndef RAPPORT_AGGREGATE_H
#define RAPPORT_AGGREGATE_H

#include "entity.h"
#include "query.h"

json_t *record_aggregate(ent_op *op, const entity_def *e, const query_arg *args, int nargs);

#endif
