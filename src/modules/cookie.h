#ifndef MODULES_COOKIE_H
#define MODULES_COOKIE_H
#include "base/common.h"
#include "base/buf.h"

/*
 * Set-Cookie parsing (RFC 6265 section 5.2, with the SameSite and prefix rules of RFC 6265bis)
 * and the cookie facts the cookies module reports from. Pure functions: no I/O.
 */

/* Set-Cookie values longer than this are refused (browsers cap a cookie at 4096 bytes). */
#define COOKIE_MAX_LEN 8192

enum cookie_samesite {
	COOKIE_SAMESITE_UNSET = 0,
	COOKIE_SAMESITE_NONE,
	COOKIE_SAMESITE_LAX,
	COOKIE_SAMESITE_STRICT,
	COOKIE_SAMESITE_INVALID, /* an attribute with an unknown value (browsers treat it as unset) */
};

/* One parsed Set-Cookie; the value itself is never kept, only its length. */
struct cookie {
	char *name;        /* as sent */
	size_t value_len;
	bool secure;
	bool httponly;
	bool partitioned;
	enum cookie_samesite samesite;
	char *domain;      /* lower case, leading dot removed; NULL if absent */
	char *path;        /* NULL if absent or not starting with "/" */
	bool has_max_age;
	long max_age;      /* seconds, when has_max_age (clamped to +-10 years) */
	bool has_expires;
	int expires_year;  /* the 4-digit year of Expires, 0 if none could be read */
};

/*
 * Parses one Set-Cookie header value into c. SS_EINVAL when browsers would ignore the cookie
 * (empty name, control characters), SS_ETOOBIG past COOKIE_MAX_LEN; c is left empty then.
 */
int cookie_parse(struct cookie *c, const char *text, size_t len);
void cookie_release(struct cookie *c);

/* "name=<hidden>; Domain=...; Path=/; Secure; HttpOnly; SameSite=Lax" (never the value) into out. */
void cookie_describe(const struct cookie *c, struct buf *out);
/* The prefix rules: "__Secure-" needs Secure; "__Host-" needs Secure, Path=/ and no Domain.
 * Returns NULL if the cookie keeps them, else which rule it breaks (a static string). */
const char *cookie_prefix_violation(const struct cookie *c);

/* True if the header deletes the cookie (Max-Age <= 0, or Expires before year now_year):
 * a logout answer's cookie carries no session to protect. */
bool cookie_is_deletion(const struct cookie *c, int now_year);
/* True if the Domain attribute names a parent of hostname (the cookie reaches sibling hosts). */
bool cookie_domain_is_parent(const struct cookie *c, const char *hostname);

/* Session cookie names, from rules/cookies/session-names.json. */
struct cookie_names {
	char **exact, **prefix, **suffix, **contains; /* lower case */
	size_t nexact, nprefix, nsuffix, ncontains;
	char **exclude; /* substrings that make a name not a session cookie ("csrf": readable by design) */
	size_t nexclude;
};
/* Parses the JSON {"exact":[], "prefix":[], "suffix":[], "contains":[], "exclude":[]}; 0 or SS_EINVAL. */
int cookie_names_parse(struct cookie_names *n, const char *text, size_t len);
void cookie_names_release(struct cookie_names *n);
/* True if a cookie of that name looks like it carries a session or an auth token. */
bool cookie_names_is_session(const struct cookie_names *n, const char *name);

#endif
