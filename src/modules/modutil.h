#ifndef MODULES_MODUTIL_H
#define MODULES_MODUTIL_H
#include "base/common.h"
#include "base/http.h"
#include "engine/scan.h"
#include "modules/matcher.h"
#include "modules/soft404.h"

/* Small helpers the web modules share. */

/* The embedded rule file at path under rules/ (e.g. "probes/exposure.json"), or NULL. */
const char *modutil_rule(const char *path, size_t *len);
/* "/secscan-<16 random chars><suffix>" into out: a path no site has. */
void modutil_random_path(char *out, size_t n, const char *suffix);
/* The response's Content-Type, lower case, without parameters, into out ("" if none). */
void modutil_content_type(const struct http_response *r, char *out, size_t n);
/* True if the response looks like an HTML page (by Content-Type, else by its first bytes). */
bool modutil_is_html(const struct http_response *r);

/* The current year (UTC), for cookie_is_deletion. */
int modutil_year(void);
/* Emits the check with the catalogue's severity; location NULL = the target, detail/evidence may be NULL. */
void modutil_emit(struct scan_target *t, const char *module, const char *check, const char *location,
		  const char *detail, const char *evidence);
/* Emits what probe p found in answer r (its first len body bytes) at url, with evidence. */
void modutil_emit_probe(struct scan_target *t, const char *module, const struct probe *p,
			const struct http_response *r, size_t len, const char *url, const char *detail);
/* Parses the embedded probe list at path (e.g. "probes/exposure.json") into l; 0, or SS_EINVAL (logged). */
int modutil_probe_list(struct probe_list *l, const char *path);
/*
 * Requests the path of every probe of l on the target ({host} in a path or detail is the target's
 * host name; GET, body capped, only the first range_bytes when the probe says so), after random
 * paths that teach the site's not-found answer, and emits each answer that matches its probe and
 * is no not-found answer (nor the main page repeated). Returns how many were emitted.
 */
size_t modutil_probe_paths(struct scan_target *t, const char *module, const struct probe_list *l);
/* Adds the GET of url for probe p to b (p NULL: a not-found baseline): body capped, only the
 * probe's range_bytes when it says so. The answer is the batch's. */
struct http_response *modutil_probe_add(struct http_batch *b, const struct probe *p, const char *url);
/* True if answer r for path is what probe p looks for and none of the not-found answers learnt. */
bool modutil_probe_hit(const struct probe *p, const char *path, const struct http_response *r,
		       const struct soft404 *notfound);
/* modutil_probe_paths with the embedded probe list at path, reporting progress. */
void modutil_probe_file(struct scan_target *t, const char *module, const char *path);
/* The value of attribute name inside the tag text [s, e) (after the tag name), into out; false if absent. */
bool modutil_tag_attr(const char *s, const char *e, const char *name, struct buf *out);
/*
 * The content of the first <meta ATTR="VALUE" content="..."> tag of an HTML body (ATTR and VALUE
 * compared case-insensitively, e.g. http-equiv / Content-Security-Policy), entity-free, into out.
 * Looks only at the first 64 KiB. False if there is none.
 */
bool modutil_html_meta(const char *body, size_t len, const char *attr, const char *value, struct buf *out);

#endif
