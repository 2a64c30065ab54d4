#include "base/common.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

struct store *store_open(const char *location)
{
	if (!location || !*location) {
		log_error("store: no database location given");
		return NULL;
	}
	/* The location may carry a password: it is never logged. */
	if (str_starts_with_nocase(location, "postgres://") ||
	    str_starts_with_nocase(location, "postgresql://")) {
		log_error("store: PostgreSQL backend not built yet");
		return NULL;
	}
	struct store *s = xcalloc(1, sizeof(*s));
	s->ops = &store_sqlite_ops;
	if (s->ops->open(s, location)) {
		free(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	s->ops->close(s);
	free(s);
}

void account_release(struct account *a)
{
	free(a->name);
	free(a->plan);
	memset(a, 0, sizeof(*a));
}

void api_key_release(struct api_key *k)
{
	free(k->prefix);
	free(k->label);
	memset(k, 0, sizeof(*k));
}

void api_key_array_free(struct api_key *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		api_key_release(&arr[i]);
	free(arr);
}

void target_release(struct target *t)
{
	free(t->host);
	free(t->label);
	memset(t, 0, sizeof(*t));
}

void target_array_free(struct target *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		target_release(&arr[i]);
	free(arr);
}

void run_release(struct run *r)
{
	free(r->target);
	free(r->label);
	free(r->status);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

void run_array_free(struct run *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_release(&arr[i]);
	free(arr);
}

void run_target_release(struct run_target *t)
{
	free(t->host);
	free(t->label);
	free(t->server);
	free(t->framework);
	free(t->language);
	free(t->hosting);
	memset(t, 0, sizeof(*t));
}

void run_target_array_free(struct run_target *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_target_release(&arr[i]);
	free(arr);
}

void run_analysis_release(struct run_analysis *a)
{
	free(a->provider);
	free(a->model);
	free(a->content);
	free(a->chains);
	free(a->note);
	memset(a, 0, sizeof(*a));
}
