#ifndef MODULES_MATCHER_H
#define MODULES_MATCHER_H
#include "base/common.h"
#include "base/buf.h"

/*
 * Content matchers and the probe lists built from them (the rule files under rules/probes/).
 * A matcher decides from an answer's status and body whether it really is the thing a probe
 * looks for, so that a soft-404 page or a catch-all 200 is never reported. Pure functions.
 *
 * JSON of a matcher: {"status": 200, "status_min": 400, "regex": "..." | ["...", ...],
 * "magic": "504b0304", "not_html": true, "gunzip": true}; every condition given must hold. With gunzip, a
 * gzip body is judged by its decompressed start (MATCHER_GUNZIP_MAX bytes), any other as it is. Regexes are PCRE2, multi-line
 * (^ and $ match at line ends), case-sensitive unless they say (?i).
 */

struct matcher_regex;

#define MATCHER_GUNZIP_MAX (64 * 1024)

struct matcher {
	long status;                  /* required status; 0 = any */
	long status_min;              /* the status must be at least this (error answers only); 0 = any */
	struct matcher_regex **regex; /* all must match */
	size_t nregex;
	unsigned char magic[32];      /* the body must start with these bytes */
	size_t magic_len;
	bool not_html;                /* the body must not look like an HTML page */
	bool gunzip;                  /* a gzip body is judged decompressed */
};

/* Builds m from its JSON text form; 0 or SS_EINVAL with a reason in err. */
int matcher_parse(struct matcher *m, const char *json, size_t len, char *err, size_t errlen);
void matcher_release(struct matcher *m);
/* True if an answer with this status and body satisfies every condition of m. */
bool matcher_test(const struct matcher *m, long status, const char *body, size_t len);
/* The text of the first regex's first match, cut to max bytes on one line, into out; false if none. */
bool matcher_excerpt(const struct matcher *m, const char *body, size_t len, size_t max, struct buf *out);
/* True if the body starts like an HTML document (after white space and a BOM). */
bool matcher_looks_html(const char *body, size_t len);

/* How a probe shows what it found, never a secret's value. */
enum probe_evidence {
	PROBE_EVIDENCE_MATCH = 0, /* the first match of its first regex (written not to capture values) */
	PROBE_EVIDENCE_KEYS,      /* the keys of KEY=VALUE / key: value lines, values redacted */
	PROBE_EVIDENCE_SIZE,      /* status, size and content type only (binary files) */
};

/* One probe: a path to request (empty for body signatures) and what proves a hit. */
struct probe {
	char *id;
	char *path;        /* "/.git/HEAD"; NULL for signatures matched against bodies already fetched */
	char *check;       /* catalogue id reported on a hit */
	char *detail;      /* fills {detail} of the catalogue title */
	long range_bytes;  /* > 0: ask only the first this many bytes (Range), for large binaries */
	struct matcher match;
	enum probe_evidence evidence;
	/* A second matcher that, when it also holds, reports escalate_check instead (an .env that
	 * holds credentials is worse than one that does not). */
	bool has_escalate;
	struct matcher escalate;
	char *escalate_check;
};

struct probe_list {
	struct probe *items;
	size_t n;
};

/*
 * Parses {"probes": [{id, path?, check, detail, match, evidence?, range_bytes?, escalate?: {check, match}}]}
 * into l; 0 or SS_EINVAL with the reason (and the probe's id) in err.
 */
int probe_list_parse(struct probe_list *l, const char *text, size_t len, char *err, size_t errlen);
void probe_list_release(struct probe_list *l);
/* The probe's report for an answer that matched: which check, and the evidence line into out. */
const char *probe_report(const struct probe *p, long status, const char *content_type,
			 const char *body, size_t len, struct buf *out);

/*
 * "KEY=<redacted, N chars>, OTHER=<redacted, M chars>" for up to max_keys lines of the form
 * KEY=VALUE, KEY: VALUE or "key": "value" (with optional "export "), into out. Returns the
 * number of such lines found in the whole body.
 */
size_t matcher_redacted_keys(const char *body, size_t len, size_t max_keys, struct buf *out);

#endif
