#include "base/common.h"
#include "base/http.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/ssrf.h"
#include "base/str.h"
#include "base/url.h"
#include "version.h"
#include <arpa/inet.h>
#include <stdatomic.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bounds on what one response may make us keep besides its body. */
#define HEADERS_MAX_COUNT 200
#define HEADERS_MAX_BYTES (64 * 1024)
/* All requests of a run in flight at once, whatever their hosts. */
#define SCHED_MAX_ACTIVE 64

struct host_slot {
	char *key; /* "host:port" */
	int active;
};

struct http_batch {
	struct http_sched *sched;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	size_t pending;
	struct http_response **resp;
	size_t n, cap;
	atomic_bool cancel; /* end what still runs (a stream freed before its answer ended) */
};

/* One request through its redirect hops; owned by the scheduler thread once queued. */
struct xfer {
	struct xfer *next;
	struct http_batch *batch;
	struct http_response *resp;
	char *url;        /* current hop */
	char *method;
	struct curl_slist *headers;
	char *body;
	size_t body_len;
	bool follow, verify;
	bool stream; /* the body is read while it arrives: appended under the batch's lock */
	size_t max_body;
	long timeout_ms;
	int64_t started_ms;
	CURL *easy;
	char host_key[300];
	char errbuf[CURL_ERROR_SIZE];
	char denied_ip[INET6_ADDRSTRLEN]; /* set when the SSRF guard refused a connect */
	size_t header_bytes;
	bool allow_private;
	char *const *allow_addrs;
	bool budget_capped; /* the run's deadline, not timeout_ms, bounds this hop */
};

struct http_sched {
	struct http_options opt;
	char *user_agent, *ca_file;
	struct curl_slist *resolve;
	char **allow_addrs; /* canonical text forms, NULL-terminated */
	CURLM *multi;
	CURLSH *share;
	pthread_t thread;
	pthread_mutex_t mu; /* guards queue, aborted, stopping */
	struct xfer *queue, *queue_tail;
	bool aborted, stopping;
	atomic_bool budget_spent; /* a request ended because the deadline came */
	/* Touched by the scheduler thread only. */
	struct xfer *active;
	int nactive;
	struct host_slot *hosts;
	size_t nhosts, hosts_cap;
};

void http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* --- responses --- */

static void response_clear_headers(struct http_response *r)
{
	for (size_t i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->nheaders = 0;
}

void http_response_free(struct http_response *r)
{
	if (!r)
		return;
	response_clear_headers(r);
	free(r->error);
	free(r->url);
	free(r->redirect);
	free(r->ip);
	buf_release(&r->body);
	free(r);
}

const char *http_header_get_nth(const struct http_response *r, const char *name, size_t i)
{
	for (size_t k = 0; r && k < r->nheaders; k++)
		if (strcasecmp(r->headers[k].name, name) == 0 && i-- == 0)
			return r->headers[k].value;
	return NULL;
}

const char *http_header_get(const struct http_response *r, const char *name)
{
	return http_header_get_nth(r, name, 0);
}

/* --- libcurl callbacks (scheduler thread) --- */

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct http_response *r = x->resp;
	size_t len = size * nmemb;
	char *line, *colon;

	if (x->stream && r->body.len)
		return len; /* trailers: the reader may be looking at the headers now */
	/* A status line starts a new response (1xx interim answers come before the final one). */
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		response_clear_headers(r);
		x->header_bytes = 0;
		return len;
	}
	x->header_bytes += len;
	if (x->header_bytes > HEADERS_MAX_BYTES || r->nheaders >= HEADERS_MAX_COUNT)
		return len; /* kept bounded: the rest is dropped, the body still comes */
	line = xstrndup(data, len);
	if ((line[0] == ' ' || line[0] == '\t') && r->nheaders > 0) {
		/* obs-fold continuation of the previous header */
		struct http_header *h = &r->headers[r->nheaders - 1];
		char *joined = xasprintf("%s %s", h->value, str_trim(line));
		free(h->value);
		h->value = joined;
	} else if ((colon = strchr(line, ':')) != NULL && colon != line) {
		*colon = '\0';
		r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof(*r->headers));
		r->headers[r->nheaders].name = xstrdup(str_trim(line));
		r->headers[r->nheaders].value = xstrdup(str_trim(colon + 1));
		r->nheaders++;
	}
	free(line);
	return len;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct buf *b = &x->resp->body;
	size_t len = size * nmemb, taken = len;
	if (x->stream) {
		pthread_mutex_lock(&x->batch->mu);
		if (!b->len) /* the headers are done: the reader of the stream may see the status */
			curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->resp->status);
	}
	if (buf_append(b, data, len)) {
		/* Keep what fits, then stop the download: the caller asked for no more. */
		buf_append(b, data, b->max > b->len ? MIN(len, b->max - b->len) : 0);
		x->resp->truncated = true;
		taken = 0;
	}
	if (x->stream) {
		pthread_cond_broadcast(&x->batch->cond);
		pthread_mutex_unlock(&x->batch->mu);
	}
	return taken;
}

