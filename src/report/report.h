#ifndef REPORT_REPORT_H
#define REPORT_REPORT_H
#include "base/common.h"
#include "engine/finding.h"
#include "store/store.h"
#include <jansson.h>

/*
 * Turning a run's findings into what users read: the API's JSON shapes, the risk grade,
 * SECURITY-FIX.md (format security-fix/v1), SARIF, JUnit XML and the terminal text. Functions of
 * their inputs (and of the loaded catalogue): no I/O but report_print_text's stream. Every string
 * of a finding is treated as untrusted, as a scanned site chose it.
 */

/* One finding as the API shows it: {target, severity, category, title, description, evidence, tool}
 * plus "check", "seq", "fingerprint" (stable across runs) and "location". New reference. */
json_t *report_finding_json(const struct finding *f);
/* The reverse, for a finding read from a server: SS_EINVAL unless o has a check and a known
 * severity (missing strings become ""). out is released by finding_release. */
int report_finding_parse(json_t *o, struct finding *out);

/*
 * The GET /v1/scan/{run_id} body: run_id, status, started_at, finished_at (when finished),
 * summary {total, critical, high, medium, low, info}, findings, fix_url ("BASE/v1/scan/ID/fix").
 * base_url is the configured public URL without a trailing slash. New reference.
 */
json_t *report_scan_json(const struct run *run, const struct finding *findings, size_t n,
			 const char *base_url);

/*
 * Compares a run with a base by fingerprint (docs/api.md, "Comparing runs"): every object of
 * scan's "findings" array (report_scan_json's shape) gets "change": "new" or "unchanged"; scan gets
 * "compared_to" (base_id, or null when there is no base), "changes" {new, unchanged, fixed} and
 * "fixed": the base findings whose fingerprints are absent from cur (all the run's findings, not
 * only those shown). base is an array of finding objects (report_finding_json's shape).
 */
void report_compare_json(json_t *scan, const struct finding *cur, size_t ncur, json_t *base,
			 const char *base_id);

/*
 * The findings array of a baseline file (a `secscan scan --json` output), every one of which must
 * carry a fingerprint; NULL with a message in err otherwise. *base_id gets its run_id (caller
 * frees; NULL when absent). New reference.
 */
json_t *report_baseline_parse(const char *text, size_t len, char **base_id, char *err, size_t errlen);

/* One item of GET /v1/runs: {id, run_id, target, status, started_at, finished_at, summary};
 * finished_at is null while the run is running. New reference. */
json_t *report_run_item_json(const struct run *run);

/* {total, critical, high, medium, low, info}. New reference. */
json_t *report_summary_json(const struct severity_counts *c);

/* Counts the findings of one target (case-insensitive host; NULL: all findings) into *out. */
void report_count(const struct finding *findings, size_t n, const char *target,
		  struct severity_counts *out);

/*
 * The risk grade A-F of one target's findings (target NULL: all findings). Documented in
 * docs/grading.md; any CRITICAL gives F.
 */
char report_grade(const struct finding *findings, size_t n, const char *target);
/* The grade of severity counts ('A'..'F'), and the points behind it (docs/grading.md). */
char report_grade_counts(const struct severity_counts *c);
int report_grade_points(const struct severity_counts *c);

struct check_def;
struct check_fix;

/* The catalogue stack key ("nginx", "nextjs", "php", ...) of a detected technology name such as
 * "nginx/1.25.3" or "WordPress", or NULL if it maps to none. Static string. */
const char *report_stack_key(const char *name);
/*
 * The fix of a check for a target's detected stack: the first of its framework, hosting, server
 * and language that the check has a fix for, else the check's "default" fix; NULL if none (or def
 * is NULL). t may be NULL. Points into the catalogue.
 */
const struct check_fix *report_fix_for(const struct check_def *def, const struct run_target *t);

struct fix_request {
	const char *scanner;   /* the configured public host, e.g. "secscan.example.com" */
	const char *scan_id;
	time_t scan_date;
	const struct run_target *targets; /* the run's targets with their stacks */
	size_t ntargets;
	const struct finding *findings;
	size_t nfindings;
	const char *only_target; /* ?target= filter, or NULL */
	bool legacy;             /* format=legacy: no front matter */
	const struct run_analysis *analysis; /* the run's stored analysis, or NULL: adds its
					      * provider, model, risk_score, attack_chains and
					      * executive summary */
};

/*
 * SECURITY-FIX.md for a run (docs/security-fix-format.md): front matter unless legacy, then per
 * target its FIXes from CRITICAL to LOW (one per check and location-free title, listing the
 * locations) and its INFO findings in a short list. Fix texts come from the catalogue, which must
 * be loaded. Deterministic for the same input. Caller frees.
 */
char *report_fix_markdown(const struct fix_request *req);

/*
 * A SARIF 2.1.0 log of the findings (docs/ci-outputs.md), as GitHub code scanning reads it: one
 * run of tool secscan whose rules are the checks used (help with the fix, security-severity, CWE
 * tags) and whose results carry level, location (URL, "//host:port", or file path and line) and
 * the finding's fingerprint. Uses the loaded catalogue. New reference.
 */
json_t *report_sarif_json(const struct finding *findings, size_t n);

/*
 * A JUnit XML report (docs/ci-outputs.md): one testsuite per target (the run's targets, then any
 * other host of the findings), one testcase per check with findings there, failed when its worst
 * finding is at or above threshold. Caller frees.
 */
char *report_junit_xml(const struct run_target *targets, size_t ntargets,
		       const struct finding *findings, size_t n, enum severity threshold);

/*
 * Prints findings for a terminal: grouped by severity from CRITICAL to INFO, each with title,
 * target and location, and evidence; then a summary line with the counts and each target's
 * grade. color adds ANSI colours. Control characters of the findings are never printed.
 */
void report_print_text(FILE *out, const struct finding *findings, size_t n, bool color);

#endif
