#include "base/common.h"
#include "api/internal.h"
#include "base/log.h"
#include "base/str.h"
#include "report/report.h"
#include <pthread.h>

/*
 * GET /v1/scan/{run_id}/events: server-sent events of a run. A stream never holds a server thread
 * while it waits: when it has nothing to send, its content reader suspends the connection
 * (MHD_suspend_connection) and returns no bytes; the runs' watch (a finding stored, a status
 * recorded, the worker gone) or the heartbeat resumes it, and the reader reads what is new from
 * the store. Findings carry "id: SEQ", so a client that reconnects with Last-Event-ID gets exactly
 * the findings after it; the closing "done" event has id "done", and reconnecting after it gets
 * 204, which tells EventSource clients to stop.
 */

/* Findings formatted per read of the store: what one stream buffers is bounded. */
#define SSE_BATCH 64
#define SSE_OUT_MAX ((size_t)4 << 20)
#define SSE_BLOCK 16384

struct sse_stream {
	struct sse_hub *hub;
	struct MHD_Connection *conn;
	struct run_watch *watch;
	char run_id[RUN_ID_LEN + 1];
	int64_t account_id;
	pthread_mutex_t lock; /* the flags and out; taken after the hub's lock, never before */
	bool suspended;       /* the reader parked the connection; the next wake resumes it */
	bool dirty;           /* the run changed since the store was last read */
	bool beat_due;        /* a keep-alive comment is due */
	bool stopping;        /* the server stops: end the stream */
	struct buf out;       /* formatted, not yet sent */
	size_t off;
	/* touched by the reader only (one at a time per connection) */
	int64_t last_seq;
	char status[16];
	bool done;
	struct sse_stream *next;
};

struct sse_hub {
	struct api_server *srv;
	pthread_mutex_t lock; /* the list */
	pthread_cond_t wake;
	struct sse_stream *streams;
	bool stopping;
	pthread_t beat;
	bool beat_started;
};

/* Resumes a parked stream; the caller holds st->lock. */
static void stream_wake(struct sse_stream *st)
{
	if (st->suspended) {
		st->suspended = false;
		MHD_resume_connection(st->conn);
	}
}

/* The runs' watch: called on a worker thread when the run changed. */
static void stream_notify(void *ud)
{
	struct sse_stream *st = ud;
	pthread_mutex_lock(&st->lock);
	st->dirty = true;
	stream_wake(st);
	pthread_mutex_unlock(&st->lock);
}

static void put_event(struct buf *b, const char *id, const char *event, json_t *data)
{
	char *text = json_dumps(data, JSON_COMPACT);
	if (id)
		buf_appendf(b, "id: %s\n", id);
	/* Compact JSON has no line breaks: one data line. */
	buf_appendf(b, "event: %s\ndata: %s\n\n", event, text ? text : "{}");
	free(text);
	json_decref(data);
}

/*
 * Reads what is new since the last read and formats it into b: the findings after last_seq (at
 * most a batch; *more tells that there are others), a status event when the status changed, and
 * "done" once the run is final. The order of the reads matters: a run found final (ended and its
 * worker gone) before its findings are read cannot get any finding after them.
 */
