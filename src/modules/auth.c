#include "base/common.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/matcher.h"
#include "modules/modutil.h"
#include "modules/webform.h"
#include "secrets/secrets.h"
#include <ctype.h>
#include <jansson.h>

/*
 * auth: how the site handles credentials, seen from outside. Login forms served over HTTP or
 * posting to http:, JWTs handed to the browser that are unsigned or signed with a well-known
 * secret (rules/auth/jwt-secrets.json, checked offline), credentials in link URLs, Basic auth
 * over HTTP, and admin panels and installers (rules/probes/auth.json, content-matched).
 */

#define AUTH_MAX_JWT 32

struct auth_ctx {
	struct scan_target *t;
	const char *page;      /* URL of the page being read */
	char **secrets;        /* candidate JWT secrets */
	size_t nsecrets;
	char **samples;        /* documentation tokens (the jwt.io example) that libraries ship in their code */
	size_t nsamples;
	char *seen[AUTH_MAX_JWT];
	size_t nseen;
};

/* --- forms --- */

static void auth_on_form(void *ud, const struct webform *f)
{
	struct auth_ctx *c = ud;
	if (!f->password)
		return;
	bool page_http = str_starts_with_nocase(c->page, "http://");
	bool action_http = str_starts_with_nocase(f->action, "http://");
	if (page_http) {
		char *ev = xasprintf("%s serves a password field over plain HTTP (the form submits to %s)", c->page, f->action);
		modutil_emit(c->t, "auth", "auth.login-form-http", c->page, NULL, ev);
		free(ev);
	} else if (action_http) {
		char *ev = xasprintf("The password form of %s submits to %s", c->page, f->action);
		modutil_emit(c->t, "auth", "auth.login-posts-http", c->page, NULL, ev);
		free(ev);
	}
}

/* --- JWTs --- */

static void auth_jwt(struct auth_ctx *c, const char *where, const char *tok, size_t len)
{
	char hash[65];
	crypto_sha256_hex(tok, len, hash);
	for (size_t i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i], hash))
			return;
	if (c->nseen == AUTH_MAX_JWT)
		return;
	for (size_t i = 0; i < c->nsamples; i++)
		if (len >= strlen(c->samples[i]) && !strncmp(tok, c->samples[i], strlen(c->samples[i])))
			return;
	c->seen[c->nseen++] = xstrdup(hash);
	struct secret_jwt_sig sig;
	secret_jwt_signature(tok, len, (const char *const *)c->secrets, c->nsecrets, &sig);
	if (!sig.valid)
		return;
	char red[48];
	secret_redact(tok, len, red, sizeof(red));
	struct finding_spec spec = {.location = where, .severity = -1, .discriminator = hash};
	char *ev = NULL;
	if (!strcasecmp(sig.alg, "none")) {
		ev = xasprintf("JWT %s in %s has header alg \"%s\" (no signature)", red, where, sig.alg);
		spec.check = "auth.jwt-alg-none";
	} else if (sig.weak_key >= 0) {
		/* the secret itself is public knowledge (a default), yet it is shown only by its length */
		ev = xasprintf("JWT %s in %s (%s) verifies with a well-known secret of %zu characters from secscan's list",
			       red, where, sig.alg, strlen(c->secrets[sig.weak_key]));
		spec.check = "auth.jwt-weak-secret";
	} else {
		return;
	}
	spec.evidence = ev;
	scan_emit(c->t, "auth", &spec);
	free(ev);
}

static bool auth_b64url(char ch)
{
	return isalnum((unsigned char)ch) || ch == '-' || ch == '_';
}

/* Every compact JWT in text: "eyJ" header . "eyJ" payload . signature (may be empty for alg none). */
static void auth_jwts_in(struct auth_ctx *c, const char *where, const char *s, size_t len)
{
	for (size_t i = 0; i + 10 < len; i++) {
		if (s[i] != 'e' || strncmp(s + i, "eyJ", 3) || (i > 0 && auth_b64url(s[i - 1])))
			continue;
		size_t e = i, dots = 0;
		while (e < len && e - i < 8192 && (auth_b64url(s[e]) || (s[e] == '.' && dots < 2 && ++dots)))
			e++;
		if (dots == 2 && e > i + 10)
			auth_jwt(c, where, s + i, e - i);
		i = e;
	}
}

/* --- tokens in URLs --- */

