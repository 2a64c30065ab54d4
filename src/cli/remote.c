#include "base/common.h"
#include "cli/remote.h"
#include "base/buf.h"
#include "base/str.h"
#include "report/report.h"
#include <curl/curl.h>

/* An answer of the API: a scan with thousands of findings is a few MiB. */
#define REMOTE_BODY_MAX ((size_t)64 << 20)
/* One server-sent event (a finding is under 4 KiB; the done event is small). */
#define REMOTE_EVENT_MAX ((size_t)1 << 20)
/* A stream that sends nothing for this long (heartbeats come every 15 s) is dead. */
#define REMOTE_IDLE_S 60L
#define REMOTE_RECONNECTS 5
/* An ordinary API call, and the abort sent after Ctrl-C (the user is waiting for it). */
#define REMOTE_CALL_S 120L
#define REMOTE_ABORT_S 15L

static CURL *easy_new(const char *url, const char *key, struct curl_slist **hdrs)
{
	CURL *c = curl_easy_init();
	char *auth = xasprintf("Authorization: Bearer %s", key);
	*hdrs = curl_slist_append(*hdrs, auth);
	free(auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	return c;
}

static size_t body_write(char *data, size_t size, size_t n, void *ud)
{
	return buf_append(ud, data, size * n) ? 0 : size * n; /* over the limit: abort the transfer */
}

/* One API call into b; 0, or SS_EIO with a message when the request did not complete. */
static int api_fetch(const char *server, const char *key, const char *method, const char *path,
		     const char *body, long timeout_s, struct buf *b, long *status, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL;
	char *url = xasprintf("%s%s", server, path);
	if (body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	CURL *c = easy_new(url, key, &hdrs);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	CURLcode cc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (cc != CURLE_OK)
		snprintf(err, errlen, "%s %s: %s", method, url, curl_easy_strerror(cc));
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(url);
	return cc == CURLE_OK ? 0 : SS_EIO;
}

/* One API call; the JSON answer (new reference) and its status, or NULL after a message. */
static json_t *api_call(const char *server, const char *key, const char *method, const char *path,
			const char *body, long timeout_s, long *status, char *err, size_t errlen)
{
	struct buf b;
	json_t *out = NULL;
	buf_init(&b, REMOTE_BODY_MAX);
	if (api_fetch(server, key, method, path, body, timeout_s, &b, status, err, errlen)) {
		;
	} else if (!(out = json_loadb(buf_str(&b), b.len, JSON_REJECT_DUPLICATES, NULL)) ||
		   !json_is_object(out)) {
		snprintf(err, errlen, "%s %s%s: answer %ld is not a JSON object", method, server, path, *status);
		json_decref(out);
		out = NULL;
	} else if (*status >= 400) {
		const char *why = json_string_value(json_object_get(out, "error"));
		snprintf(err, errlen, "%s %s: %ld %s", method, path, *status, why ? why : "");
	}
	buf_release(&b);
	return out;
}

/* The stream's parser: lines into events, events into findings and the end. */
struct sse_client {
	struct buf line;
	struct buf data;
	char event[32];
	char last_id[32]; /* of the last finding seen: the resume point */
	bool done, bad;
	const atomic_bool *stop;
	struct remote_run *run;
	remote_finding_fn on_finding;
	void *ud;
};

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void sse_dispatch(struct sse_client *c, const char *id)
{
	json_t *o = json_loadb(c->data.data ? c->data.data : "", c->data.len, JSON_REJECT_DUPLICATES, NULL);
	if (!strcmp(c->event, "finding")) {
		struct finding f;
		if (report_finding_parse(o, &f) == 0) {
			c->on_finding(c->ud, &f);
			finding_release(&f);
			str_copy(c->last_id, sizeof(c->last_id), id);
		} else {
			c->bad = true;
		}
	} else if (!strcmp(c->event, "done") && json_is_object(o)) {
		const char *status = json_string_value(json_object_get(o, "status"));
		str_copy(c->run->status, sizeof(c->run->status), status ? status : RUN_FAILED);
		c->run->finished = time(NULL);
		c->done = true;
	}
	json_decref(o);
}

/* One line of the stream (without its line break): fields accumulate until an empty line. */
static void sse_line(struct sse_client *c, char *line, char *id, size_t idlen)
{
	if (!*line) {
		if (c->event[0] && c->data.len)
			sse_dispatch(c, id);
		c->event[0] = '\0';
		buf_reset(&c->data);
		return;
	}
	if (*line == ':')
		return; /* a heartbeat comment */
	char *colon = strchr(line, ':');
	char *value = colon ? colon + 1 + (colon[1] == ' ') : line + strlen(line);
	if (colon)
		*colon = '\0';
	if (!strcmp(line, "event"))
		str_copy(c->event, sizeof(c->event), value);
	else if (!strcmp(line, "id"))
		str_copy(id, idlen, value);
	else if (!strcmp(line, "data") && ((c->data.len && buf_appendc(&c->data, '\n')) ||
					   buf_appends(&c->data, value)))
		c->bad = true;
}

struct sse_ctx {
	struct sse_client *c;
	char id[32];
};

static size_t sse_write(char *data, size_t size, size_t n, void *ud)
{
	struct sse_ctx *x = ud;
	struct sse_client *c = x->c;
	for (size_t i = 0; i < size * n && !c->bad; i++) {
		if (data[i] == '\n') {
			char *line = buf_detach(&c->line, NULL);
			size_t len = strlen(line);
			if (len && line[len - 1] == '\r')
				line[len - 1] = '\0';
			sse_line(c, line, x->id, sizeof(x->id));
			free(line);
			buf_init(&c->line, REMOTE_EVENT_MAX);
		} else if (buf_appendc(&c->line, data[i])) {
			c->bad = true; /* a line past the limit: not a stream of this server */
		}
	}
	return c->bad ? 0 : size * n;
}

/* curl asks about once a second, also while the stream is idle: a nonzero answer ends it. */
static int stop_asked(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load((const atomic_bool *)ud);
}

/* Follows the events of the run until done, reconnecting after drops; SS_EABORTED once stop is set. */
static int follow(const char *server, const char *key, struct sse_client *c, char *err, size_t errlen)
{
	char *url = xasprintf("%s/v1/scan/%s/events", server, c->run->run_id);
	int rc = SS_EIO;
	for (int attempt = 0; attempt <= REMOTE_RECONNECTS && !c->done; attempt++) {
		if (atomic_load(c->stop)) {
			free(url);
			return SS_EABORTED;
		}
		struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: text/event-stream");
		if (c->last_id[0]) {
			char *h = xasprintf("Last-Event-ID: %s", c->last_id);
			hdrs = curl_slist_append(hdrs, h);
			free(h);
		}
		CURL *e = easy_new(url, key, &hdrs);
		struct sse_ctx x = {.c = c};
		buf_reset(&c->line);
		buf_reset(&c->data);
		c->event[0] = '\0';
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sse_write);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, REMOTE_IDLE_S);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, stop_asked);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)c->stop);
		CURLcode cc = curl_easy_perform(e);
		long status = 0;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(e);
		curl_slist_free_all(hdrs);
		if (c->done)
			break;
		if (cc == CURLE_ABORTED_BY_CALLBACK) {
			rc = SS_EABORTED;
			break;
		}
		if (c->bad) {
			snprintf(err, errlen, "%s: malformed event stream", url);
			break;
		}
		if (status && status != 200) {
			snprintf(err, errlen, "%s: status %ld", url, status);
			break;
		}
		snprintf(err, errlen, "%s: %s", url, cc == CURLE_OK ? "the stream ended early" : curl_easy_strerror(cc));
		pause_ms(500L * (attempt + 1));
	}
	if (c->done)
		rc = 0;
	free(url);
	return rc;
}

