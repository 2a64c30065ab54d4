#ifndef MODULES_BUCKET_H
#define MODULES_BUCKET_H
#include "base/common.h"

/*
 * Cloud storage containers (S3, Google Cloud Storage, Azure Blob): the references a site's code
 * makes to them, and the listings they answer with. Pure functions over untrusted, bounded text.
 */

enum bucket_provider { BUCKET_S3, BUCKET_GCS, BUCKET_AZURE };

/* One container a text refers to. */
struct bucket_ref {
	enum bucket_provider provider;
	char origin[300];   /* "https://name.s3.amazonaws.com", "https://storage.googleapis.com", "https://acct.blob.core.windows.net" (port kept) */
	char name[64];      /* bucket or container name */
	bool virtual_host;  /* the name is in the host (S3 name.s3...amazonaws.com) */
	char object[200];   /* the object key the reference names ("img/a.png"; "" for none), cut */
};

/* Calls fn for each storage container URL in text (at most max references). */
void bucket_refs(const char *text, size_t len, size_t max, void (*fn)(void *ud, const struct bucket_ref *r), void *ud);
/* True if the host name is a storage provider's (*.amazonaws.com, *storage.googleapis.com, *.blob.core.windows.net). */
bool bucket_storage_host(const char *hostname);
/* The URL that asks the container for a short listing (caller frees). */
char *bucket_listing_url(const struct bucket_ref *r);
/* The URL of the object key (no leading '/', URL-safe) in the container (caller frees). */
char *bucket_object_url(const struct bucket_ref *r, const char *key);
/* "S3 bucket", "GCS bucket", "Azure container". */
const char *bucket_provider_name(enum bucket_provider p);

#define BUCKET_SAMPLE_KEYS 3
#define BUCKET_LISTING_MAX (1024 * 1024)

/* What a listing answer shows. */
struct bucket_listing {
	bool listing;         /* the body is a listing (S3/GCS ListBucketResult, Azure EnumerationResults, GCS JSON objects) */
	size_t objects;       /* objects in this page of the listing */
	bool truncated;       /* the listing says there are more */
	char keys[BUCKET_SAMPLE_KEYS][96]; /* the first object names, cut, control characters dropped */
	size_t nkeys;
};
/* Reads a listing answer; 0, or SS_EINVAL when it is none (an error document, HTML, too large). */
int bucket_parse_listing(const char *body, size_t len, struct bucket_listing *out);

#endif
