#ifndef ENGINE_CATALOGUE_H
#define ENGINE_CATALOGUE_H
#include "base/common.h"
#include "engine/finding.h"

/*
 * The check catalogue: for every check id, what it means and how to fix it. Loaded from the
 * rule files compiled in from rules/checks/NAME.json (and any --rules DIR given at start). Format of
 * one file: {"checks": [ {id, module, category, severity, title, description, fix, verify,
 * references, stacks} ]}; see docs/rules.md.
 */

/* A stack-specific way to apply a fix. */
struct check_fix {
	char *stack;  /* "nginx", "apache", "express", "nextjs", "vercel", "netlify", "default", ... */
	char *file;   /* the file to modify, e.g. "nginx.conf" */
	char *change; /* a snippet to put there */
};

struct check_def {
	char *id;          /* "headers.hsts-missing" */
	char *module;
	char *category;
	enum severity severity;
	char *title;       /* may hold {location} and {detail}, filled at emit time */
	char *description;
	char *fix;         /* what to do, in prose */
	char *verify;      /* a command showing the fix worked; {url} and {host} are filled */
	char **references; /* "CWE-319", "OWASP A05:2021", URLs */
	size_t nreferences;
	struct check_fix *fixes; /* per stack, "default" among them */
	size_t nfixes;
};

/*
 * Loads the embedded rules plus the *.json files of extra_dir (may be NULL), replacing whatever was
 * loaded before; call before threads use the catalogue. 0 or SS_EINVAL (logged, and kept in
 * catalogue_last_error). A file with an invalid entry adds none of its entries.
 */
int catalogue_load(const char *extra_dir);
/* Parses one rule file's text into the catalogue (used by catalogue_load and by tests). */
int catalogue_add_json(const char *text, size_t len, const char *origin);
/* The definition of a check, or NULL if unknown. Valid until catalogue_free. */
const struct check_def *catalogue_get(const char *id);
/* All checks, in load order. */
const struct check_def *catalogue_at(size_t i);
size_t catalogue_count(void);
/* The fix for a stack, falling back to "default"; NULL if the check has none. */
const struct check_fix *check_def_fix_for(const struct check_def *def, const char *stack);
/* The last load error, naming the file and the check id ("" if none); static storage. */
const char *catalogue_last_error(void);
/* A title template with {detail} and {location} filled, trimmed and valid UTF-8; caller frees. */
char *catalogue_fill_title(const char *tmpl, const char *detail, const char *location);
void catalogue_free(void);

#endif
