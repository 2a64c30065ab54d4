#include "base/common.h"
#include "api/auth.h"
#include "base/clock.h"
#include "base/str.h"
#include "service/keys.h"
#include <ctype.h>
#include <math.h>
#include <pthread.h>

#define AUTH_BUCKETS 256

struct entry {
	char hash[65];
	struct auth_identity who;
	int64_t checked_ms; /* last confirmation by the store */
	double tokens;
	int64_t refill_ms;
	struct entry *next;
};

struct auth_cache {
	struct store *store;
	double rate;
	double burst;
	pthread_mutex_t lock;
	struct entry *table[AUTH_BUCKETS];
};

struct auth_cache *auth_new(struct store *s, double rate, long burst)
{
	struct auth_cache *a = xcalloc(1, sizeof(*a));
	a->store = s;
	a->rate = rate;
	a->burst = (double)burst;
	pthread_mutex_init(&a->lock, NULL);
	return a;
}

void auth_free(struct auth_cache *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < AUTH_BUCKETS; i++)
		while (a->table[i]) {
			struct entry *e = a->table[i];
			a->table[i] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static struct entry **slot(struct auth_cache *a, const char *hash)
{
	/* The hash is SHA-256 hex already: its first characters spread evenly. */
	unsigned idx = ((unsigned char)hash[0] * 16u + (unsigned char)hash[1]) % AUTH_BUCKETS;
	struct entry **p = &a->table[idx];
	while (*p && strcmp((*p)->hash, hash))
		p = &(*p)->next;
	return p;
}

/* Extracts the key from "Bearer KEY"; NULL when the header does not hold a well-formed key. */
static const char *bearer_key(const char *header, char *key, size_t keylen)
{
	if (!header || !str_starts_with_nocase(header, "Bearer "))
		return NULL;
	const char *p = header + 7;
	while (*p == ' ')
		p++;
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n >= keylen)
		return NULL;
	memcpy(key, p, n);
	key[n] = '\0';
	return keys_well_formed(key) ? key : NULL;
}

static bool take_token(struct auth_cache *a, struct entry *e, int64_t now, long *retry_after)
{
	if (a->rate <= 0)
		return true;
	e->tokens = fmin(a->burst, e->tokens + (double)(now - e->refill_ms) * a->rate / 1000.0);
	e->refill_ms = now;
	if (e->tokens >= 1.0) {
		e->tokens -= 1.0;
		return true;
	}
	*retry_after = MAX(1L, (long)ceil((1.0 - e->tokens) / a->rate));
	return false;
}

int auth_request(struct auth_cache *a, const char *authorization, struct auth_identity *who,
		 long *retry_after)
{
	char key[KEYS_LEN + 2];
	char hash[65];
	if (!bearer_key(authorization, key, sizeof(key)))
		return AUTH_UNAUTHORIZED;
	keys_hash(key, hash);

	int64_t now = clock_mono_ms();
	pthread_mutex_lock(&a->lock);
	struct entry **p = slot(a, hash);
	bool fresh = *p && now - (*p)->checked_ms < AUTH_CACHE_MS;
	pthread_mutex_unlock(&a->lock);

	struct api_key k = {0};
	if (!fresh) {
		int rc = store_key_authenticate(a->store, hash, &k);
		if (rc == SS_ENOTFOUND) {
			pthread_mutex_lock(&a->lock);
			p = slot(a, hash);
			if (*p) {
				struct entry *gone = *p;
				*p = gone->next;
				free(gone);
			}
			pthread_mutex_unlock(&a->lock);
			return AUTH_UNAUTHORIZED;
		}
		if (rc)
			return rc;
	}

	pthread_mutex_lock(&a->lock);
	p = slot(a, hash);
	if (!fresh) {
		if (!*p) {
			*p = xcalloc(1, sizeof(**p));
			memcpy((*p)->hash, hash, sizeof(hash));
			(*p)->tokens = a->burst;
			(*p)->refill_ms = now;
		}
		(*p)->who.key_id = k.id;
		(*p)->who.account_id = k.account_id;
		(*p)->checked_ms = now;
	} else if (!*p) {
		/* revoked between the two locks */
		pthread_mutex_unlock(&a->lock);
		return AUTH_UNAUTHORIZED;
	}
	*who = (*p)->who;
	bool ok = take_token(a, *p, now, retry_after);
	pthread_mutex_unlock(&a->lock);
	if (!fresh)
		api_key_release(&k);
	return ok ? AUTH_OK : AUTH_RATE_LIMITED;
}

void auth_forget_key(struct auth_cache *a, int64_t key_id)
{
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < AUTH_BUCKETS; i++)
		for (struct entry **p = &a->table[i]; *p;) {
			if ((*p)->who.key_id == key_id) {
				struct entry *gone = *p;
				*p = gone->next;
				free(gone);
			} else {
				p = &(*p)->next;
			}
		}
	pthread_mutex_unlock(&a->lock);
}