static void stream_refill(struct sse_stream *st, struct buf *b, bool *more)
{
	struct api_server *srv = st->hub->srv;
	struct run run;
	struct finding *f = NULL;
	size_t n = 0;
	char id[24];

	*more = false;
	bool active = runs_active(srv->runs, st->run_id);
	int rc = store_run_get(srv->store, st->account_id, st->run_id, &run);
	if (rc) {
		log_error("events of run %s: %s", st->run_id, ss_strerror(rc));
		put_event(b, NULL, "error", json_pack("{s:s}", "error", "internal"));
		st->done = true;
		return;
	}
	rc = store_finding_list(srv->store, st->run_id, st->last_seq, &f, &n);
	if (rc) {
		/* Ends the stream; the client's reconnect (Last-Event-ID) resumes where it was. */
		log_error("events of run %s: %s", st->run_id, ss_strerror(rc));
		st->done = true;
		run_release(&run);
		return;
	}
	for (size_t i = 0; i < n && i < SSE_BATCH; i++) {
		snprintf(id, sizeof(id), "%" PRId64, f[i].seq);
		put_event(b, id, "finding", report_finding_json(&f[i]));
		st->last_seq = f[i].seq;
	}
	*more = n > SSE_BATCH;
	if (!*more && strcmp(st->status, run.status)) {
		str_copy(st->status, sizeof(st->status), run.status);
		put_event(b, NULL, "status", json_pack("{s:s, s:s}", "run_id", run.id, "status", run.status));
	}
	if (!*more && !active && strcmp(run.status, RUN_RUNNING)) {
		json_t *done = report_run_item_json(&run);
		if (run.error)
			json_object_set_new(done, "error", json_string(run.error));
		put_event(b, "done", "done", done);
		st->done = true;
	}
	finding_array_free(f, n);
	run_release(&run);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct sse_stream *st = cls;
	(void)pos;
	pthread_mutex_lock(&st->lock);
	for (;;) {
		if (st->off < st->out.len) {
			size_t n = MIN(max, st->out.len - st->off);
			memcpy(out, st->out.data + st->off, n);
			st->off += n;
			pthread_mutex_unlock(&st->lock);
			return (ssize_t)n;
		}
		buf_reset(&st->out);
		st->off = 0;
		if (st->done || st->stopping) {
			pthread_mutex_unlock(&st->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (st->dirty) {
			struct buf b;
			bool more;
			st->dirty = false;
			/* The store is read unlocked, so that the runs' notifications never wait for it. */
			pthread_mutex_unlock(&st->lock);
			buf_init(&b, SSE_OUT_MAX);
			stream_refill(st, &b, &more);
			pthread_mutex_lock(&st->lock);
			buf_append(&st->out, b.data ? b.data : "", b.len);
			buf_release(&b);
			if (more)
				st->dirty = true;
			continue;
		}
		if (st->beat_due) {
			st->beat_due = false;
			buf_appends(&st->out, ": keep-alive\n\n");
			continue;
		}
		/* Nothing to send: park the connection until the run changes or a heartbeat is due. */
		st->suspended = true;
		MHD_suspend_connection(st->conn);
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
}

/* The response is gone (the stream ended, the client left, or the server stops). */
static void stream_free(void *cls)
{
	struct sse_stream *st = cls;
	struct sse_hub *h = st->hub;
	runs_unwatch(h->srv->runs, st->watch);
	pthread_mutex_lock(&h->lock);
	for (struct sse_stream **p = &h->streams; *p; p = &(*p)->next)
		if (*p == st) {
			*p = st->next;
			break;
		}
	pthread_mutex_unlock(&h->lock);
	buf_release(&st->out);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* Wakes every stream each heartbeat: a keep-alive comment keeps proxies from closing an idle
 * stream, and writing it is how a client that left is noticed (a parked connection is not read). */
static void *beat_main(void *arg)
{
	struct sse_hub *h = arg;
	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += h->srv->cfg->heartbeat;
		if (pthread_cond_timedwait(&h->wake, &h->lock, &ts) != ETIMEDOUT)
			continue;
		for (struct sse_stream *st = h->streams; st; st = st->next) {
			pthread_mutex_lock(&st->lock);
			st->beat_due = true;
			stream_wake(st);
			pthread_mutex_unlock(&st->lock);
		}
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct sse_hub *sse_hub_new(struct api_server *srv)
{
	struct sse_hub *h = xcalloc(1, sizeof(*h));
	h->srv = srv;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	h->beat_started = pthread_create(&h->beat, NULL, beat_main, h) == 0;
	if (!h->beat_started)
		log_error("cannot start the event stream heartbeat thread");
	return h;
}

void sse_hub_shutdown(struct sse_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->wake);
	/* libmicrohttpd must not be stopped with parked connections: every one is resumed to end. */
	for (struct sse_stream *st = h->streams; st; st = st->next) {
		pthread_mutex_lock(&st->lock);
		st->stopping = true;
		stream_wake(st);
		pthread_mutex_unlock(&st->lock);
	}
	pthread_mutex_unlock(&h->lock);
	if (h->beat_started)
		pthread_join(h->beat, NULL);
	h->beat_started = false;
}

void sse_hub_free(struct sse_hub *h)
{
	if (!h)
		return;
	sse_hub_shutdown(h);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Registers a new stream unless the account has its share already (or the server stops). */
static struct sse_stream *stream_open(struct sse_hub *h, struct api_req *r, int64_t last_seq)
{
	size_t mine = 0;
	pthread_mutex_lock(&h->lock);
	for (struct sse_stream *st = h->streams; st; st = st->next)
		mine += st->account_id == r->who.account_id;
	if (h->stopping || mine >= (size_t)h->srv->cfg->event_streams) {
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	struct sse_stream *st = xcalloc(1, sizeof(*st));
	st->hub = h;
	st->conn = r->conn;
	str_copy(st->run_id, sizeof(st->run_id), r->params[0]);
	st->account_id = r->who.account_id;
	st->last_seq = last_seq;
	st->dirty = true;
	pthread_mutex_init(&st->lock, NULL);
	buf_init(&st->out, SSE_OUT_MAX);
	st->next = h->streams;
	h->streams = st;
	pthread_mutex_unlock(&h->lock);
	return st;
}

int h_scan_events(struct api_req *r)
{
	struct api_server *srv = r->srv;
	struct run run;
	long last = 0;
	const char *last_id = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");

	int rc = api_get_run(r, &run);
	if (rc)
		return rc == SS_ENOTFOUND ? 0 : rc;
	run_release(&run);
	if (last_id && !strcmp(last_id, "done")) {
		/* The client saw the end already: 204 stops EventSource from reconnecting. */
		api_reply_text(r, 204, "text/event-stream", xstrdup(""), 0);
		return 0;
	}
	if (last_id && *last_id && str_to_long(last_id, 0, LONG_MAX, &last)) {
		api_reply_error(r, 400, "Last-Event-ID must be a finding sequence number or done");
		return 0;
	}
	struct sse_stream *st = stream_open(srv->sse, r, last);
	if (!st) {
		char msg[128];
		snprintf(msg, sizeof(msg), "too many event streams open for this account (at most %ld)",
			 srv->cfg->event_streams);
		str_copy(r->retry_after, sizeof(r->retry_after), "5");
		api_reply_error(r, 429, msg);
		return 0;
	}
	st->watch = runs_watch(srv->runs, st->run_id, stream_notify, st);
	r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, stream_read, st,
						      stream_free);
	if (!r->stream) {
		stream_free(st);
		return SS_EIO;
	}
	MHD_add_response_header(r->stream, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r->stream, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* nginx would otherwise buffer the stream. */
	MHD_add_response_header(r->stream, "X-Accel-Buffering", "no");
	return 0;
}