/*
 * Aborts the run on the server (the user interrupted the CLI) and sets out->status to how the run
 * ended: "aborted", or its status when it had ended already. 0, or SS_EIO with a message.
 */
static int abort_run(const char *server, const char *key, struct remote_run *out, char *err, size_t errlen)
{
	long status;
	char *path = xasprintf("/v1/scan/%s/abort", out->run_id);
	json_t *o = api_call(server, key, "POST", path, "", REMOTE_ABORT_S, &status, err, errlen);
	free(path);
	if (o && status == 409) {
		/* it ended on its own in the meantime: say how */
		json_decref(o);
		path = xasprintf("/v1/scan/%s", out->run_id);
		o = api_call(server, key, "GET", path, NULL, REMOTE_ABORT_S, &status, err, errlen);
		free(path);
	}
	const char *ended = o && status == 200 ? json_string_value(json_object_get(o, "status")) : NULL;
	if (ended)
		str_copy(out->status, sizeof(out->status), ended);
	else if (o && status == 200)
		snprintf(err, errlen, "/v1/scan/%s: answer without a status", out->run_id);
	json_decref(o);
	return ended ? 0 : SS_EIO;
}

int remote_scan(const char *server, const char *key, const char *target, const atomic_bool *stop,
		remote_finding_fn on_finding, void *ud, struct remote_run *out, char *err, size_t errlen)
{
	long status;
	memset(out, 0, sizeof(*out));
	json_t *req = json_pack("{s:s}", "host", target);
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	/* not interruptible: a run started without our knowing its id could not be aborted */
	json_t *started = api_call(server, key, "POST", "/v1/scan", body, REMOTE_CALL_S, &status, err, errlen);
	free(body);
	if (!started || status != 201) {
		json_decref(started);
		return status == 400 ? SS_EINVAL : status == 402 || status == 401 ? SS_EDENIED : SS_EIO;
	}
	const char *id = json_string_value(json_object_get(started, "run_id"));
	const char *host = json_string_value(json_object_get(started, "target"));
	if (!id || strlen(id) != RUN_ID_LEN) {
		snprintf(err, errlen, "POST /v1/scan: no run id in the answer");
		json_decref(started);
		return SS_EIO;
	}
	memcpy(out->run_id, id, RUN_ID_LEN + 1);
	out->host = xstrdup(host ? host : target);
	out->started = time(NULL);
	json_decref(started);

	struct sse_client c = {.run = out, .stop = stop, .on_finding = on_finding, .ud = ud};
	buf_init(&c.line, REMOTE_EVENT_MAX);
	buf_init(&c.data, REMOTE_EVENT_MAX);
	int rc = follow(server, key, &c, err, errlen);
	buf_release(&c.line);
	buf_release(&c.data);
	if (rc == SS_EABORTED && abort_run(server, key, out, err, errlen))
		out->status[0] = '\0';
	return rc;
}

