#ifndef BASE_HTTP_H
#define BASE_HTTP_H
#include "base/common.h"
#include "base/buf.h"

/*
 * The HTTP scheduler of one scan run: one libcurl multi handle driven by its own thread, a
 * per-host concurrency cap, per-request timeouts, a deadline for the whole run, body size caps,
 * decompression, and the SSRF guard at connect time and on every redirect (redirects are followed
 * by the scheduler itself, hop by hop). Any thread may submit requests.
 */

/* Initialises libcurl; call once at process start, before any thread exists. */
void http_global_init(void);

struct http_options {
	bool allow_private;     /* turn the SSRF guard off (self-hosters, tests) */
	int per_host;           /* concurrent requests per host (default 6) */
	long timeout_ms;        /* per request (default 10000) */
	long connect_timeout_ms;/* default 5000 */
	int64_t deadline_ms;    /* clock_mono_ms() after which nothing new starts; 0 = none */
	size_t max_body;        /* default cap of a response body (default 5 MiB) */
	int max_redirects;      /* default 5 */
	const char *user_agent; /* default "secscan/VERSION" */
	const char *ca_file;    /* trust store for verification (NULL: system) */
	/* "HOST:PORT:ADDR" overrides, as curl's --resolve; NULL-terminated, may be NULL. */
	const char *const *resolve;
	/* Numeric addresses reachable even with the guard on (a self-hoster's one internal host);
	 * NULL-terminated, may be NULL. */
	const char *const *allow_addrs;
};

struct http_header {
	char *name;  /* as received */
	char *value; /* trimmed */
};

struct http_request {
	const char *url;
	const char *method;        /* default "GET" */
	const char *const *headers;/* "Name: value" strings, NULL-terminated, may be NULL */
	const char *body;          /* request body or NULL */
	size_t body_len;
	bool follow_redirects;     /* default false: the response is the first answer */
	bool verify_tls;           /* default false: scanners read sites with bad certificates too */
	size_t max_body;           /* 0: the scheduler's default */
	long timeout_ms;           /* 0: the scheduler's default */
};

struct http_response {
	int err;            /* 0, or SS_E* when no response was read (see error) */
	char *error;        /* human-readable reason when err != 0 */
	long status;        /* HTTP status of the final response */
	char *url;          /* URL of the final response (after redirects followed) */
	char *redirect;     /* Location of a 3xx not followed (absolute), or NULL */
	int redirects;      /* how many were followed */
	struct http_header *headers; /* of the final response, in order */
	size_t nheaders;
	struct buf body;    /* decoded (decompressed) body, capped */
	bool truncated;     /* the body was longer than the cap */
	char *ip;           /* address connected to */
	long elapsed_ms;
	bool tls_failed;    /* err set after the TCP connection was made, in or before the TLS
			     * handshake of an https URL (bad or no TLS on a listening port) */
};

struct http_sched;
struct http_batch;

struct http_sched *http_sched_new(const struct http_options *opt);
/* Stops everything in flight (responses get SS_EABORTED) and refuses new requests. Thread-safe. */
void http_sched_abort(struct http_sched *s);
/* Waits for nothing: in-flight requests end with SS_EABORTED. */
void http_sched_free(struct http_sched *s);
/* True once a request ended because the deadline of http_options came (not its own timeout). */
bool http_sched_budget_spent(struct http_sched *s);

/* A set of requests submitted together and waited for together. */
struct http_batch *http_batch_new(struct http_sched *s);
/*
 * Submits a request; the returned response (owned by the batch) is filled when it completes.
 * The request's strings are copied.
 */
struct http_response *http_batch_add(struct http_batch *b, const struct http_request *req);
/* Blocks until every request of the batch completed. */
void http_batch_wait(struct http_batch *b);
/* Hands a completed response of the batch to the caller (free it with http_response_free). */
struct http_response *http_batch_take(struct http_batch *b, struct http_response *r);
/* Frees the batch and its responses (waits for them first). */
void http_batch_free(struct http_batch *b);

/* One request, waited for. The caller frees the response with http_response_free. */
struct http_response *http_fetch(struct http_sched *s, const struct http_request *req);
void http_response_free(struct http_response *r);

/*
 * A response read while it arrives, for answers that may never end (server-sent events). The body
 * grows up to the request's max_body until the server ends it, the request's timeout passes or
 * the stream is freed; redirects are not followed.
 */
struct http_stream;

/* Submits the request. */
struct http_stream *http_stream_open(struct http_sched *s, const struct http_request *req);
/*
 * Appends the body bytes that came since the last read to out, waiting up to wait_ms for some.
 * Returns how many were appended (> 0); 0 once the answer is over and all of it was read;
 * SS_ETIMEOUT if nothing came in time; SS_ETOOBIG if out has no room left.
 */
int http_stream_read(struct http_stream *st, struct buf *out, long wait_ms);
/*
 * The response: its status and headers are final once a read returned anything but
 * SS_ETIMEOUT (trailers are not kept), its err once a read returned 0. Owned by the stream.
 */
const struct http_response *http_stream_response(const struct http_stream *st);
/* Ends the transfer if it still runs and frees the stream. */
void http_stream_free(struct http_stream *st);

/* First header value by case-insensitive name, or NULL. */
const char *http_header_get(const struct http_response *r, const char *name);
/* The i-th (0-based) header of that name, or NULL; for repeated headers such as Set-Cookie. */
const char *http_header_get_nth(const struct http_response *r, const char *name, size_t i);

#endif