static void sockaddr_text(const struct sockaddr *sa, char *out, size_t n)
{
	const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
						    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (!inet_ntop(sa->sa_family, a, out, (socklen_t)n))
		str_copy(out, n, "?");
}

/* The SSRF guard at connect time: every address curl is about to connect to is checked here,
 * after DNS, so a name that resolves (or re-resolves) to a private address is refused. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct xfer *x = ud;
	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (!ssrf_address_allowed(&addr->addr, x->allow_private)) {
		char text[INET6_ADDRSTRLEN];
		bool listed = false;
		sockaddr_text(&addr->addr, text, sizeof(text));
		for (size_t i = 0; x->allow_addrs[i] && !listed; i++)
			listed = strcmp(x->allow_addrs[i], text) == 0;
		if (!listed) {
			str_copy(x->denied_ip, sizeof(x->denied_ip), text);
			return CURL_SOCKET_BAD;
		}
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* --- scheduler internals (scheduler thread unless said otherwise) --- */

static struct host_slot *host_slot(struct http_sched *s, const char *key)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].key, key) == 0)
			return &s->hosts[i];
	s->hosts = xgrow(s->hosts, &s->hosts_cap, s->nhosts + 1, sizeof(*s->hosts));
	s->hosts[s->nhosts].key = xstrdup(key);
	s->hosts[s->nhosts].active = 0;
	return &s->hosts[s->nhosts++];
}

/* Marks the response done and wakes the batch's waiter; frees the transfer. Any thread. */
static void xfer_complete(struct xfer *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void xfer_complete(struct xfer *x, int err, const char *fmt, ...)
{
	struct http_batch *b = x->batch;
	struct http_response *r = x->resp;
	r->err = err;
	if (err && fmt) {
		va_list ap;
		va_start(ap, fmt);
		free(r->error);
		r->error = xvasprintf(fmt, ap);
		va_end(ap);
	}
	if (!r->url)
		r->url = xstrdup(x->url);
	r->elapsed_ms = (long)(clock_mono_ms() - x->started_ms);
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->url);
	free(x->method);
	free(x->body);
	free(x);
	pthread_mutex_lock(&b->mu);
	b->pending--;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->mu);
}

