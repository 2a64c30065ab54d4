#ifndef MODULES_CSP_H
#define MODULES_CSP_H
#include "base/common.h"

/*
 * Content-Security-Policy parsing (CSP Level 3, "parse a serialized CSP list") and the
 * assessment the headers module reports from. Pure functions: no I/O.
 */

/* Header values longer than this are refused (SS_ETOOBIG); real policies are a few KiB. */
#define CSP_MAX_LEN 32768
/* At most this many policies (comma-separated), directives per policy and sources per directive. */
#define CSP_MAX_POLICIES 16
#define CSP_MAX_DIRECTIVES 64
#define CSP_MAX_SOURCES 256

struct csp_directive {
	char *name;     /* lower case, e.g. "script-src" */
	char **sources; /* as written, e.g. "'self'", "https://cdn.example.com", "'nonce-abc'" */
	size_t nsources;
};

struct csp_policy {
	struct csp_directive *dirs; /* in order; a repeated directive keeps its first occurrence */
	size_t ndirs;
};

/* Every policy of one or more header values (each header may carry a comma-separated list). */
struct csp {
	struct csp_policy *policies;
	size_t n;
};

/*
 * Appends the policies of one header value to c (zero-initialised first). Counts beyond the
 * CSP_MAX_* limits are dropped. 0, or SS_ETOOBIG (nothing added) when len > CSP_MAX_LEN.
 */
int csp_parse(struct csp *c, const char *text, size_t len);
/* Frees everything c holds; c can be parsed into again. */
void csp_release(struct csp *c);

/* The directive of that (lower-case) name, or NULL. */
const struct csp_directive *csp_policy_get(const struct csp_policy *p, const char *name);
/* The directive that governs a fetch directive: itself, else default-src; NULL if neither. */
const struct csp_directive *csp_policy_effective(const struct csp_policy *p, const char *name);
/* True if the directive lists the source (keywords compared case-insensitively). */
bool csp_directive_has(const struct csp_directive *d, const char *source);

/* What the policies, enforced together, allow; pointers point into the parsed csp. */
struct csp_assessment {
	bool restricts_scripts;  /* some policy has script-src or default-src */
	bool unsafe_inline;      /* every script-restricting policy runs inline script */
	bool unsafe_eval;        /* every script-restricting policy allows eval */
	const char *loose_source;/* a source that lets any host's script in ("*", "http:", "data:"...), or NULL */
	bool restricts_objects;  /* some policy has object-src or default-src 'none'/'self'... */
	bool restricts_base_uri; /* some policy has base-uri */
	bool frame_ancestors;    /* some policy restricts frame-ancestors (not to "*") */
};
void csp_assess(const struct csp *c, struct csp_assessment *out);

#endif
