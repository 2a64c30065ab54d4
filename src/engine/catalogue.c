#include "base/common.h"
#include "engine/catalogue.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "base/utf8.h"
#include "engine/rules_embedded.h"
#include <dirent.h>
#include <jansson.h>

/* A rule file larger than this is a mistake, not a catalogue. */
#define RULE_FILE_MAX (4 * 1024 * 1024)

/*
 * Process-wide: loaded once at start-up (before threads), read-only afterwards. Definitions are
 * allocated one by one so that pointers handed out stay valid while more files are added.
 */
static struct check_def **defs;   /* load order */
static size_t ndefs, defs_cap;
static struct check_def **by_id; /* sorted by id, for lookup */
static char last_error[512];

static const char *const known_stacks[] = {"nginx",  "apache", "caddy",   "iis",    "express",
					   "nextjs", "vercel", "netlify", "cloudflare", "django",
					   "flask",  "rails",  "laravel", "php",    "spring",
					   "default"};

static void def_free(struct check_def *d)
{
	if (!d)
		return;
	free(d->id);
	free(d->module);
	free(d->category);
	free(d->title);
	free(d->description);
	free(d->fix);
	free(d->verify);
	for (size_t i = 0; i < d->nreferences; i++)
		free(d->references[i]);
	free(d->references);
	for (size_t i = 0; i < d->nfixes; i++) {
		free(d->fixes[i].stack);
		free(d->fixes[i].file);
		free(d->fixes[i].change);
	}
	free(d->fixes);
	free(d);
}

static int fail(const char *origin, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(const char *origin, const char *id, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (id)
		snprintf(last_error, sizeof(last_error), "%s: check '%s': %s", origin, id, msg);
	else
		snprintf(last_error, sizeof(last_error), "%s: %s", origin, msg);
	log_error("rules: %s", last_error);
	return SS_EINVAL;
}

/* An optional string member: NULL when absent, SS_EINVAL when present but not a string. */
static int opt_string(json_t *obj, const char *key, char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return SS_EINVAL;
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int cmp_def_id(const void *a, const void *b)
{
	return strcmp((*(struct check_def *const *)a)->id, (*(struct check_def *const *)b)->id);
}

static int cmp_key_def(const void *key, const void *elem)
{
	return strcmp(key, (*(struct check_def *const *)elem)->id);
}

static bool id_taken(const char *id, struct check_def **pending, size_t npending)
{
	if (catalogue_get(id))
		return true;
	for (size_t i = 0; i < npending; i++)
		if (strcmp(pending[i]->id, id) == 0)
			return true;
	return false;
}

static int parse_fixes(json_t *stacks, struct check_def *d, const char *origin)
{
	const char *key;
	json_t *v;
	if (!stacks)
		return 0;
	if (!json_is_object(stacks))
		return fail(origin, d->id, "\"stacks\" must be an object");
	d->fixes = xcalloc(json_object_size(stacks) ? json_object_size(stacks) : 1, sizeof(*d->fixes));
	json_object_foreach(stacks, key, v) {
		struct check_fix *f = &d->fixes[d->nfixes];
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(known_stacks); i++)
			known = known || strcmp(key, known_stacks[i]) == 0;
		if (!known)
			log_warn("rules: %s: check '%s': unknown stack \"%s\"", origin, d->id, key);
		if (!json_is_object(v))
			return fail(origin, d->id, "stack \"%s\" must be an object", key);
		f->stack = xstrdup(key);
		d->nfixes++;
		if (opt_string(v, "file", &f->file) || opt_string(v, "change", &f->change))
			return fail(origin, d->id, "stack \"%s\": file and change must be strings", key);
	}
	return 0;
}

/* Builds one definition from its JSON entry; NULL (with last_error set) if it is invalid. */
static struct check_def *parse_def(json_t *e, const char *origin, size_t index,
				   struct check_def **pending, size_t npending)
{
	struct check_def *d = xcalloc(1, sizeof(*d));
	json_t *sev = json_object_get(e, "severity"), *refs = json_object_get(e, "references");
	char where[64];

	snprintf(where, sizeof(where), "#%zu", index);
	if (!json_is_object(e)) {
		fail(origin, where, "entry is not an object");
		goto bad;
	}
	if (opt_string(e, "id", &d->id) || !d->id || !d->id[0]) {
		fail(origin, where, "missing or empty \"id\"");
		goto bad;
	}
	if (id_taken(d->id, pending, npending)) {
		fail(origin, d->id, "duplicate id");
		goto bad;
	}
	if (opt_string(e, "module", &d->module) || opt_string(e, "category", &d->category) ||
	    opt_string(e, "title", &d->title) || opt_string(e, "description", &d->description) ||
	    opt_string(e, "fix", &d->fix) || opt_string(e, "verify", &d->verify)) {
		fail(origin, d->id, "module, category, title, description, fix and verify must be strings");
		goto bad;
	}
	if (!category_valid(d->category)) {
		fail(origin, d->id, "unknown category \"%s\"", d->category ? d->category : "");
		goto bad;
	}
	if (!json_is_string(sev) || severity_parse(json_string_value(sev), &d->severity)) {
		fail(origin, d->id, "severity must be one of CRITICAL, HIGH, MEDIUM, LOW, INFO");
		goto bad;
	}
	if (!d->title || !d->title[0]) {
		fail(origin, d->id, "missing or empty \"title\"");
		goto bad;
	}
	if (!d->module)
		d->module = xstrndup(d->id, strcspn(d->id, "."));
	if (!d->description)
		d->description = xstrdup("");
	if (!d->fix)
		d->fix = xstrdup("");
	if (!d->verify)
		d->verify = xstrdup("");
	if (refs) {
		size_t i;
		json_t *r;
		if (!json_is_array(refs)) {
			fail(origin, d->id, "\"references\" must be an array of strings");
			goto bad;
		}
		d->references = xcalloc(json_array_size(refs) + 1, sizeof(char *));
		json_array_foreach(refs, i, r) {
			if (!json_is_string(r)) {
				fail(origin, d->id, "\"references\" must be an array of strings");
				goto bad;
			}
			d->references[d->nreferences++] = xstrdup(json_string_value(r));
		}
	}
	if (parse_fixes(json_object_get(e, "stacks"), d, origin))
		goto bad;
	return d;
bad:
	def_free(d);
	return NULL;
}

int catalogue_add_json(const char *text, size_t len, const char *origin)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), *checks;
	struct check_def **pending = NULL;
	size_t npending = 0, i;
	json_t *e;
	int err = SS_EINVAL;

	if (!root) {
		fail(origin, NULL, "line %d: %s", jerr.line, jerr.text);
		return SS_EINVAL;
	}
	checks = json_object_get(root, "checks");
	if (!json_is_array(checks)) {
		fail(origin, NULL, "no \"checks\" array");
		goto out;
	}
	pending = xcalloc(json_array_size(checks) + 1, sizeof(*pending));
	/* All or nothing: a file with one bad entry adds none. */
	json_array_foreach(checks, i, e) {
		struct check_def *d = parse_def(e, origin, i, pending, npending);
		if (!d)
			goto out;
		pending[npending++] = d;
	}
	defs = xgrow(defs, &defs_cap, ndefs + npending, sizeof(*defs));
	memcpy(defs + ndefs, pending, npending * sizeof(*pending));
	ndefs += npending;
	npending = 0;
	free(by_id);
	by_id = xmalloc((ndefs ? ndefs : 1) * sizeof(*by_id));
	memcpy(by_id, defs, ndefs * sizeof(*defs));
	qsort(by_id, ndefs, sizeof(*by_id), cmp_def_id);
	err = 0;
