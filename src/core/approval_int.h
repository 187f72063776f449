/*
 * approval_int.h - what the files of the approval engine share (approval.c:
 * facts, plans, submit and withdraw; approval_flow.c: flows and versions;
 * approval_task.c: the approver's side and
 * the stages; approval_people.c: who approves; approval_sla.c: time limits;
 * approval_mail.c: mails with one-click links).  Not for other layers.
 */
#ifndef RAPPORT_APPROVAL_INT_H
#define RAPPORT_APPROVAL_INT_H

#include "approval.h"

#define APPR_ORD_GAP ((int64_t)1 << 20) /* between the stages of a plan; 加签 halves it */

/* "now" as ISO text (32 bytes) */
const char *appr_now(char out[32]);
/* The company's today "YYYY-MM-DD" */
void appr_today(char out[11]);

/* ---- people (approval_people.c) ---- */
/* The user's manager: users.manager_id, else the manager of their department
 * or of the nearest department above with one; never the user; 0 when none. */
int64_t appr_manager_of(db *d, int64_t user);
int64_t appr_user_department(db *d, int64_t user);
/* The manager of department dept or, going up, of the first with one who is not `not`; 0 when none. */
int64_t appr_department_manager(db *d, int64_t dept, int64_t not);
int64_t appr_department_parent(db *d, int64_t dept);
/* Enabled users holding role, as a JSON array of ids (new reference). */
json_t *appr_role_members(db *d, const char *role);
bool appr_user_enabled(db *d, int64_t user);
/* The name of a user (into out), "" when unknown. */
void appr_user_name(db *d, int64_t user, char *out, size_t n);
/* Whom the user's tasks go to on day (a delegation), following up to 3 hops; the user when none. */
int64_t appr_delegate_for(db *d, int64_t user, const char *day);

/* ---- flows and facts (approval.c) ---- */
/* The entity's current flow definition (new reference) and its version; NULL when none. */
json_t *appr_flow_current(db *d, const char *entity, int *version);
/* A JSON array of ids: the steps of `flow` that apply to facts, resolved to
 * stages [{"step","name","mode","limit","approvers":[ids]}]. */
json_t *appr_plan(ent_op *op, json_t *flow, json_t *facts, int64_t submitter);

/* Requests of a record (or only the one with id rid), newest first, with tasks and events. */
json_t *appr_requests_json(ent_op *op, const char *entity, int64_t record_id, int64_t rid);

/* ---- requests and tasks (approval_task.c) ---- */
int appr_event(ent_op *op, int64_t request, int64_t task, int64_t user, const char *action, const char *comment);
/* After a task was decided: activates the next stage, or ends the request approved. */
int appr_advance(ent_op *op, int64_t request);
/* Ends the request (approved, rejected, withdrawn): status, its record's mirror, the submitter told. */
int appr_finish(ent_op *op, int64_t request, const char *status, const char *comment);
/* Mirrors status onto the record's "approval_status" field when it has one (history: action). */
int appr_mirror(ent_op *op, const char *entity, int64_t record_id, const char *status, const char *action);
/* Tells a task's approver (in-app and by mail) that it waits for them; kind "approval" or "approval_reminder". */
int appr_tell_approver(ent_op *op, int64_t task, const char *kind);
/* A task as the inbox shows it (new reference), or NULL when there is none. */
json_t *appr_task_json(ent_op *op, int64_t task);

/* ---- mail (approval_mail.c) ---- */
/* Queues a mail to the task's approver with approve / reject links (when mail is set up). */
int appr_mail_task(ent_op *op, int64_t task, int64_t approver, const char *subject, const char *text);
/* Registers the link actions "approval.approve" and "approval.reject". */
void appr_mail_register(void);

#endif
