#ifndef API_AUTH_H
#define API_AUTH_H
#include "base/common.h"
#include "store/store.h"

/*
 * Bearer-key authentication with a short-lived cache, and the per-key token bucket. A key is
 * checked against the store at most once per AUTH_CACHE_MS; a revocation through the API
 * (auth_forget_key) takes effect at once, one made by another process within AUTH_CACHE_MS.
 */

#define AUTH_CACHE_MS 1000

struct auth_cache;

struct auth_identity {
	int64_t key_id;
	int64_t account_id;
};

enum auth_result { AUTH_OK, AUTH_UNAUTHORIZED, AUTH_RATE_LIMITED };

/* rate: requests per second per key (0: no limit); burst: bucket size. */
struct auth_cache *auth_new(struct store *s, double rate, long burst);
void auth_free(struct auth_cache *a);

/*
 * Authenticates an Authorization header value ("Bearer sk-sec-...", may be NULL) and takes one
 * token of the key's bucket. AUTH_OK fills who; AUTH_RATE_LIMITED sets *retry_after (seconds);
 * a negative SS_E* is a store failure.
 */
int auth_request(struct auth_cache *a, const char *authorization, struct auth_identity *who,
		 long *retry_after);
/* Forgets a revoked key so that its next use fails. */
void auth_forget_key(struct auth_cache *a, int64_t key_id);

#endif
