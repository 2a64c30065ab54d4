#ifndef MODULES_SOFT404_H
#define MODULES_SOFT404_H
#include "base/common.h"

/*
 * The answer a site gives for paths that do not exist (a 404 page, a catch-all 200, an SPA's
 * index.html), learnt from requests for random paths, so that probes never report it.
 * Pure functions: no I/O.
 */

#define SOFT404_MAX 4

struct soft404_answer {
	long status;
	size_t len;        /* of the body with the requested path cut out */
	char hash[65];     /* sha256 of that body */
};

struct soft404 {
	struct soft404_answer known[SOFT404_MAX];
	size_t n;
};

/* Remembers the answer for path (a random path, or the main page whose body any fallback repeats). */
void soft404_learn(struct soft404 *s, const char *path, long status, const char *body, size_t len);
/* True if the answer for path is one already learnt: same status and the same body (or length)
 * once the requested path is cut out of it, as error pages often repeat it. */
bool soft404_matches(const struct soft404 *s, const char *path, long status, const char *body, size_t len);

#endif
