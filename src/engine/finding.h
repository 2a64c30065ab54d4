#ifndef ENGINE_FINDING_H
#define ENGINE_FINDING_H
#include "base/common.h"

/* Severities in increasing order, so that they compare. */
enum severity { SEV_INFO = 0, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
#define SEV_COUNT 5

/* "CRITICAL", "HIGH", ... */
const char *severity_name(enum severity sev);
/* "critical", "high", ... (keys of summary objects) */
const char *severity_key(enum severity sev);
/* Case-insensitive parse of a severity name; 0 or SS_EINVAL. */
int severity_parse(const char *name, enum severity *out);

/* The categories of the public API. */
bool category_valid(const char *category);

/* Evidence is cut to this many bytes (the API promises 200-500). */
#define FINDING_EVIDENCE_MAX 500

/*
 * One finding, as the API shows it plus internal fields. Every string is owned by the finding.
 */
struct finding {
	char *check;       /* stable check id, e.g. "headers.hsts-missing" */
	char *target;      /* normalized host the finding is about */
	enum severity severity;
	char *category;    /* one of the API's categories */
	char *title;
	char *description;
	char *evidence;    /* at most FINDING_EVIDENCE_MAX bytes; secrets redacted */
	char *tool;        /* module that produced it */
	char *location;    /* URL, path or host:port the finding is about ("" if none) */
	char fingerprint[65]; /* sha256 hex of check, target, location and discriminator */
	int64_t seq;       /* order of discovery within the run, assigned by the store */
};

/*
 * Fills f->fingerprint from check, target, location and an optional discriminator (e.g. a hash of
 * a secret value) so that the same problem has the same fingerprint in every run.
 */
void finding_fingerprint(struct finding *f, const char *discriminator);
/* Deep copy. */
void finding_copy(struct finding *dst, const struct finding *src);
/* Frees the strings (not f itself). */
void finding_release(struct finding *f);
/* Frees an array of n findings and the array. */
void finding_array_free(struct finding *arr, size_t n);

/* Counts by severity. */
struct severity_counts {
	int64_t count[SEV_COUNT];
	int64_t total;
};
void severity_counts_add(struct severity_counts *c, enum severity sev);

#endif
