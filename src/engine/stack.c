#include "base/common.h"
#include "engine/stack.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/rules_embedded.h"
#include <jansson.h>
#include <pthread.h>

/* Bodies are searched only this far: framework hints sit in the first part of a page. */
#define STACK_BODY_SCAN (512 * 1024)

enum fp_kind { FP_HEADER, FP_HEADER_PREFIX, FP_COOKIE, FP_BODY };

struct fingerprint {
	enum fp_kind kind;
	char *what;     /* header name, header prefix, cookie name or body text */
	char *contains; /* header value text (case-insensitive), or NULL for presence */
	char *set[4];   /* server, framework, language, hosting; NULL to leave */
	char *cdn;      /* the CDN or WAF this shows ("Cloudflare"), or NULL */
};

static const char *const fp_fields[4] = {"server", "framework", "language", "hosting"};
static struct fingerprint *fps;
static size_t nfps;
static pthread_once_t fps_once = PTHREAD_ONCE_INIT;

static void fp_add(json_t *e)
{
	static const char *const kinds[] = {"header", "header_prefix", "cookie", "body"};
	json_t *set = json_object_get(e, "set"), *contains = json_object_get(e, "contains");
	struct fingerprint fp = {0};
	bool found = false;

	for (size_t k = 0; k < ARRAY_SIZE(kinds) && !found; k++) {
		json_t *v = json_object_get(e, kinds[k]);
		if (json_is_string(v)) {
			fp.kind = (enum fp_kind)k;
			fp.what = xstrdup(json_string_value(v));
			found = true;
		}
	}
	if (!found || (!json_is_object(set) && !json_is_string(json_object_get(e, "cdn")))) {
		log_warn("rules: fingerprints/stack.json: entry without a matcher or \"set\" ignored");
		free(fp.what);
		return;
	}
	if (json_is_string(contains))
		fp.contains = xstrdup(json_string_value(contains));
	if (json_is_string(json_object_get(e, "cdn")))
		fp.cdn = xstrdup(json_string_value(json_object_get(e, "cdn")));
	for (size_t f = 0; f < 4; f++) {
		json_t *v = json_object_get(set, fp_fields[f]);
		if (json_is_string(v))
			fp.set[f] = xstrdup(json_string_value(v));
	}
	fps = xrealloc(fps, (nfps + 1) * sizeof(*fps));
	fps[nfps++] = fp;
}

static void fps_load(void)
{
	const struct embedded_file *f = rules_embedded_find("fingerprints/stack.json");
	json_error_t jerr;
	json_t *root, *list, *e;
	size_t k;
	if (!f)
		return;
	root = json_loadb(f->data, f->len, 0, &jerr);
	if (!root) {
		log_error("rules: fingerprints/stack.json: line %d: %s", jerr.line, jerr.text);
		return;
	}
	list = json_object_get(root, "fingerprints");
	json_array_foreach(list, k, e)
		fp_add(e);
	json_decref(root);
}

static bool has_cookie(const struct http_response *r, const char *name)
{
	const char *sc;
	size_t n = strlen(name);
	for (size_t i = 0; (sc = http_header_get_nth(r, "set-cookie", i)) != NULL; i++) {
		while (*sc == ' ')
			sc++;
		if (strncasecmp(sc, name, n) == 0 && sc[n] == '=')
			return true;
	}
	return false;
}

static bool fp_matches(const struct fingerprint *fp, const struct http_response *r)
{
	switch (fp->kind) {
	case FP_HEADER:
		for (size_t i = 0; i < r->nheaders; i++)
			if (strcasecmp(r->headers[i].name, fp->what) == 0 &&
			    (!fp->contains ||
			     str_find_nocase(r->headers[i].value, strlen(r->headers[i].value), fp->contains)))
				return true;
		return false;
	case FP_HEADER_PREFIX:
		for (size_t i = 0; i < r->nheaders; i++)
			if (str_starts_with_nocase(r->headers[i].name, fp->what))
				return true;
		return false;
	case FP_COOKIE:
		return has_cookie(r, fp->what);
	case FP_BODY:
		return r->body.len > 0 && str_find(r->body.data, MIN(r->body.len, STACK_BODY_SCAN), fp->what);
	}
	return false;
}

void stack_detect(const struct http_response *r, struct tech_stack *st)
{
	char *const dst[4] = {st->server, st->framework, st->language, st->hosting};
	const size_t dst_size[4] = {sizeof(st->server), sizeof(st->framework), sizeof(st->language),
				    sizeof(st->hosting)};
	if (!r)
		return;
	pthread_once(&fps_once, fps_load);
	for (size_t i = 0; i < nfps; i++) {
		bool wanted = false;
		for (size_t f = 0; f < 4; f++)
			wanted = wanted || (fps[i].set[f] && !dst[f][0]);
		if (!wanted || !fp_matches(&fps[i], r))
			continue;
		for (size_t f = 0; f < 4; f++)
			if (fps[i].set[f] && !dst[f][0])
				str_copy(dst[f], dst_size[f], fps[i].set[f]);
	}
}

bool stack_cdn(const struct http_response *r, char *name, size_t n, char *why, size_t wn)
{
	if (!r)
		return false;
	pthread_once(&fps_once, fps_load);
	for (size_t i = 0; i < nfps; i++) {
		if (!fps[i].cdn || !fp_matches(&fps[i], r))
			continue;
		str_copy(name, n, fps[i].cdn);
		const char *v = fps[i].kind == FP_HEADER ? http_header_get(r, fps[i].what) : NULL;
		if (v)
			snprintf(why, wn, "%s: %.200s", fps[i].what, v);
		else
			snprintf(why, wn, "%s", fps[i].what);
		return true;
	}
	return false;
}
