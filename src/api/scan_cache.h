#ifndef API_SCAN_CACHE_H
#define API_SCAN_CACHE_H
#include "base/common.h"

/*
 * A small LRU cache of GET /v1/scan/{id} answers of finished runs. A run that has ended (and whose
 * worker is gone) never changes again, so its JSON is built once instead of on every poll.
 * Entries remember the owning account: a hit for another account is a miss. Thread-safe.
 */

struct scan_cache;

/* At most entries answers, each at most max_body bytes (larger ones are not cached). */
struct scan_cache *scan_cache_new(size_t entries, size_t max_body);
void scan_cache_free(struct scan_cache *c);
/* A copy of the cached answer (caller frees) or NULL. */
char *scan_cache_get(struct scan_cache *c, const char *run_id, int64_t account_id, int64_t since,
		     size_t *len);
/* Remembers an answer (copied), evicting the least recently used entry when full. */
void scan_cache_put(struct scan_cache *c, const char *run_id, int64_t account_id, int64_t since,
		    const char *body, size_t len);

#endif
