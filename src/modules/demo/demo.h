/*
 * demo.h - `rapport init --demo`: a realistic bilingual demo company, made
 * through the engine (validation, hooks and history apply) and repeatable
 * (a fixed random seed).
 */
#ifndef RAPPORT_DEMO_H
#define RAPPORT_DEMO_H

#include "../../core/entity.h"

/* Fills the database as `who`; returns 0, or -1 with op->err set. */
int demo_fill(ent_op *op, int customers);

#endif
