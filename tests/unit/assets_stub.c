/* assets_stub.c - a tiny fake web app (the shell and one hashed script) for the unit tests of static_find. */
#include "../../src/http/assets.h"

static const unsigned char shell[] = "<!doctype html><title>Rapport</title><div id=app></div>";
static const unsigned char script[] = "console.log('rapport')";

const asset assets[] = {
	{ "/index.html", "text/html; charset=utf-8", shell, sizeof(shell) - 1, NULL, 0, "\"shell\"", 0 },
	{ "/assets/app-abc123.js", "text/javascript; charset=utf-8", script, sizeof(script) - 1, NULL, 0,
	  "\"app\"", 1 },
};
const int assets_count = (int)(sizeof(assets) / sizeof(assets[0]));
