/*
 * mail.h - the outgoing mail queue (mail_outbox, migration 6) and the SMTP
 * settings the administrator gives.
 *
 * A caller only queues: mail_enqueue() inserts a row in the caller's own
 * transaction, so a mail exists exactly when the business change that sends
 * it committed, and sending (a job: src/jobs/mail_job.c) never blocks or
 * fails that change.  The job retries with growing pauses and gives up after
 * MAIL_MAX_ATTEMPTS, keeping the last error on the row.
 */
#ifndef RAPPORT_MAIL_H
#define RAPPORT_MAIL_H

#include "entity.h"

#define MAIL_MAX_ATTEMPTS 8

/* Queues a plain-text UTF-8 mail; 0, or a negative DB_ERR_* code (also for an
 * address or subject holding a line break, which would forge headers). */
int mail_enqueue(db *d, const char *to, const char *subject, const char *text_body);

/* The pause before attempt n+1 after n failed attempts: 1 min, 2, 4, ... at most 6 h. */
int64_t mail_backoff_ms(int attempts);

/* Is s one plain mailbox address (local@domain, no spaces or line breaks)? */
bool mail_address_valid(const char *s);

/* {"host","port","security":"none"|"starttls"|"tls","username","has_password",
 *  "from","base_url"}: what an admin sees (never the password). */
json_t *mail_settings(db *d);
/* The same with "password", for the sender only. */
json_t *mail_settings_secret(db *d);
/* Admins; any subset of host, port, security, username, password, from,
 * base_url; password "" clears it.  0, or -1 with op->err (403, 422). */
int mail_settings_save(ent_op *op, json_t *body);

/* "<base_url>/l/<token>": the address of an action link for a mail. */
void mail_link_url(db *d, const char *token, char *out, size_t n);


/* POST /api/settings/mail/test (admins): queues a test mail to `to` holding a
 * one-click link (action "mail_test", a day long) that, followed, puts a
 * notification in the admin's list.  {"queued":true,"to"}; NULL with op->err. */
json_t *mail_queue_test(ent_op *op, const char *to);
/* GET /api/mail/outbox?status= (admins): the newest 200 queued, sent or
 * failed mails with attempts and last error: {"data":[...]}. */
json_t *mail_outbox_list(ent_op *op, const char *status);
/* Registers the "mail_test" link action; once, before the server starts. */
void mail_register_actions(void);

#endif
