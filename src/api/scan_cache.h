#ifndef API_SCAN_CACHE_H
#define API_SCAN_CACHE_H
#include "base/common.h"

/*
 * A small LRU cache of GET /v1/scan/{id} answers, so that polling does not rebuild the same JSON.
 * An answer is valid for a version of its run: findings are append-only, so the run's status and
 * finding count identify what the answer holds. A run that has ended and whose worker is gone
 * never changes again: its answer is "final" and served without asking the store at all.
 * Entries remember the owning account: a hit for another account is a miss. Thread-safe.
 */

struct scan_version {
	char status[16];
	int64_t total; /* findings of the run */
	bool final;    /* the run cannot change any more */
};

struct scan_cache;

/* At most entries answers, each at most max_body bytes (larger ones are not cached). */
struct scan_cache *scan_cache_new(size_t entries, size_t max_body);
void scan_cache_free(struct scan_cache *c);
/*
 * A copy of the cached answer (caller frees) or NULL: with v NULL only a final answer matches,
 * otherwise only one of exactly that version.
 */
char *scan_cache_get(struct scan_cache *c, const char *run_id, int64_t account_id, int64_t since,
		     const struct scan_version *v, size_t *len);
/* Remembers an answer (copied) of version v, evicting the least recently used entry when full. */
void scan_cache_put(struct scan_cache *c, const char *run_id, int64_t account_id, int64_t since,
		    const struct scan_version *v, const char *body, size_t len);

#endif