char *remote_get_text(const char *server, const char *key, const char *path, size_t *len, char *err,
		      size_t errlen)
{
	struct buf b;
	long status;
	char *text = NULL;
	buf_init(&b, REMOTE_BODY_MAX);
	if (api_fetch(server, key, "GET", path, NULL, REMOTE_CALL_S, &b, &status, err, errlen) == 0) {
		if (status == 200) {
			text = buf_detach(&b, len);
		} else {
			json_t *o = json_loadb(buf_str(&b), b.len, JSON_REJECT_DUPLICATES, NULL);
			const char *why = json_string_value(json_object_get(o, "error"));
			snprintf(err, errlen, "GET %s: %ld %s", path, status, why ? why : "");
			json_decref(o);
		}
	}
	buf_release(&b);
	return text;
}

void remote_run_release(struct remote_run *r)
{
	free(r->host);
	r->host = NULL;
}

json_t *remote_base(const char *server, const char *key, const char *run_id, const char *compare_to,
		    char **base_id, char *err, size_t errlen)
{
	long status;
	char *path;
	*base_id = NULL;
	if (!strcmp(compare_to, "previous")) {
		path = xasprintf("/v1/scan/%s?compare=previous", run_id);
		json_t *cmp = api_call(server, key, "GET", path, NULL, REMOTE_CALL_S, &status, err, errlen);
		free(path);
		if (!cmp || status != 200) {
			json_decref(cmp);
			return NULL;
		}
		const char *prev = json_string_value(json_object_get(cmp, "compared_to"));
		char *prev_id = prev ? xstrdup(prev) : NULL;
		json_decref(cmp);
		if (!prev_id)
			return json_array(); /* the first run of the target: everything is new */
		compare_to = *base_id = prev_id;
	}
	path = xasprintf("/v1/scan/%s", compare_to);
	json_t *base = api_call(server, key, "GET", path, NULL, REMOTE_CALL_S, &status, err, errlen);
	free(path);
	json_t *findings = base && status == 200 ? json_object_get(base, "findings") : NULL;
	if (base && status == 200 && !json_is_array(findings))
		snprintf(err, errlen, "GET /v1/scan/%s: no findings array", compare_to);
	if (json_is_array(findings) && !*base_id)
		*base_id = xstrdup(compare_to);
	json_incref(json_is_array(findings) ? findings : NULL);
	json_decref(base);
	return json_is_array(findings) ? findings : NULL;
}