/* Sets up the easy handle for the current hop and adds it to the multi handle. */
static int xfer_start(struct http_sched *s, struct xfer *x)
{
	int64_t now = clock_mono_ms();
	long timeout = x->timeout_ms;
	CURL *e;

	if (s->opt.deadline_ms > 0) {
		if (now >= s->opt.deadline_ms) {
			atomic_store(&s->budget_spent, true);
			xfer_complete(x, SS_ETIMEOUT, "the scan's time budget is spent");
			return -1;
		}
		x->budget_capped = s->opt.deadline_ms - now <= timeout;
		timeout = (long)MIN((int64_t)timeout, s->opt.deadline_ms - now);
	}
	e = x->easy = curl_easy_init();
	if (!e) {
		xfer_complete(x, SS_EIO, "cannot create a transfer");
		return -1;
	}
	x->denied_ip[0] = '\0';
	x->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_SHARE, s->share);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*"); /* a proxy would resolve names past the guard */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L); /* pinned for the run */
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, MAX(timeout, 1L));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, MAX(MIN(s->opt.connect_timeout_ms, timeout), 1L));
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, s->user_agent);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, x->verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, x->verify ? 2L : 0L);
	if (s->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
	if (s->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, s->resolve);
	if (x->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	if (strcmp(x->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(x->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	if (x->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
	}
	if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
		xfer_complete(x, SS_EIO, "cannot start a transfer");
		return -1;
	}
	host_slot(s, x->host_key)->active++;
	x->next = s->active;
	s->active = x;
	s->nactive++;
	return 0;
}

/* Takes x off the multi handle and the active list. */
static void xfer_detach(struct http_sched *s, struct xfer *x)
{
	struct xfer **pp;
	curl_multi_remove_handle(s->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	host_slot(s, x->host_key)->active--;
	for (pp = &s->active; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	s->nactive--;
}

/* Sets the host key from x->url; false (and completes x) if the URL is not a valid http(s) URL. */
static bool xfer_set_host(struct xfer *x)
{
	struct url u;
	if (url_parse(x->url, &u)) {
		xfer_complete(x, SS_EINVAL, "invalid or unsupported URL: %s", x->url);
		return false;
	}
	snprintf(x->host_key, sizeof(x->host_key), "%s:%d", u.host, u.port);
	url_release(&u);
	return true;
}

static void sched_push(struct http_sched *s, struct xfer *x)
{
	x->next = NULL;
	if (s->queue_tail)
		s->queue_tail->next = x;
	else
		s->queue = x;
	s->queue_tail = x;
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/*
 * Follows a redirect: the next hop is validated like any URL (http/https only), the method
 * becomes GET where browsers do so, and request headers are dropped when the origin changes.
 */
static void xfer_redirect(struct http_sched *s, struct xfer *x, const char *next)
{
	struct url cur, nu;
	bool same_origin = false;
	long status = x->resp->status;

	if (url_parse(x->url, &cur) == 0) {
		if (url_parse(next, &nu) == 0) {
			same_origin = !strcmp(cur.scheme, nu.scheme) && !strcmp(cur.host, nu.host) &&
				      cur.port == nu.port;
			url_release(&nu);
		}
		url_release(&cur);
	}
	if (status == 303 || ((status == 301 || status == 302) && strcmp(x->method, "POST") == 0)) {
		if (strcmp(x->method, "HEAD") != 0) {
			free(x->method);
			x->method = xstrdup("GET");
		}
		free(x->body);
		x->body = NULL;
		x->body_len = 0;
	}
	if (!same_origin) {
		curl_slist_free_all(x->headers);
		x->headers = NULL;
	}
	free(x->url);
	x->url = xstrdup(next);
	x->resp->redirects++;
	free(x->resp->redirect);
	x->resp->redirect = NULL;
	free(x->resp->ip);
	x->resp->ip = NULL;
	response_clear_headers(x->resp);
	buf_reset(&x->resp->body);
	x->resp->truncated = false;
	x->resp->status = 0;
	if (!xfer_set_host(x))
		return;
	pthread_mutex_lock(&s->mu);
	sched_push(s, x);
	pthread_mutex_unlock(&s->mu);
}

static int curl_code_to_err(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return SS_ETIMEOUT;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return SS_EINVAL;
	default:
		return SS_EIO;
	}
}

/* One hop finished: read what curl has, then complete or follow. */
static void xfer_done(struct http_sched *s, struct xfer *x, CURLcode rc)
{
	struct http_response *r = x->resp;
	char *ip = NULL;
	long status = 0;
	char hostdesc[sizeof(x->host_key)];

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip);
	if (ip && *ip) {
		free(r->ip);
		r->ip = xstrdup(ip);
	}
	str_copy(hostdesc, sizeof(hostdesc), x->host_key);
	if (rc != CURLE_OK) {
		/* Connected (curl knows the peer's address) but no TLS session was established.
		 * curl's connect time is no help: it includes the TLS handshake. */
		curl_off_t tls = 0;
		const char *scheme = NULL;
		curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &tls);
		curl_easy_getinfo(x->easy, CURLINFO_SCHEME, &scheme);
		r->tls_failed = ip && *ip && tls == 0 && scheme && !strcasecmp(scheme, "https");
	}
	xfer_detach(s, x);
	if (!x->stream || !r->body.len) /* else set when the body began, and maybe read since */
		r->status = status;

	/* A body cut at the cap is a complete answer for our purposes. */
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && r->truncated)) {
		if (x->denied_ip[0]) {
			xfer_complete(x, SS_EDENIED,
				      "refused by the SSRF guard: %s resolves to %s, a private, loopback or "
				      "reserved address (use --allow-private to scan it)",
				      hostdesc, x->denied_ip);
			return;
		}
		/* curl's clock, not ours, timed the hop out: it may fire a hair before our deadline. */
		if (rc == CURLE_OPERATION_TIMEDOUT && x->budget_capped) {
			atomic_store(&s->budget_spent, true);
			xfer_complete(x, SS_ETIMEOUT, "%s: the scan's time budget is spent", x->url);
			return;
		}
		xfer_complete(x, curl_code_to_err(rc), "%s: %s", x->url,
			      x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (is_redirect(status)) {
		const char *loc = http_header_get(r, "location");
		struct url cur;
		char *next = NULL;
		if (loc && url_parse(x->url, &cur) == 0) {
			next = url_resolve(&cur, loc);
			url_release(&cur);
		}
		if (x->follow && loc && !next) {
			xfer_complete(x, SS_EDENIED, "redirect to an invalid or non-http(s) URL refused: %.200s",
				      loc);
			return;
		}
		if (x->follow && next && r->redirects < s->opt.max_redirects) {
			xfer_redirect(s, x, next);
			free(next);
			return;
		}
		free(r->redirect);
		r->redirect = next;
	}
	xfer_complete(x, 0, NULL);
}

/* Starts what the per-host and global caps allow; completes what is past abort. */
static void sched_start_queued(struct http_sched *s)
{
	struct xfer *start = NULL, **tail = &start, *x, **pp;
	int room;

	pthread_mutex_lock(&s->mu);
	room = SCHED_MAX_ACTIVE - s->nactive;
	for (pp = &s->queue; *pp && (room > 0 || s->aborted);) {
		x = *pp;
		if (!s->aborted && host_slot(s, x->host_key)->active >= s->opt.per_host) {
			pp = &x->next;
			continue;
		}
		/* reserve the slot now so that later queue entries see it taken */
		host_slot(s, x->host_key)->active++;
		*pp = x->next;
		x->next = NULL;
		*tail = x;
		tail = &x->next;
		room--;
	}
	s->queue_tail = NULL;
	for (x = s->queue; x; x = x->next)
		s->queue_tail = x;
	bool aborted = s->aborted;
	pthread_mutex_unlock(&s->mu);

	while ((x = start) != NULL) {
		start = x->next;
		host_slot(s, x->host_key)->active--;
		if (aborted || atomic_load(&x->batch->cancel))
			xfer_complete(x, SS_EABORTED, "aborted");
		else
			xfer_start(s, x);
	}
}

static void sched_abort_active(struct http_sched *s)
{
	struct xfer *x;
	while ((x = s->active) != NULL) {
		xfer_detach(s, x);
		xfer_complete(x, SS_EABORTED, "aborted");
	}
}

/* Ends the transfers of cancelled batches. */
static void sched_cancel(struct http_sched *s)
{
	for (struct xfer *x = s->active, *next; x; x = next) {
		next = x->next;
		if (atomic_load(&x->batch->cancel)) {
			xfer_detach(s, x);
			xfer_complete(x, SS_EABORTED, "cancelled");
		}
	}
}

static void *sched_main(void *arg)
{
	struct http_sched *s = arg;
	for (;;) {
		int running = 0, left;
		bool progressed = false, aborted, stopping;
		CURLMsg *msg;

		pthread_mutex_lock(&s->mu);
		aborted = s->aborted;
		stopping = s->stopping;
		pthread_mutex_unlock(&s->mu);
		if (aborted)
			sched_abort_active(s);
		sched_cancel(s);
		sched_start_queued(s);
		if (stopping)
			break;
		curl_multi_perform(s->multi, &running);
		while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
			char *priv = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			xfer_done(s, (struct xfer *)(void *)priv, msg->data.result);
			progressed = true;
		}
		if (progressed)
			continue; /* freed slots may let queued requests start */
		int wait_ms = 1000;
		int64_t until_deadline = s->opt.deadline_ms - clock_mono_ms();
		/* wake at the deadline so that queued requests end then, not a second later */
		if (s->opt.deadline_ms > 0 && until_deadline >= 0)
			wait_ms = (int)MIN(wait_ms, until_deadline + 1);
		curl_multi_poll(s->multi, NULL, 0, wait_ms, NULL);
	}
	sched_abort_active(s);
	return NULL;
}

/* --- public API --- */

struct http_sched *http_sched_new(const struct http_options *opt)
{
	struct http_sched *s = xcalloc(1, sizeof(*s));
	s->opt = *opt;
	if (s->opt.per_host <= 0)
		s->opt.per_host = 6;
	if (s->opt.timeout_ms <= 0)
		s->opt.timeout_ms = 10000;
	if (s->opt.connect_timeout_ms <= 0)
		s->opt.connect_timeout_ms = 5000;
	if (s->opt.max_body == 0)
		s->opt.max_body = 5 * 1024 * 1024;
	if (s->opt.max_redirects < 0)
		s->opt.max_redirects = 0;
	s->user_agent = xstrdup(opt->user_agent ? opt->user_agent : "secscan/" SECSCAN_VERSION);
	s->ca_file = opt->ca_file ? xstrdup(opt->ca_file) : NULL;
	s->opt.user_agent = s->user_agent;
	s->opt.ca_file = s->ca_file;
	s->opt.resolve = NULL;
	for (size_t i = 0; opt->resolve && opt->resolve[i]; i++)
		s->resolve = curl_slist_append(s->resolve, opt->resolve[i]);
	s->opt.allow_addrs = NULL;
	size_t nallow = 0;
	while (opt->allow_addrs && opt->allow_addrs[nallow])
		nallow++;
	s->allow_addrs = xcalloc(nallow + 1, sizeof(char *));
	for (size_t i = 0, k = 0; i < nallow; i++) {
		unsigned char a[16];
		char text[INET6_ADDRSTRLEN];
		int af = strchr(opt->allow_addrs[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, opt->allow_addrs[i], a) == 1 && inet_ntop(af, a, text, sizeof(text)))
			s->allow_addrs[k++] = xstrdup(text);
		else
			log_warn("http: ignoring allowed address '%s': not a numeric address", opt->allow_addrs[i]);
	}
	s->multi = curl_multi_init();
	s->share = curl_share_init();
	if (!s->multi || !s->share) {
		fprintf(stderr, "secscan: libcurl cannot create a transfer set\n");
		abort();
	}
	/* One DNS cache and TLS session cache per run; only the scheduler thread uses them. */
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)SCHED_MAX_ACTIVE);
	pthread_mutex_init(&s->mu, NULL);
	if (pthread_create(&s->thread, NULL, sched_main, s) != 0) {
		fprintf(stderr, "secscan: cannot start the HTTP scheduler thread\n");
		abort();
	}
	return s;
}

