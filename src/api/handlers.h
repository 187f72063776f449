/* handlers.h - the route handlers, one group per file, listed in routes.c. */
#ifndef RAPPORT_HANDLERS_H
#define RAPPORT_HANDLERS_H

#include "api.h"

/* health_api.c */
int api_health(api_ctx *c);
/* auth_api.c */
int api_login(api_ctx *c);
int api_logout(api_ctx *c);
int api_me(api_ctx *c);
json_t *api_user_json(const auth_user *u);

#endif
