/*
 * approval.h - the approval engine, for any entity (审批).
 *
 * An administrator defines a flow per entity (expenses, quotes, contracts,
 * ...): conditions on the facts of a document (amount band, the submitter's
 * department, discount %) choose its steps; each step names its approvers
 * (the submitter's manager, the manager chain up N levels, the department's
 * manager or the one above, a role, named users) and whether one of them
 * (或签, "any") or all of them (会签, "all") must approve.  Below the flow's
 * threshold a document is approved at once, automatically, and says so.
 *
 * Flows are versioned: saving one makes the next version.  Submitting a
 * document resolves its steps into tasks right away (approval_tasks), so a
 * document in flight finishes on the version and the people it started with.
 * Tasks of one stage (same `ord`) wait together; an approver may add a signer
 * before or after themselves (加签) for this one document, hand the task to
 * someone (delegate), approve (comment optional) or reject (comment needed).
 * A delegation (approval_delegation_create) sends a user's tasks to a
 * colleague while they are away.  approval_sla_job reminds an approver whose
 * task waited past its time limit, then escalates it to their manager.
 *
 * An entity whose declaration has an enum field "approval_status" gets it
 * mirrored (draft, pending, approved, rejected, withdrawn) with history; the
 * others are asked through approval_status_of().  Tables: migration 8.
 */
#ifndef RAPPORT_APPROVAL_H
#define RAPPORT_APPROVAL_H

#include "entity.h"

/* A module gives an entity a built-in flow (JSON text of a definition, see
 * docs/api.md "Approvals"); used until an admin saves a version of their own.
 * Before the server starts. */
void approval_register_builtin(const char *entity, const char *definition);

/* ---- documents ---- */
/* POST /api/{entity}/{id}/submit: starts (or restarts) the approval of a
 * record the caller may edit; answers the record with "approval_status" and
 * "approval" ({"request_id","status","automatic","message"}). */
json_t *approval_submit(ent_op *op, const entity_def *e, int64_t id);
/* POST /api/{entity}/{id}/withdraw: the pending approval ends as withdrawn. */
json_t *approval_withdraw(ent_op *op, const entity_def *e, int64_t id);
/* GET /api/{entity}/{id}/approval: {"status","requests":[{...,"tasks","events"}]} newest first. */
json_t *approval_record_state(ent_op *op, const entity_def *e, int64_t id);
/* The status of the record's latest approval ("draft" when none); 0 or -1 with op->err. */
int approval_status_of(ent_op *op, const entity_def *e, int64_t id, char out[16]);
/* For hooks: fails (422, fields.<field> = "approval_required") unless the
 * record rec needs no approval under the entity's flow or is approved with
 * the facts it has now.  Entities without any flow pass. */
int approval_gate(hook_ctx *h, json_t *rec, const char *field);
/* Did an amount the entity's flow looks at change between old and patch? */
bool approval_facts_changed(db *d, const entity_def *e, json_t *old, json_t *patch);

/* ---- the approver's side ---- */
/* GET /api/approvals?status=pending|done|all&limit=&offset= → {"data":[task...],"total"} */
json_t *approval_inbox(ent_op *op, const char *status, int64_t limit, int64_t offset);
/* GET /api/approvals/{id}: the task with its document and request; 404 unless the caller's. */
json_t *approval_task_get(ent_op *op, int64_t task_id);
/* POST /api/approvals/{id}/{approve|reject|delegate|add_signer} → the task. */
json_t *approval_task_act(ent_op *op, int64_t task_id, const char *action, json_t *body);

/* ---- delegations ---- */
/* {"delegate_id","from","to"[,"user_id" (admins)]} → 201 the delegation */
json_t *approval_delegation_create(ent_op *op, json_t *body);
/* the caller's (admins: everyone's) → {"data":[...]} */
json_t *approval_delegation_list(ent_op *op);
int approval_delegation_delete(ent_op *op, int64_t id);

/* ---- flows (admins) ---- */
/* {"data":[{"entity","version","builtin","definition","versions"}]} */
json_t *approval_flows_list(ent_op *op);
json_t *approval_flow_get(ent_op *op, const char *entity);
/* Saves the definition as the next version; → the flow. */
json_t *approval_flow_put(ent_op *op, const char *entity, json_t *body);

/* ---- time limits: a job (jobs.h job_fn) ---- */
int approval_sla_job(ent_op *op, int64_t now_ms, json_t *report);

#endif
