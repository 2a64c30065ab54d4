#ifndef REPORT_INTERNAL_H
#define REPORT_INTERNAL_H
#include "base/common.h"
#include "base/buf.h"
#include "engine/finding.h"
#include "store/store.h"
#include <jansson.h>

/*
 * Helpers shared by the report writers (fix file, SARIF, JUnit, text). Every writer orders
 * findings the same way and treats their strings as untrusted: titles, locations and evidence
 * can carry whatever a scanned site put there.
 */

/* Upper bound of any one generated document (the store bounds a run's findings long before). */
#define REPORT_OUTPUT_MAX ((size_t)256 << 20)

/* The findings ordered by severity (CRITICAL first), then seq, check and location. Caller frees
 * the array (not the findings). */
const struct finding **report_sorted(const struct finding *findings, size_t n);

/* Decodes the UTF-8 code point at s[*i] (s has len bytes) and advances *i; a malformed sequence
 * (see utf8_decode) reads as one byte of U+FFFD, so that every input makes progress. */
uint32_t report_utf8_next(const char *s, size_t len, size_t *i);

/* Appends s on one line: control characters and line breaks become spaces, runs of spaces one
 * space, invalid UTF-8 U+FFFD. For headings, list items and terminal output. */
void report_put_line(struct buf *b, const char *s);

/* Appends a Markdown fenced code block holding text, with a fence longer than any run of
 * backticks in text so that nothing inside can close it. Control characters but tab and newline
 * are dropped. */
void report_put_fence(struct buf *b, const char *lang, const char *text);

/* Appends s as Markdown inline code (one line; a backtick run in s lengthens the delimiters). */
void report_put_code(struct buf *b, const char *s);

/* A JSON string of s (NULL: ""), with malformed UTF-8 replaced by U+FFFD, where json_string would
 * fail. New reference, never NULL. */
json_t *report_json_string(const char *s);

/* A target of a report: one of the run's targets, or a host only known from its findings. */
struct report_host {
	const char *host;
	const struct run_target *rt; /* NULL when only known from findings */
};

/* The run's targets in order, then the other hosts of the findings in order of appearance, each
 * once (hosts compare case-insensitively); only those equal to only when only is not NULL.
 * Caller frees the array; the strings point into the inputs. */
struct report_host *report_hosts(const struct run_target *targets, size_t ntargets,
				 const struct finding *findings, size_t nfindings, const char *only,
				 size_t *count);

/* Appends s with every byte but ASCII letters, digits and those in keep percent-encoded. */
void report_put_pct(struct buf *b, const char *s, const char *keep);

/* Appends s as a YAML double-quoted scalar, escaping quotes, backslashes, line breaks and every
 * non-printable character, so that user input (hosts, labels) can never end or extend the value. */
void report_put_yaml_string(struct buf *b, const char *s);

#endif
