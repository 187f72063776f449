/*
 * notify.h - in-app notifications: a list per user with an unread count.
 * Email delivery comes with the approvals issue; callers only say what
 * happened and to whom.
 */
#ifndef RAPPORT_NOTIFY_H
#define RAPPORT_NOTIFY_H

#include "entity.h"

/* dedupe_key (may be NULL): a second notification with the same key is dropped. */
int notify(ent_op *op, int64_t user_id, const char *kind, const char *title, const char *body,
	   const char *entity, int64_t record_id, const char *dedupe_key);
/* {"data":[...], "unread": N} for the caller, newest first. */
json_t *notify_list(ent_op *op, int64_t limit, bool unread_only);
int notify_mark_read(ent_op *op, int64_t id); /* id 0: all */

#endif