void http_sched_abort(struct http_sched *s)
{
	pthread_mutex_lock(&s->mu);
	s->aborted = true;
	pthread_mutex_unlock(&s->mu);
	curl_multi_wakeup(s->multi);
}

bool http_sched_budget_spent(struct http_sched *s)
{
	return atomic_load(&s->budget_spent);
}

void http_sched_free(struct http_sched *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->aborted = true;
	s->stopping = true;
	pthread_mutex_unlock(&s->mu);
	curl_multi_wakeup(s->multi);
	pthread_join(s->thread, NULL);
	curl_multi_cleanup(s->multi);
	curl_share_cleanup(s->share);
	curl_slist_free_all(s->resolve);
	for (size_t i = 0; i < s->nhosts; i++)
		free(s->hosts[i].key);
	free(s->hosts);
	for (size_t i = 0; s->allow_addrs[i]; i++)
		free(s->allow_addrs[i]);
	free(s->allow_addrs);
	free(s->user_agent);
	free(s->ca_file);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

struct http_batch *http_batch_new(struct http_sched *s)
{
	struct http_batch *b = xcalloc(1, sizeof(*b));
	b->sched = s;
	pthread_mutex_init(&b->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* stream reads wait by it */
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	return b;
}

static struct http_response *batch_add(struct http_batch *b, const struct http_request *req, bool stream)
{
	struct http_sched *s = b->sched;
	struct http_response *r = xcalloc(1, sizeof(*r));
	struct xfer *x = xcalloc(1, sizeof(*x));
	bool aborted;

	b->resp = xgrow(b->resp, &b->cap, b->n + 1, sizeof(*b->resp));
	b->resp[b->n++] = r;
	pthread_mutex_lock(&b->mu);
	b->pending++;
	pthread_mutex_unlock(&b->mu);

	x->batch = b;
	x->resp = r;
	x->started_ms = clock_mono_ms();
	x->url = xstrdup(req->url ? req->url : "");
	x->method = xstrdup(req->method ? req->method : "GET");
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		x->headers = curl_slist_append(x->headers, req->headers[i]);
	if (req->body) {
		x->body = xmalloc(req->body_len + 1);
		memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		x->body_len = req->body_len;
	}
	x->follow = req->follow_redirects && !stream;
	x->stream = stream;
	x->verify = req->verify_tls;
	x->max_body = req->max_body ? req->max_body : s->opt.max_body;
	x->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : s->opt.timeout_ms;
	x->allow_private = s->opt.allow_private;
	x->allow_addrs = s->allow_addrs;
	buf_init(&r->body, x->max_body);
	if (!xfer_set_host(x))
		return r;

	pthread_mutex_lock(&s->mu);
	aborted = s->aborted;
	if (!aborted)
		sched_push(s, x);
	pthread_mutex_unlock(&s->mu);
	if (aborted)
		xfer_complete(x, SS_EABORTED, "aborted");
	else
		curl_multi_wakeup(s->multi);
	return r;
}

struct http_response *http_batch_add(struct http_batch *b, const struct http_request *req)
{
	return batch_add(b, req, false);
}

void http_batch_wait(struct http_batch *b)
{
	pthread_mutex_lock(&b->mu);
	while (b->pending > 0)
		pthread_cond_wait(&b->cond, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

void http_batch_free(struct http_batch *b)
{
	if (!b)
		return;
	http_batch_wait(b);
	for (size_t i = 0; i < b->n; i++)
		http_response_free(b->resp[i]);
	free(b->resp);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cond);
	free(b);
}

struct http_response *http_batch_take(struct http_batch *b, struct http_response *r)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->resp[i] == r)
			b->resp[i] = NULL;
	return r;
}

struct http_response *http_fetch(struct http_sched *s, const struct http_request *req)
{
	struct http_batch *b = http_batch_new(s);
	struct http_response *r = http_batch_add(b, req);
	http_batch_wait(b);
	http_batch_take(b, r);
	http_batch_free(b);
	return r;
}

struct http_stream {
	struct http_batch *b;
	struct http_response *r;
	size_t taken; /* body bytes handed out */
};

struct http_stream *http_stream_open(struct http_sched *s, const struct http_request *req)
{
	struct http_stream *st = xcalloc(1, sizeof(*st));
	st->b = http_batch_new(s);
	st->r = batch_add(st->b, req, true);
	return st;
}

int http_stream_read(struct http_stream *st, struct buf *out, long wait_ms)
{
	struct http_batch *b = st->b;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&b->mu);
	while (st->r->body.len == st->taken && b->pending > 0)
		if (pthread_cond_timedwait(&b->cond, &b->mu, &until) == ETIMEDOUT)
			break;
	size_t n = MIN(st->r->body.len - st->taken, (size_t)INT_MAX);
	int rc = b->pending ? SS_ETIMEOUT : 0;
	if (n && out->len >= out->max) {
		rc = SS_ETOOBIG;
	} else if (n) {
		n = MIN(n, out->max - out->len);
		buf_append(out, st->r->body.data + st->taken, n);
		st->taken += n;
		rc = (int)n;
	}
	pthread_mutex_unlock(&b->mu);
	return rc;
}

const struct http_response *http_stream_response(const struct http_stream *st)
{
	return st->r;
}

void http_stream_free(struct http_stream *st)
{
	if (!st)
		return;
	atomic_store(&st->b->cancel, true);
	curl_multi_wakeup(st->b->sched->multi);
	http_batch_free(st->b);
	free(st);
}
