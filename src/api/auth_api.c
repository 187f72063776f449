/* auth_api.c - POST /api/auth/login, POST /api/auth/logout, GET /api/me. */
#include "handlers.h"
#include "../core/acl.h"
#include "../util/log.h"

#include <stdio.h>
#include <string.h>

#define SESSION_COOKIE "rapport_session"

json_t *api_user_json(const auth_user *u)
{
	json_error_t err;
	json_t *roles = json_loads(u->roles, 0, &err);
	if (!json_is_array(roles)) {
		json_decref(roles);
		roles = json_array();
	}
	json_t *j = json_pack("{s:I,s:s,s:s,s:s*,s:s,s:o}", "id", (json_int_t)u->id, "username", u->username,
			      "name", u->name, "email", u->email[0] ? u->email : NULL, "locale", u->locale,
			      "roles", roles);
	json_object_set_new(j, "department_id", u->department_id ? json_integer(u->department_id) : json_null());
	json_object_set_new(j, "manager_id", u->manager_id ? json_integer(u->manager_id) : json_null());
	return j;
}

static void set_session_cookie(api_ctx *c, const char *token, long max_age)
{
	c->set_cookie = arena_printf(c->a, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%ld%s",
				     token, max_age, c->secure ? "; Secure" : "");
}

int api_login(api_ctx *c)
{
	json_t *body = api_body_object(c);
	if (!body)
		return c->status;
	const char *username = json_string_value(json_object_get(body, "username"));
	const char *password = json_string_value(json_object_get(body, "password"));
	if (!username || !password || !*username || strlen(username) > 64 || strlen(password) > 256) {
		json_t *fields = json_object();
		if (!username || !*username)
			json_object_set_new(fields, "username", json_string("required"));
		if (!password)
			json_object_set_new(fields, "password", json_string("required"));
		if (!json_object_size(fields)) /* present but too long */
			json_object_set_new(fields, username && strlen(username) > 64 ? "username" : "password",
					    json_string("too_long"));
		json_decref(body); /* username and password point into it */
		return api_reply_json(c, 422, json_pack("{s:{s:s,s:s,s:o}}", "error", "code", "validation_failed",
							"message", "username and password are required", "fields", fields));
	}
	char token[AUTH_TOKEN_HEX];
	auth_session s;
	enum auth_result r = auth_login(c->db, username, password, c->address, token, &s);
	json_decref(body);
	switch (r) {
	case AUTH_OK:
		break;
	case AUTH_LIMITED:
		return api_error(c, 429, "rate_limited", "too many failed logins; wait a minute and try again");
	case AUTH_BAD_CREDENTIALS:
	case AUTH_DISABLED:
		return api_error(c, 401, "unauthenticated", "wrong username or password");
	default:
		return api_db_error(c, db_errcode(c->db));
	}
	set_session_cookie(c, token, (long)(AUTH_ABSOLUTE_MS / 1000));
	log_info("login user=%s", s.user.username);
	return api_reply_json(c, 200, json_pack("{s:o,s:s}", "user", api_user_json(&s.user), "csrf_token", s.csrf));
}

int api_logout(api_ctx *c)
{
	auth_logout(c->db, c->session->token_hash);
	set_session_cookie(c, "", 0);
	return api_reply_empty(c, 204);
}

int api_me(api_ctx *c)
{
	return api_reply_json(c, 200, json_pack("{s:o,s:s,s:o}", "user", api_user_json(&c->session->user),
						"csrf_token", c->session->csrf, "permissions", acl_json(c->session)));
}