out:
	for (i = 0; i < npending; i++)
		def_free(pending[i]);
	free(pending);
	json_decref(root);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every *.json file of dir, in name order so that load order is reproducible. */
static int load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	if (!d)
		return fail(dir, NULL, "cannot open rules directory: %s", strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && str_ends_with(de->d_name, ".json")) {
			names = xgrow(names, &cap, n + 1, sizeof(*names));
			names[n++] = xasprintf("%s/%s", dir, de->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct buf b;
		buf_init(&b, RULE_FILE_MAX);
		int rc = buf_read_file(&b, names[i]);
		if (rc)
			err = fail(names[i], NULL, rc == SS_ETOOBIG ? "larger than 4 MiB" : "cannot read");
		else if (catalogue_add_json(buf_str(&b), b.len, names[i]))
			err = SS_EINVAL;
		buf_release(&b);
		free(names[i]);
	}
	free(names);
	return err;
}

int catalogue_load(const char *extra_dir)
{
	int err = 0;
	catalogue_free();
	for (size_t i = 0; embedded_rules[i].path; i++) {
		const struct embedded_file *f = &embedded_rules[i];
		if (!str_starts_with(f->path, "checks/") || !str_ends_with(f->path, ".json"))
			continue;
		if (catalogue_add_json(f->data, f->len, f->path))
			err = SS_EINVAL;
	}
	if (extra_dir && load_dir(extra_dir))
		err = SS_EINVAL;
	return err;
}

const struct check_def *catalogue_get(const char *id)
{
	struct check_def **hit;
	if (!id || ndefs == 0)
		return NULL;
	hit = bsearch(id, by_id, ndefs, sizeof(*by_id), cmp_key_def);
	return hit ? *hit : NULL;
}

const struct check_def *catalogue_at(size_t i)
{
	return i < ndefs ? defs[i] : NULL;
}

size_t catalogue_count(void)
{
	return ndefs;
}

const char *catalogue_last_error(void)
{
	return last_error;
}

const struct check_fix *check_def_fix_for(const struct check_def *def, const char *stack)
{
	const struct check_fix *dflt = NULL;
	for (size_t i = 0; def && i < def->nfixes; i++) {
		if (stack && strcmp(def->fixes[i].stack, stack) == 0)
			return &def->fixes[i];
		if (strcmp(def->fixes[i].stack, "default") == 0)
			dflt = &def->fixes[i];
	}
	return dflt;
}

void catalogue_free(void)
{
	for (size_t i = 0; i < ndefs; i++)
		def_free(defs[i]);
	free(defs);
	free(by_id);
	defs = by_id = NULL;
	ndefs = defs_cap = 0;
}

char *catalogue_fill_title(const char *tmpl, const char *detail, const char *location)
{
	struct buf b;
	buf_init(&b, 4096);
	for (const char *p = tmpl; *p;) {
		if (str_starts_with(p, "{detail}")) {
			buf_appends(&b, detail ? detail : "");
			p += 8;
		} else if (str_starts_with(p, "{location}")) {
			buf_appends(&b, location);
			p += 10;
		} else {
			buf_appendc(&b, *p++);
		}
	}
	char *raw = buf_detach(&b, NULL);
	char *clean = str_trim(raw);
	char *out = utf8_sanitize(clean, strlen(clean));
	free(raw);
	return out;
}