static void auth_on_param(void *ud, const char *url, size_t ulen, const char *name, size_t nlen, const char *value,
			  size_t vlen)
{
	struct auth_ctx *c = ud;
	char red[48];
	secret_redact(value, vlen, red, sizeof(red));
	char *ev = xasprintf("%.*s%.*s=%s on %s", (int)MIN(ulen, (size_t)200), url, (int)MIN(nlen, (size_t)40), name,
			     red, c->page);
	char *detail = xstrndup(name, MIN(nlen, (size_t)40));
	char hash[65];
	crypto_sha256_hex(value, vlen, hash);
	struct finding_spec spec = {.check = "auth.token-in-url", .location = c->page, .detail = detail, .evidence = ev,
				    .severity = -1, .discriminator = hash};
	scan_emit(c->t, "auth", &spec);
	free(detail);
	free(ev);
}

/* --- Basic auth over HTTP --- */

static void auth_basic_http(struct scan_target *t)
{
	const struct http_response *rs[] = {t->main, t->plain};
	for (size_t i = 0; i < ARRAY_SIZE(rs); i++) {
		const struct http_response *r = rs[i];
		const char *v = r && !r->err && r->url ? http_header_get(r, "WWW-Authenticate") : NULL;
		if (!v || !str_starts_with_nocase(r->url, "http://") || !str_starts_with_nocase(v, "basic"))
			continue;
		char *ev = xasprintf("%s answered HTTP %ld with WWW-Authenticate: %.200s over plain HTTP", r->url, r->status, v);
		modutil_emit(t, "auth", "auth.basic-over-http", r->url, NULL, ev);
		free(ev);
		return;
	}
}

static int auth_load_secrets(struct auth_ctx *c)
{
	size_t len;
	const char *text = modutil_rule("auth/jwt-secrets.json", &len);
	json_t *root = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *arr = json_object_get(root, "secrets");
	if (!json_is_array(arr)) {
		log_error("auth: rules/auth/jwt-secrets.json is missing or invalid");
		json_decref(root);
		return SS_EINVAL;
	}
	c->secrets = xcalloc(json_array_size(arr) + 1, sizeof(*c->secrets));
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			c->secrets[c->nsecrets++] = xstrdup(json_string_value(v));
	json_t *samples = json_object_get(root, "documentation_tokens");
	c->samples = xcalloc(json_array_size(samples) + 1, sizeof(*c->samples));
	json_array_foreach(samples, i, v)
		if (json_is_string(v))
			c->samples[c->nsamples++] = xstrdup(json_string_value(v));
	json_decref(root);
	return 0;
}

static void auth_run(struct scan_target *t)
{
	modutil_probe_file(t, "auth", "probes/auth.json");
	auth_basic_http(t);
	struct auth_ctx c = {.t = t};
	if (scan_aborted(t) || auth_load_secrets(&c))
		goto out;
	/* cookies the main answer sets */
	const char *sc;
	for (size_t i = 0; t->main && (sc = http_header_get_nth(t->main, "Set-Cookie", i)); i++) {
		const char *eq = strchr(sc, '=');
		if (!eq)
			continue;
		size_t vlen = strcspn(eq + 1, ";");
		char *where = xasprintf("the cookie %.*s", (int)MIN((size_t)(eq - sc), (size_t)64), sc);
		auth_jwts_in(&c, where, eq + 1, vlen);
		free(where);
	}
	const struct scan_assets *assets = scan_crawl(t);
	for (size_t i = 0; i < assets->n; i++) {
		const struct scan_asset *a = &assets->items[i];
		const char *body = a->body.data ? a->body.data : "";
		c.page = a->url;
		/* sources unpacked from source maps are the code, not what the site hands out */
		if (strcmp(a->kind, "source") && strcmp(a->kind, "sourcemap"))
			auth_jwts_in(&c, a->url, body, a->body.len);
		if (strcmp(a->kind, "page"))
			continue;
		webform_each(a->url, body, a->body.len, auth_on_form, &c);
		webform_token_params(body, a->body.len, auth_on_param, &c);
	}
out:
	for (size_t i = 0; i < c.nsecrets; i++)
		free(c.secrets[i]);
	free(c.secrets);
	for (size_t i = 0; i < c.nsamples; i++)
		free(c.samples[i]);
	free(c.samples);
	for (size_t i = 0; i < c.nseen; i++)
		free(c.seen[i]);
}

const struct module auth_module = {
	.name = "auth",
	.summary = "Login forms over HTTP, unsigned or weakly signed JWTs, tokens in URLs, Basic auth over HTTP, admin panels",
	.run = auth_run,
};
