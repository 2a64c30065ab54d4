#include "base/common.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/cookie.h"
#include "modules/modutil.h"
#include "modules/webform.h"
#include "modules/webpii.h"
#include <jansson.h>

/*
 * privacy: what a visitor gives away by opening the site. Trackers loaded with no consent
 * manager on the site, tracking cookies set by the first answer, emails and phone numbers in
 * the pages (redacted), forms that send personal data over plain HTTP, and no link to a privacy
 * policy. Lists (trackers, consent managers, cookie names, policy words) are
 * rules/privacy/trackers.json. Reads the main answer and the crawl; sends nothing of its own.
 */

/* True if one of the entry's ({name, patterns}) patterns occurs in the text. */
static bool privacy_entry_in(json_t *entry, const char *text, size_t len)
{
	size_t k;
	json_t *p;
	json_array_foreach(json_object_get(entry, "patterns"), k, p)
		if (json_is_string(p) && str_find(text, len, json_string_value(p)))
			return true;
	return false;
}

static bool privacy_any_in(json_t *list, const char *text, size_t len)
{
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
		if (privacy_entry_in(e, text, len))
			return true;
	return false;
}

/* Trackers present (by name, from pages and same-site scripts) when no consent manager is. */
static void privacy_trackers(struct scan_target *t, json_t *rules, const struct scan_assets *assets)
{
	json_t *trackers = json_object_get(rules, "trackers"), *consent = json_object_get(rules, "consent");
	size_t ntr = json_array_size(trackers);
	bool *seen = xcalloc(ntr + 1, sizeof(*seen));
	const char *where = NULL;
	for (size_t i = 0; i < assets->n; i++) {
		const struct scan_asset *a = &assets->items[i];
		if (strcmp(a->kind, "page") && strcmp(a->kind, "script") && strcmp(a->kind, "inline-script"))
			continue;
		const char *body = a->body.data ? a->body.data : "";
		if (privacy_any_in(consent, body, a->body.len))
			goto out; /* a consent manager decides what loads: its configuration is beyond a read-only scan */
		for (size_t k = 0; k < ntr; k++)
			if (!seen[k] && privacy_entry_in(json_array_get(trackers, k), body, a->body.len)) {
				seen[k] = true;
				if (!where)
					where = a->url;
			}
	}
	struct buf names;
	buf_init(&names, 4096);
	for (size_t k = 0; k < ntr; k++)
		if (seen[k])
			buf_appendf(&names, "%s%s", names.len ? ", " : "",
				    json_string_value(json_object_get(json_array_get(trackers, k), "name")));
	if (names.len) {
		char *ev = xasprintf("%s load with the page (first seen in %s) and no consent manager was found on the site",
				     buf_str(&names), where);
		modutil_emit(t, "privacy", "privacy.trackers-without-consent", NULL, buf_str(&names), ev);
		free(ev);
	}
	buf_release(&names);
out:
	free(seen);
}

static bool privacy_tracking_cookie(json_t *rules, const char *name)
{
	json_t *cookies = json_object_get(rules, "cookies"), *v;
	size_t i;
	json_array_foreach(json_object_get(cookies, "exact"), i, v)
		if (json_is_string(v) && !strcmp(name, json_string_value(v)))
			return true;
	json_array_foreach(json_object_get(cookies, "prefix"), i, v)
		if (json_is_string(v) && str_starts_with(name, json_string_value(v)))
			return true;
	return false;
}

static void privacy_cookies(struct scan_target *t, json_t *rules)
{
	const char *v;
	struct buf names;
	buf_init(&names, 4096);
	for (size_t i = 0; t->main && (v = http_header_get_nth(t->main, "Set-Cookie", i)); i++) {
		struct cookie c;
		if (cookie_parse(&c, v, strlen(v)))
			continue;
		if (!cookie_is_deletion(&c, modutil_year()) && privacy_tracking_cookie(rules, c.name))
			buf_appendf(&names, "%s%s", names.len ? ", " : "", c.name);
		cookie_release(&c);
	}
	if (names.len) {
		char *ev = xasprintf("The first answer (%s) sets %s before the visitor could consent",
				     t->main->url ? t->main->url : t->base_url, buf_str(&names));
		modutil_emit(t, "privacy", "privacy.tracking-cookies-before-consent", NULL, buf_str(&names), ev);
		free(ev);
	}
	buf_release(&names);
}

