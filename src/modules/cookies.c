#include "base/common.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/cookie.h"
#include "modules/modutil.h"

/*
 * cookies: the flags of every cookie the site sets on its main response. Session cookies (by
 * name, rules/cookies/session-names.json) must be Secure, HttpOnly and SameSite; every cookie
 * must keep the __Host-/__Secure- prefix rules it claims. Evidence never shows a value.
 */

/* Emits check for cookie c, one finding per cookie name; severity -1 keeps the catalogue's. */
static void cookies_emit(struct scan_target *t, const char *check, const struct cookie *c, int severity,
			 const char *why)
{
	struct buf ev;
	buf_init(&ev, 1024);
	buf_appends(&ev, "Set-Cookie: ");
	cookie_describe(c, &ev);
	if (why)
		buf_appendf(&ev, " (%s)", why);
	struct finding_spec spec = {
		.check = check, .detail = c->name, .evidence = buf_str(&ev), .severity = severity,
		.discriminator = c->name,
	};
	scan_emit(t, "cookies", &spec);
	buf_release(&ev);
}

static void cookies_check(struct scan_target *t, const struct cookie_names *names, const struct cookie *c,
			  bool https)
{
	bool session = cookie_names_is_session(names, c->name);
	const char *prefix = cookie_prefix_violation(c);
	if (prefix)
		cookies_emit(t, "cookies.prefix-violation", c, -1, prefix);
	/* Secure is meaningless on a plain-HTTP site (and browsers drop it there); the missing
	 * HTTPS is reported by the headers and tls modules. */
	if (https && !c->secure && !prefix)
		cookies_emit(t, "cookies.secure-missing", c, session ? -1 : SEV_LOW, NULL);
	if (c->samesite == COOKIE_SAMESITE_NONE && !c->secure)
		cookies_emit(t, "cookies.samesite-none-insecure", c, -1, NULL);
	if (!session)
		return;
	if (!c->httponly)
		cookies_emit(t, "cookies.httponly-missing", c, -1, NULL);
	if (c->samesite == COOKIE_SAMESITE_UNSET || c->samesite == COOKIE_SAMESITE_INVALID)
		cookies_emit(t, "cookies.samesite-missing", c, -1, NULL);
	if (cookie_domain_is_parent(c, t->hostname))
		cookies_emit(t, "cookies.domain-broad", c, -1, NULL);
}

/* Parses one Set-Cookie value of the answer for url and checks it. */
static void cookies_check_header(struct scan_target *t, const struct cookie_names *names, const char *value,
				 const char *url, int year)
{
	struct cookie c;
	if (cookie_parse(&c, value, strlen(value)))
		return; /* browsers ignore it too */
	bool https = url ? str_starts_with_nocase(url, "https://") : t->https;
	if (!cookie_is_deletion(&c, year))
		cookies_check(t, names, &c, https);
	cookie_release(&c);
}

static void cookies_run(struct scan_target *t)
{
	const struct http_response *r = t->main;
	if (!r || r->err)
		return;
	size_t len;
	const char *text = modutil_rule("cookies/session-names.json", &len);
	struct cookie_names names;
	if (!text || cookie_names_parse(&names, text, len)) {
		log_error("cookies: rules/cookies/session-names.json is missing or invalid");
		return;
	}
	int year = modutil_year();
	const char *v;
	for (size_t i = 0; (v = http_header_get_nth(r, "Set-Cookie", i)); i++)
		cookies_check_header(t, &names, v, r->url ? r->url : t->base_url, year);
	/* Same-site pages of the crawl (a login page, say) may set other cookies; the same cookie
	 * seen again has the same fingerprint and is reported once. */
	const struct scan_assets *assets = scan_crawl(t);
	for (size_t i = 0; i < assets->n && !scan_aborted(t); i++)
		for (size_t k = 0; k < assets->items[i].nset_cookies; k++)
			cookies_check_header(t, &names, assets->items[i].set_cookies[k], assets->items[i].url, year);
	cookie_names_release(&names);
}

const struct module cookies_module = {
	.name = "cookies",
	.summary = "Secure, HttpOnly and SameSite on session cookies; __Host-/__Secure- prefix rules; broad Domain",
	.run = cookies_run,
};
