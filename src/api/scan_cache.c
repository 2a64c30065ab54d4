#include "base/common.h"
#include "api/scan_cache.h"
#include "store/store.h"
#include <pthread.h>

struct cache_entry {
	char run_id[RUN_ID_LEN + 1];
	int64_t account_id;
	int64_t since;
	struct scan_version version;
	char *body; /* NULL: empty slot */
	size_t len;
	uint64_t used; /* tick of the last hit, for LRU */
};

struct scan_cache {
	pthread_mutex_t lock;
	struct cache_entry *slots;
	size_t n;
	size_t max_body;
	uint64_t tick;
};

struct scan_cache *scan_cache_new(size_t entries, size_t max_body)
{
	struct scan_cache *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->slots = xcalloc(entries, sizeof(*c->slots));
	c->n = entries;
	c->max_body = max_body;
	return c;
}

void scan_cache_free(struct scan_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->slots[i].body);
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct cache_entry *find(struct scan_cache *c, const char *run_id, int64_t since)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->slots[i].body && c->slots[i].since == since && !strcmp(c->slots[i].run_id, run_id))
			return &c->slots[i];
	return NULL;
}

static bool same_version(const struct scan_version *a, const struct scan_version *b)
{
	return a->total == b->total && a->final == b->final && !strcmp(a->status, b->status);
}

char *scan_cache_get(struct scan_cache *c, const char *run_id, int64_t account_id, int64_t since,
		     const struct scan_version *v, size_t *len)
{
	char *copy = NULL;
	pthread_mutex_lock(&c->lock);
	struct cache_entry *e = find(c, run_id, since);
	if (e && e->account_id == account_id && (v ? same_version(v, &e->version) : e->version.final)) {
		e->used = ++c->tick;
		copy = xmalloc(e->len + 1);
		memcpy(copy, e->body, e->len + 1);
		*len = e->len;
	}
	pthread_mutex_unlock(&c->lock);
	return copy;
}

void scan_cache_put(struct scan_cache *c, const char *run_id, int64_t account_id, int64_t since,
		    const struct scan_version *v, const char *body, size_t len)
{
	if (len > c->max_body || strlen(run_id) > RUN_ID_LEN)
		return;
	char *copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&c->lock);
	struct cache_entry *e = find(c, run_id, since);
	if (!e) {
		e = &c->slots[0];
		for (size_t i = 0; i < c->n && e->body; i++)
			if (!c->slots[i].body || c->slots[i].used < e->used)
				e = &c->slots[i];
	}
	free(e->body);
	memcpy(e->run_id, run_id, strlen(run_id) + 1);
	e->account_id = account_id;
	e->since = since;
	e->version = *v;
	e->body = copy;
	e->len = len;
	e->used = ++c->tick;
	pthread_mutex_unlock(&c->lock);
}
