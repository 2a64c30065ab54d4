#ifndef MODULES_BAAS_PARSE_H
#define MODULES_BAAS_PARSE_H
#include "base/common.h"
#include "base/buf.h"
#include "modules/jsx.h"

/*
 * What client code says about its backend-as-a-service projects, and the parsers of the
 * answers the baas module reads. Everything here is a pure function of untrusted text.
 */

/* Most distinct values kept per kind. */
#define BAAS_MAX_ITEMS 8
#define BAAS_MAX_TABLES 32

/* Backends named by the client code, accumulated over the crawl's assets. */
struct baas_config {
	struct jsx_list projects;  /* Firebase project ids ("my-app-3f2a1") */
	struct jsx_list databases; /* Realtime Database origins ("https://my-app-default-rtdb.firebaseio.com") */
	struct jsx_list buckets;   /* Firebase Storage buckets ("my-app.appspot.com") */
	struct jsx_list supabase;  /* Supabase project origins ("https://abcd...supabase.co") */
	struct jsx_list tables;    /* table names from .from('table') calls */
};

void baas_config_init(struct baas_config *c);
/*
 * Adds what one asset (JS, HTML, JSON) names: a Firebase config (projectId, databaseURL,
 * storageBucket, only when the same text has a Firebase apiKey or authDomain), Supabase project
 * URLs (*.supabase.co, and the first argument of createClient()), and table names of .from().
 */
void baas_config_scan(struct baas_config *c, const char *text, size_t len);
void baas_config_release(struct baas_config *c);

/* Adds the table names of a PostgREST OpenAPI root (GET /rest/v1/: "paths" such as "/profiles"; not "/rpc/..."). 0 or SS_EINVAL if it is no such document. */
int baas_openapi_tables(const char *body, size_t len, struct jsx_list *tables);
/*
 * Reads a PostgREST rows answer (a JSON array): returns the number of rows, or -1 if the body is
 * no JSON array. The column names of the first row (never values) go into cols, comma-separated,
 * at most 12 of them.
 */
int baas_rows_columns(const char *body, size_t len, struct buf *cols);
/*
 * Reads an answer that lists what it holds as a JSON object: the RTDB shallow root
 * ({"users": true, ...}), a Firestore list ({"documents": [{"name": ".../documents/users/x"}]}) or
 * a Storage list ({"items": [{"name": "avatars/1.png"}], "prefixes": [...]}). kind is "rtdb",
 * "firestore" or "storage". Returns how many entries it names (0: readable but empty or nothing)
 * or -1 when the body is not such an answer (an error, a denial); what goes into names (comma-
 * separated, at most 10) is keys, collection names or object paths, never contents.
 */
int baas_listing_names(const char *kind, const char *body, size_t len, struct buf *names);

#endif
