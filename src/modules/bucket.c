#include "base/common.h"
#include "modules/bucket.h"
#include "base/str.h"
#include <ctype.h>

const char *bucket_provider_name(enum bucket_provider p)
{
	switch (p) {
	case BUCKET_S3:
		return "S3 bucket";
	case BUCKET_GCS:
		return "GCS bucket";
	case BUCKET_AZURE:
		return "Azure container";
	}
	return "bucket";
}

static bool bucket_host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-';
}

/* S3 and GCS: 3-63 of [a-z0-9.-_] (no '_' for S3), starting and ending with a letter or digit; Azure: [a-z0-9-]. */
static bool bucket_name_ok(const char *s, size_t n, enum bucket_provider p)
{
	if (n < 3 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || isdigit((unsigned char)c) || c == '-' ||
			  (c == '.' && p != BUCKET_AZURE) || (c == '_' && p == BUCKET_GCS);
		if (!ok)
			return false;
	}
	return true;
}

/* The first path segment after the host at s (after an optional :port), into name; its length or 0. */
static size_t bucket_first_segment(const char *s, const char *end, const char **seg)
{
	if (s < end && *s == ':')
		while (s < end && (*s == ':' || isdigit((unsigned char)*s)))
			s++;
	if (s >= end || *s != '/')
		return 0;
	s++;
	const char *e = s;
	while (e < end && (isalnum((unsigned char)*e) || *e == '.' || *e == '-' || *e == '_'))
		e++;
	*seg = s;
	return (size_t)(e - s);
}

/* The object key after the '/' at p up to where the URL ends, into out ("" if p is no '/'). */
static void bucket_key(const char *p, const char *end, char *out, size_t n)
{
	size_t k = 0;
	if (p < end && *p == '/')
		for (p++; p < end && k + 1 < n && (unsigned char)*p > 0x20 && !strchr("?#\"'`<>()\\", *p); p++)
			out[k++] = *p;
	out[k] = '\0';
}

/* Fills r's origin from the host at [hs, he) and the port that may follow; scheme from what precedes. */
static void bucket_origin(struct bucket_ref *r, const char *text, const char *hs, const char *he, const char *end)
{
	bool http = hs - text >= 7 && !strncasecmp(hs - 7, "http://", 7);
	const char *pe = he;
	if (pe < end && *pe == ':')
		for (pe++; pe < end && isdigit((unsigned char)*pe) && pe - he < 6;)
			pe++;
	snprintf(r->origin, sizeof(r->origin), "%s://%.*s", http ? "http" : "https", (int)MIN((size_t)(pe - hs), (size_t)250), hs);
	str_lower(r->origin);
}

bool bucket_storage_host(const char *hostname)
{
	return str_ends_with(hostname, ".amazonaws.com") || str_ends_with(hostname, "storage.googleapis.com") ||
	       str_ends_with(hostname, ".blob.core.windows.net");
}

void bucket_refs(const char *text, size_t len, size_t max, void (*fn)(void *ud, const struct bucket_ref *r), void *ud)
{
	static const struct {
		const char *suffix;
		enum bucket_provider p;
	} hosts[] = {{"amazonaws.com", BUCKET_S3}, {"storage.googleapis.com", BUCKET_GCS}, {"blob.core.windows.net", BUCKET_AZURE}};
	if (!text)
		return;
	const char *end = text + len;
	size_t found = 0;
	for (size_t h = 0; h < ARRAY_SIZE(hosts); h++) {
		size_t sl = strlen(hosts[h].suffix);
		for (const char *p = text; found < max && (p = str_find_nocase(p, (size_t)(end - p), hosts[h].suffix));
		     p += sl) {
			const char *he = p + sl;
			if (he < end && (isalnum((unsigned char)*he) || *he == '-' || *he == '.'))
				continue;
			const char *hs = p;
			while (hs > text && bucket_host_char(hs[-1]) && p - hs < 200)
				hs--;
			size_t hl = (size_t)(he - hs);
			char host[256];
			if (hl >= sizeof(host))
				continue;
			memcpy(host, hs, hl);
			host[hl] = '\0';
			str_lower(host);
			struct bucket_ref r = {.provider = hosts[h].p};
			const char *seg = NULL;
			size_t segl = bucket_first_segment(he, end, &seg);
			const char *name = NULL;
			size_t nl = 0;
			const char *key = NULL; /* the '/' before the object key */
			if (r.provider == BUCKET_S3) {
				/* s3.amazonaws.com, s3.eu-west-1.amazonaws.com, s3-eu-west-1...: path style */
				const char *vh = NULL;
				for (const char *q = strstr(host, ".s3"); q; q = strstr(q + 1, ".s3"))
					if (q[3] == '.' || q[3] == '-')
						vh = q; /* the last ".s3." / ".s3-" label ends the bucket name */
				if (!strncmp(host, "s3", 2) && (host[2] == '.' || host[2] == '-')) {
					name = seg;
					nl = segl;
					key = seg ? seg + segl : NULL;
				} else if (vh) {
					name = hs;
					nl = (size_t)(vh - host);
					r.virtual_host = true;
					key = seg ? seg - 1 : NULL;
				}
			} else if (r.provider == BUCKET_GCS) {
				if (hl == sl) { /* storage.googleapis.com/BUCKET, or the JSON API's /storage/v1/b/BUCKET */
					if (segl == 7 && !strncmp(seg, "storage", 7)) {
						const char *b = str_find(seg, (size_t)(end - seg), "/b/");
						if (b && b - seg < 16)
							segl = bucket_first_segment(b + 2, end, &seg);
						else
							segl = 0;
					} else if (seg) { /* not the JSON API's keys: those are URL-encoded */
						key = seg + segl;
					}
					name = seg;
					nl = segl;
				} else if (hs[hl - sl - 1] == '.') {
					name = hs;
					nl = hl - sl - 1;
					r.virtual_host = true;
					key = seg ? seg - 1 : NULL;
				}
			} else if (hl > sl + 1 && hs[hl - sl - 1] == '.' && bucket_name_ok(hs, hl - sl - 1, BUCKET_AZURE)) {
				name = seg; /* ACCOUNT.blob.core.windows.net/CONTAINER */
				nl = segl;
				key = seg ? seg + segl : NULL;
			}
			if (!name || !bucket_name_ok(name, nl, r.provider))
				continue;
			memcpy(r.name, name, nl);
			r.name[nl] = '\0';
			if (key)
				bucket_key(key, end, r.object, sizeof(r.object));
			bucket_origin(&r, text, hs, he, end);
			fn(ud, &r);
			found++;
		}
	}
}