struct privacy_forms {
	struct scan_target *t;
	const char *page;
};

static void privacy_on_form(void *ud, const struct webform *f)
{
	struct privacy_forms *c = ud;
	if (!f->personal || f->password) /* password forms are the auth module's */
		return;
	if (!str_starts_with_nocase(c->page, "http://") && !str_starts_with_nocase(f->action, "http://"))
		return;
	char *ev = xasprintf("A form on %s asks for personal data and submits it to %s over plain HTTP", c->page, f->action);
	modutil_emit(c->t, "privacy", "privacy.form-http", c->page, NULL, ev);
	free(ev);
}

static void privacy_pages(struct scan_target *t, json_t *rules, const struct scan_assets *assets)
{
	size_t emails = 0, roles = 0, phones = 0;
	char sample[96] = "", role_sample[96] = "";
	const char *first = NULL;
	for (size_t i = 0; i < assets->n; i++) {
		const struct scan_asset *a = &assets->items[i];
		if (strcmp(a->kind, "page"))
			continue;
		struct pii_text p;
		pii_text_scan(a->body.data, a->body.len, &p);
		if (p.emails && !first)
			first = a->url;
		emails += p.emails;
		roles += p.role_emails;
		phones += p.phones;
		if (!*sample)
			str_copy(sample, sizeof(sample), p.sample);
		if (!*role_sample)
			str_copy(role_sample, sizeof(role_sample), p.role_sample);
		struct privacy_forms fc = {t, a->url};
		webform_each(a->url, a->body.data, a->body.len, privacy_on_form, &fc);
	}
	if (emails) {
		char *ev = xasprintf("%zu personal email address%s (e.g. %s) and %zu phone number%s in the pages, first on %s",
				     emails, emails == 1 ? "" : "es", sample, phones, phones == 1 ? "" : "s", first);
		modutil_emit(t, "privacy", "privacy.pii-in-pages", NULL, NULL, ev);
		free(ev);
	} else if (roles || phones) {
		char *ev = xasprintf("%zu contact address%s (e.g. %s) and %zu phone number%s%s%s in the pages", roles,
				     roles == 1 ? "" : "es", *role_sample ? role_sample : "none", phones, phones == 1 ? "" : "s",
				     *sample ? ", e.g. " : "", sample);
		modutil_emit(t, "privacy", "privacy.contact-details", NULL, NULL, ev);
		free(ev);
	}
	/* the policy link is looked for on the main page, where sites put it (the footer) */
	if (!assets->n || strcmp(assets->items[0].kind, "page"))
		return;
	const struct scan_asset *main = &assets->items[0];
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(rules, "policy_words"), i, w)
		if (json_is_string(w) && str_find(main->body.data, main->body.len, json_string_value(w)))
			return;
	modutil_emit(t, "privacy", "privacy.policy-link-missing", main->url, NULL,
		     "The main page has no link or text naming a privacy policy");
}

static void privacy_run(struct scan_target *t)
{
	size_t len;
	const char *text = modutil_rule("privacy/trackers.json", &len);
	json_t *rules = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!rules) {
		log_error("privacy: rules/privacy/trackers.json is missing or invalid");
		return;
	}
	privacy_cookies(t, rules);
	const struct scan_assets *assets = scan_crawl(t);
	if (!scan_aborted(t)) {
		privacy_trackers(t, rules, assets);
		privacy_pages(t, rules, assets);
	}
	json_decref(rules);
}

const struct module privacy_module = {
	.name = "privacy",
	.summary = "Trackers without a consent manager, tracking cookies before consent, emails and phones in pages, forms over HTTP, privacy policy link",
	.run = privacy_run,
};
