/*
 * mail_job.h - sends the queued mail (core/mail.h) through the admin's SMTP
 * server with libcurl.  Runs on every scheduler pass (RAPPORT_JOBS_INTERVAL,
 * 60 s by default) and on `rapport jobs run`.  Each row is leased before it is
 * sent, so several servers on one database never send one mail twice at once.
 */
#ifndef RAPPORT_MAIL_JOB_H
#define RAPPORT_MAIL_JOB_H

#include "jobs.h"

/* Sends what is due: report {"sent","retry","gave_up","not_configured"}. */
int mail_job(ent_op *op, int64_t now_ms, json_t *report);

/* One message through the server of settings (mail_settings_secret()); 0, or
 * -1 with the reason in err. */
int mail_send(json_t *settings, const char *to, const char *subject, const char *body, char *err, size_t errlen);

/* The RFC 5322 text of a message (CRLF lines, base64 UTF-8 body); caller frees. */
char *mail_format(const char *from, const char *to, const char *subject, const char *body, int64_t now_ms);

#endif
