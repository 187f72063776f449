/*
 * approval_mail.c - approvers get a mail with one-click approve / reject
 * links (signed, expiring, single-use: action_link.h) besides the in-app
 * notification.  Mail only queues (mail.h) in the approval's transaction;
 * sending never blocks or fails the approval.  Users without an email
 * address get the in-app notification only.
 */
#include "approval_int.h"
#include "action_link.h"
#include "mail.h"
#include "../util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_TTL_SECONDS (7 * 24 * 3600)

/* RAPPORT_APPROVAL_LINK_TTL (seconds) shortens it, for the tests of expired links. */
static int link_ttl(void)
{
	const char *v = getenv("RAPPORT_APPROVAL_LINK_TTL");
	int n = v ? atoi(v) : 0;
	return n > 0 ? n : LINK_TTL_SECONDS;
}

int appr_mail_task(ent_op *op, int64_t task, int64_t approver, const char *subject, const char *text)
{
	char email[320] = "";
	db_stmt *s = db_prepare(op->db, "SELECT email FROM users WHERE id = ? AND disabled = 0");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, approver);
	if (db_step(s) == DB_ROW && db_col_text(s, 0))
		snprintf(email, sizeof(email), "%s", db_col_text(s, 0));
	db_done(s);
	if (!email[0] || !mail_address_valid(email))
		return 0;
	char yes[65], no[65], url_yes[600], url_no[600];
	int rc = action_link_create(op->db, approver, "approval.approve", task, link_ttl(), yes);
	if (!rc)
		rc = action_link_create(op->db, approver, "approval.reject", task, link_ttl(), no);
	if (rc)
		return op_db_fail(op, rc);
	mail_link_url(op->db, yes, url_yes, sizeof(url_yes));
	mail_link_url(op->db, no, url_no, sizeof(url_no));
	buf body = { 0 };
	buf_addf(&body, "%s\n\n%s\n\n同意 / Approve:\n%s\n\n驳回（需填写意见）/ Reject (with a comment):\n%s\n\n"
			"链接 7 天内有效，只能使用一次。/ The links work once, for 7 days.\n",
		 subject, text ? text : "", url_yes, url_no);
	/* a subject with a line break would be refused: keep the first line */
	char subj[300];
	snprintf(subj, sizeof(subj), "%s", subject);
	for (char *p = subj; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	rc = mail_enqueue(op->db, email, subj, buf_str(&body));
	buf_free(&body);
	return rc ? op_db_fail(op, rc) : 0;
}

static int link_act(ent_op *op, int64_t task, const char *comment, const char *action)
{
	json_t *body = comment ? json_pack("{s:s}", "comment", comment) : json_object();
	json_t *r = approval_task_act(op, task, action, body);
	int rc = r ? 0 : -1;
	json_decref(body);
	json_decref(r);
	return rc;
}

static int link_approve(ent_op *op, int64_t task, const char *comment)
{
	return link_act(op, task, comment, "approve");
}

static int link_reject(ent_op *op, int64_t task, const char *comment)
{
	return link_act(op, task, comment, "reject");
}

void appr_mail_register(void)
{
	action_link_register("approval.approve", link_approve);
	action_link_register("approval.reject", link_reject);
}