char *bucket_listing_url(const struct bucket_ref *r)
{
	switch (r->provider) {
	case BUCKET_S3:
		return r->virtual_host ? xasprintf("%s/?max-keys=100", r->origin)
				       : xasprintf("%s/%s/?max-keys=100", r->origin, r->name);
	case BUCKET_GCS:
		return r->virtual_host ? xasprintf("%s/?max-keys=100", r->origin)
				       : xasprintf("%s/%s/?max-keys=100", r->origin, r->name);
	case BUCKET_AZURE:
		return xasprintf("%s/%s?restype=container&comp=list&maxresults=100", r->origin, r->name);
	}
	return NULL;
}

char *bucket_object_url(const struct bucket_ref *r, const char *key)
{
	/* virtual-host S3 and GCS: the name is the host; the others have it as the first segment */
	if (r->virtual_host)
		return xasprintf("%s/%s", r->origin, key);
	return xasprintf("%s/%s/%s", r->origin, r->name, key);
}

/* Copies the text of the element at p (after its '>') up to '<', cleaned, into out. */
static void bucket_take(const char *p, const char *end, char *out, size_t n)
{
	size_t k = 0;
	for (; p < end && *p != '<' && k + 1 < n; p++)
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			out[k++] = *p;
	out[k] = '\0';
}

/* Counts elements <tag> (exact, or with attributes) and samples the text of <name_tag> ones. */
static void bucket_xml(const char *body, size_t len, const char *tag, const char *name_tag, struct bucket_listing *out)
{
	const char *end = body + len;
	size_t tl = strlen(tag), nl = strlen(name_tag);
	for (const char *p = body; (p = str_find(p, (size_t)(end - p), tag)); p += tl)
		if (p + tl < end && (p[tl] == '>' || p[tl] == ' '))
			out->objects++;
	for (const char *p = body; out->nkeys < BUCKET_SAMPLE_KEYS && (p = str_find(p, (size_t)(end - p), name_tag)); p += nl)
		bucket_take(p + nl, end, out->keys[out->nkeys++], sizeof(out->keys[0]));
}

int bucket_parse_listing(const char *body, size_t len, struct bucket_listing *out)
{
	memset(out, 0, sizeof(*out));
	if (!body || !len || len > BUCKET_LISTING_MAX)
		return SS_EINVAL;
	size_t head = MIN(len, (size_t)1024);
	if (str_find(body, head, "<ListBucketResult")) {
		bucket_xml(body, len, "<Contents", "<Key>", out);
		out->truncated = str_find(body, len, "<IsTruncated>true</IsTruncated>") != NULL;
	} else if (str_find(body, head, "<EnumerationResults")) {
		bucket_xml(body, len, "<Blob", "<Name>", out);
		const char *m = str_find(body, len, "<NextMarker>");
		out->truncated = m && m + 12 < body + len && m[12] != '<';
	} else if (str_find(body, head, "\"storage#objects\"")) {
		/* the GCS JSON API: {"kind": "storage#objects", "items": [{"kind": "storage#object", "name": ...}]} */
		const char *end = body + len;
		for (const char *p = body; (p = str_find(p, (size_t)(end - p), "\"storage#object\"")); p += 16)
			out->objects++;
		for (const char *p = body; out->nkeys < BUCKET_SAMPLE_KEYS && (p = str_find(p, (size_t)(end - p), "\"name\""));) {
			p += 6;
			while (p < end && (*p == ' ' || *p == ':'))
				p++;
			if (p < end && *p == '"') {
				char *k = out->keys[out->nkeys++];
				size_t i = 0;
				for (p++; p < end && *p != '"' && i + 1 < sizeof(out->keys[0]); p++)
					if ((unsigned char)*p >= 0x20)
						k[i++] = *p;
				k[i] = '\0';
			}
		}
		out->truncated = str_find(body, len, "\"nextPageToken\"") != NULL;
	} else {
		return SS_EINVAL;
	}
	out->listing = true;
	return 0;
}
