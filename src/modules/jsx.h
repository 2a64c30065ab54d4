#ifndef MODULES_JSX_H
#define MODULES_JSX_H
#include "base/common.h"

/*
 * Reading facts out of JavaScript, JSON and HTML text as served (often minified) without a JS
 * parser: string literals assigned to a key, and the first string argument of a call. Bounded:
 * only literals of at most max bytes without raw line breaks or ${} are reported, escapes left
 * as written; the text is untrusted and may be cut anywhere.
 */

/* Receives one literal (not NUL-terminated; valid during the call). */
typedef void (*jsx_fn)(void *ud, const char *value, size_t len);

/*
 * Calls fn for each string literal bound to key: `key: "v"`, `"key":"v"`, `key = 'v'`,
 * `key:`v``. The key must not be part of a longer identifier.
 */
void jsx_key_values(const char *text, size_t len, const char *key, size_t max, jsx_fn fn, void *ud);
/*
 * Calls fn for the first argument of each call of callee when it is a string literal: callee
 * "fetch(" finds fetch("/api/chat", ...); callee ".from(" finds supabase.from('profiles').
 * skip_upper: ignore calls whose receiver starts with an upper-case letter (Array.from,
 * Buffer.from).
 */
void jsx_call_args(const char *text, size_t len, const char *callee, bool skip_upper, size_t max, jsx_fn fn,
		   void *ud);
/* Calls fn for each string literal of at least min and at most max bytes. */
void jsx_strings(const char *text, size_t len, size_t min, size_t max, jsx_fn fn, void *ud);

/* A bounded list of distinct strings (zero-initialise, set max). */
struct jsx_list {
	char **v;
	size_t n, cap;
	size_t max; /* adds past this many are dropped */
};
/* Adds s[0..len) unless the list has it or is full; true if added. */
bool jsx_list_add(struct jsx_list *l, const char *s, size_t len);
bool jsx_list_has(const struct jsx_list *l, const char *s, size_t len);
void jsx_list_release(struct jsx_list *l);

#endif
