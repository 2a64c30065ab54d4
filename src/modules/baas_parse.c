#include "base/common.h"
#include "modules/baas_parse.h"
#include "base/str.h"
#include "base/url.h"
#include <jansson.h>

#define BAAS_VALUE_MAX 256
#define BAAS_JSON_MAX (1024 * 1024)
#define BAAS_NAME_MAX 64

void baas_config_init(struct baas_config *c)
{
	memset(c, 0, sizeof(*c));
	c->projects.max = c->databases.max = c->buckets.max = c->supabase.max = BAAS_MAX_ITEMS;
	c->tables.max = BAAS_MAX_TABLES;
}

void baas_config_release(struct baas_config *c)
{
	jsx_list_release(&c->projects);
	jsx_list_release(&c->databases);
	jsx_list_release(&c->buckets);
	jsx_list_release(&c->supabase);
	jsx_list_release(&c->tables);
}

static bool baas_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* A Firebase project id: 6-30 of [a-z0-9-], starting with a letter. */
static bool baas_project_ok(const char *s, size_t n)
{
	if (n < 6 || n > 30 || !(s[0] >= 'a' && s[0] <= 'z') || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!baas_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* A bucket name: 3-222 of [a-z0-9._-], starting and ending alphanumeric. */
static bool baas_bucket_ok(const char *s, size_t n)
{
	if (n < 3 || n > 222 || !baas_lower_alnum(s[0]) || !baas_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!baas_lower_alnum(s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
			return false;
	return true;
}

/* An SQL identifier PostgREST serves as a path segment. */
static bool baas_table_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !(((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = (char)(s[i] | 0x20);
		if (!baas_lower_alnum(ch) && s[i] != '_')
			return false;
	}
	return true;
}

/* The origin of an absolute http(s) URL whose host ends with one of the suffixes (NULL: any). */
static char *baas_origin_of(const char *s, size_t n, const char *const *suffixes)
{
	char *text = xstrndup(s, n);
	struct url u;
	char *out = NULL;
	if (url_parse(text, &u) == 0) {
		bool ok = !suffixes;
		for (size_t i = 0; suffixes && suffixes[i]; i++)
			ok |= str_ends_with(u.host, suffixes[i]) && strlen(u.host) > strlen(suffixes[i]);
		if (ok)
			out = url_origin(&u);
		url_release(&u);
	}
	free(text);
	return out;
}

static void baas_add_origin(struct jsx_list *l, char *origin)
{
	if (origin)
		jsx_list_add(l, origin, strlen(origin));
	free(origin);
}

struct baas_scan {
	struct baas_config *c;
	bool firebase; /* the text holds a Firebase apiKey or authDomain */
};

static void baas_on_api_key(void *ud, const char *v, size_t n)
{
	struct baas_scan *s = ud;
	if (n == 39 && memcmp(v, "AIza", 4) == 0)
		s->firebase = true;
}

static void baas_on_auth_domain(void *ud, const char *v, size_t n)
{
	struct baas_scan *s = ud;
	static const char sfx[] = ".firebaseapp.com";
	if (n > sizeof(sfx) - 1 && memcmp(v + n - (sizeof(sfx) - 1), sfx, sizeof(sfx) - 1) == 0)
		s->firebase = true;
}

static void baas_on_project(void *ud, const char *v, size_t n)
{
	struct baas_scan *s = ud;
	if (baas_project_ok(v, n))
		jsx_list_add(&s->c->projects, v, n);
}

static void baas_on_database(void *ud, const char *v, size_t n)
{
	static const char *const sfx[] = {".firebaseio.com", ".firebasedatabase.app", NULL};
	struct baas_scan *s = ud;
	baas_add_origin(&s->c->databases, baas_origin_of(v, n, sfx));
}

static void baas_on_bucket(void *ud, const char *v, size_t n)
{
	struct baas_scan *s = ud;
	if (n > 5 && memcmp(v, "gs://", 5) == 0) {
		v += 5;
		n -= 5;
	}
	if (baas_bucket_ok(v, n))
		jsx_list_add(&s->c->buckets, v, n);
}

static void baas_on_create_client(void *ud, const char *v, size_t n)
{
	struct baas_scan *s = ud;
	baas_add_origin(&s->c->supabase, baas_origin_of(v, n, NULL));
}

static void baas_on_table(void *ud, const char *v, size_t n)
{
	struct baas_scan *s = ud;
	if (baas_table_ok(v, n))
		jsx_list_add(&s->c->tables, v, n);
}

/* "https://REF.supabase.co[:PORT]" wherever the text names one (also wss:// and escaped \/\/). */
static void baas_supabase_hosts(struct baas_config *c, const char *text, size_t len)
{
	static const char sfx[] = ".supabase.co";
	const size_t sl = sizeof(sfx) - 1;
	for (size_t pos = 0; pos + sl <= len;) {
		const char *hit = memmem(text + pos, len - pos, sfx, sl);
		if (!hit)
			break;
		size_t at = (size_t)(hit - text), end = at + sl;
		pos = at + 1;
		size_t r = at;
		while (r > 0 && at - r < 63 && (baas_lower_alnum(text[r - 1]) || text[r - 1] == '-'))
			r--;
		if (r == at || r < 2 || text[r - 1] != '/' || (text[r - 2] != '/' && text[r - 2] != '\\'))
			continue;
		if (end < len && (baas_lower_alnum(text[end]) || text[end] == '.' || text[end] == '-' ||
				  (text[end] >= 'A' && text[end] <= 'Z')))
			continue; /* supabase.com, supabase.co.evil */
		size_t pe = end;
		if (pe < len && text[pe] == ':') {
			size_t d = pe + 1;
			while (d < len && d - pe <= 5 && text[d] >= '0' && text[d] <= '9')
				d++;
			if (d > pe + 1)
				pe = d;
		}
		char *u = xasprintf("https://%.*s", (int)(pe - r), text + r);
		baas_add_origin(&c->supabase, baas_origin_of(u, strlen(u), NULL));
		free(u);
	}
}

void baas_config_scan(struct baas_config *c, const char *text, size_t len)
{
	struct baas_scan s = {.c = c};
	if (!text || !len)
		return;
	jsx_key_values(text, len, "apiKey", BAAS_VALUE_MAX, baas_on_api_key, &s);
	jsx_key_values(text, len, "authDomain", BAAS_VALUE_MAX, baas_on_auth_domain, &s);
	if (s.firebase) {
		jsx_key_values(text, len, "projectId", BAAS_VALUE_MAX, baas_on_project, &s);
		jsx_key_values(text, len, "databaseURL", BAAS_VALUE_MAX, baas_on_database, &s);
		jsx_key_values(text, len, "storageBucket", BAAS_VALUE_MAX, baas_on_bucket, &s);
	}
	baas_supabase_hosts(c, text, len);
	if (memmem(text, len, "supabase", 8)) {
		jsx_call_args(text, len, "createClient(", false, BAAS_VALUE_MAX, baas_on_create_client, &s);
		jsx_call_args(text, len, ".from(", true, BAAS_NAME_MAX, baas_on_table, &s);
	}
}

static json_t *baas_json(const char *body, size_t len)
{
	if (!body || len == 0 || len > BAAS_JSON_MAX)
		return NULL;
	return json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
}

int baas_openapi_tables(const char *body, size_t len, struct jsx_list *tables)
{
	json_t *doc = baas_json(body, len);
	json_t *paths = json_object_get(doc, "paths");
	if (!json_is_object(paths) || !(json_object_get(doc, "swagger") || json_object_get(doc, "openapi"))) {
		json_decref(doc);
		return SS_EINVAL;
	}
	const char *key;
	json_t *v;
	json_object_foreach(paths, key, v) {
		size_t n = strlen(key);
		if (n < 2 || key[0] != '/' || memchr(key + 1, '/', n - 1) || !baas_table_ok(key + 1, n - 1))
			continue;
		jsx_list_add(tables, key + 1, n - 1);
	}
	json_decref(doc);
	return 0;
}

/* Appends a name to a comma-separated list, cut to BAAS_NAME_MAX bytes. */
static void baas_put_name(struct buf *out, const char *name)
{
	if (out->len)
		buf_appends(out, ", ");
	char *cut = str_truncate_utf8(name, BAAS_NAME_MAX);
	buf_appends(out, cut);
	free(cut);
}

int baas_rows_columns(const char *body, size_t len, struct buf *cols)
{
	json_t *doc = baas_json(body, len);
	if (!json_is_array(doc)) {
		json_decref(doc);
		return -1;
	}
	int rows = (int)MIN(json_array_size(doc), (size_t)INT_MAX);
	json_t *first = json_array_get(doc, 0);
	if (json_is_object(first)) {
		const char *key;
		json_t *v;
		int k = 0;
		json_object_foreach(first, key, v) {
			if (k++ == 12) {
				buf_appends(cols, ", ...");
				break;
			}
			baas_put_name(cols, key);
		}
	}
	json_decref(doc);
	return rows;
}

/* The collection of a Firestore document name ".../documents/COLL/ID" ("" if none). */
static void baas_collection_of(const char *name, char *out, size_t n)
{
	const char *d = strstr(name ? name : "", "/documents/");
	out[0] = '\0';
	if (!d)
		return;
	d += strlen("/documents/");
	size_t l = strcspn(d, "/");
	snprintf(out, n, "%.*s", (int)MIN(l, n - 1), d);
}

int baas_listing_names(const char *kind, const char *body, size_t len, struct buf *names)
{
	json_t *doc = baas_json(body, len);
	int count = -1;
	if (!strcmp(kind, "rtdb")) {
		/* "null" is an empty database whose rules allow the read */
		if (json_is_null(doc) || (json_is_object(doc) && !json_object_get(doc, "error"))) {
			const char *key;
			json_t *v;
			count = 0;
			json_object_foreach(doc, key, v) {
				if (count < 10)
					baas_put_name(names, key);
				count++;
			}
		}
	} else if (!strcmp(kind, "firestore")) {
		json_t *docs = json_object_get(doc, "documents");
		if (json_is_object(doc) && !json_object_get(doc, "error")) {
			struct jsx_list seen = {.max = 10};
			count = (int)json_array_size(docs);
			for (size_t i = 0; i < json_array_size(docs); i++) {
				char coll[BAAS_NAME_MAX + 1];
				baas_collection_of(json_string_value(json_object_get(json_array_get(docs, i), "name")), coll,
						   sizeof(coll));
				if (coll[0] && jsx_list_add(&seen, coll, strlen(coll)))
					baas_put_name(names, coll);
			}
			jsx_list_release(&seen);
		}
	} else if (!strcmp(kind, "storage")) {
		json_t *items = json_object_get(doc, "items"), *prefixes = json_object_get(doc, "prefixes");
		if (json_is_object(doc) && !json_object_get(doc, "error") && (json_is_array(items) || json_is_array(prefixes))) {
			count = (int)(json_array_size(items) + json_array_size(prefixes));
			for (size_t i = 0; i < json_array_size(prefixes) && names->len < 400; i++) {
				const char *p = json_string_value(json_array_get(prefixes, i));
				if (p)
					baas_put_name(names, p);
			}
			for (size_t i = 0; i < json_array_size(items) && names->len < 400; i++) {
				const char *p = json_string_value(json_object_get(json_array_get(items, i), "name"));
				if (p)
					baas_put_name(names, p);
			}
		}
	}
	json_decref(doc);
	return count;
}
