#include "base/common.h"
#include "modules/tls_probe.h"
#include "base/buf.h"
#include "base/clock.h"
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

/* Chains per accepted version: the remaining suites are split so that several connections
 * enumerate one version at once (acceptance of a suite does not depend on the others offered). */
#define CHAINS_PER_VERSION 4
#define MAX_PARALLEL 64

enum job_kind {
	JOB_FIRST, /* full offer for one version: accepted at all, and the server's pick */
	JOB_CHAIN, /* a part of the offer, shrunk by one suite per accepted probe */
	JOB_ORDER, /* two suites, in one order or the other */
	JOB_SSL2,  /* the SSLv2 CLIENT-HELLO */
};

struct job {
	enum job_kind kind;
	int vi; /* index in tls_versions; -1 for JOB_SSL2 */
	uint16_t *offer;
	size_t n;
	int slot;         /* JOB_ORDER: 0 or 1 */
	bool compact;     /* compact hellos; a compact JOB_FIRST offers the first TLS_COMPACT_SUITES */
	size_t hello_len; /* bytes of the last hello sent */
	struct job *next;
};

enum outcome {
	OUT_ACCEPT,
	OUT_REFUSE,     /* an alert (no suite of the offer) */
	OUT_NO_VERSION, /* a protocol_version alert, or a hello for another version */
	OUT_SILENT,     /* closed, reset or timed out without sending a byte */
	OUT_FAIL,
};

struct conn {
	int fd;
	struct job *job;
	bool connecting;
	struct buf out;
	size_t sent;
	struct buf in;
	int64_t deadline;
};

struct prober {
	const struct tls_probe_config *cfg;
	struct tls_enum *res;
	struct job *head, *tail;
	struct conn conns[MAX_PARALLEL];
	int nconns;
	int parallel;
	long order_pick[2];
	uint16_t order_first[2];
};

static void job_free(struct job *j)
{
	free(j->offer);
	free(j);
}

static struct job *job_new(enum job_kind kind, int vi, const uint16_t *offer, size_t n)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->kind = kind;
	j->vi = vi;
	j->offer = xmalloc(MAX(n, 1) * sizeof(*offer));
	if (n)
		memcpy(j->offer, offer, n * sizeof(*offer));
	j->n = n;
	return j;
}

static void queue_push(struct prober *p, struct job *j)
{
	j->next = NULL;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
}

static struct job *queue_pop(struct prober *p)
{
	struct job *j = p->head;
	if (j) {
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
	}
	return j;
}

static int job_version(const struct job *j)
{
	return j->kind == JOB_SSL2 ? TLS_V_SSL2 : tls_versions[j->vi];
}

/* The suites the job's next hello offers: a prefix of its offer. */
static size_t job_offered(const struct job *j)
{
	return j->compact ? MIN(j->n, (size_t)TLS_COMPACT_SUITES) : j->n;
}

static void fail_note(struct prober *p, const struct job *j, const char *why)
{
	p->res->failures++;
	/* The SSLv2 probe's failure says nothing about why TLS did not work. */
	if (!p->res->error[0] && j->kind != JOB_SSL2)
		snprintf(p->res->error, sizeof(p->res->error), "%s probe: %s",
			 tls_version_name(job_version(j)), why);
}

static bool offer_remove(struct job *j, uint16_t suite)
{
	for (size_t i = 0; i < j->n; i++) {
		if (j->offer[i] == suite) {
			memmove(j->offer + i, j->offer + i + 1, (j->n - i - 1) * sizeof(*j->offer));
			j->n--;
			return true;
		}
	}
	return false;
}

static void version_add_suite(struct tls_version_result *v, uint16_t suite)
{
	for (size_t i = 0; i < v->nsuites; i++)
		if (v->suites[i] == suite)
			return;
	v->suites = xrealloc(v->suites, (v->nsuites + 1) * sizeof(*v->suites));
	v->suites[v->nsuites++] = suite;
}

/* Splits the rest of a JOB_FIRST's offer over parallel chains; compact chains get at most
 * TLS_COMPACT_SUITES suites each. Frees j. */
static void split_chains(struct prober *p, struct job *j)
{
	size_t k = MIN((size_t)CHAINS_PER_VERSION, j->n);
	if (j->compact)
		k = MAX(k, (j->n + TLS_COMPACT_SUITES - 1) / TLS_COMPACT_SUITES);
	for (size_t i = 0; i < k; i++) {
		size_t from = i * j->n / k, to = (i + 1) * j->n / k;
		if (to > from) {
			struct job *c = job_new(JOB_CHAIN, j->vi, j->offer + from, to - from);
			c->compact = j->compact;
			queue_push(p, c);
		}
	}
	job_free(j);
}

/* Whether the job's hello is one that size-intolerant servers choke on. */
static bool hello_large(const struct job *j)
{
	return j->hello_len >= 256 || j->n > TLS_COMPACT_SUITES;
}

/* The full hello of a version went unanswered: the same offer again, compact, its usual suites
 * first (a PSK, SRP, GOST... suite is unlikely to be what the server accepts). */
static void compact_retry(struct prober *p, struct job *j)
{
	size_t k = 0;
	uint16_t *ranked = xmalloc(MAX(j->n, 1) * sizeof(*ranked));
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < j->n; i++) {
			const struct tls_suite *s = tls_suite_find(j->offer[i]);
			bool odd = !s || (s->flags & (TLS_SUITE_RARE | TLS_SUITE_NULL | TLS_SUITE_EXPORT |
						      TLS_SUITE_ANON));
			if (odd == (pass == 1))
				ranked[k++] = j->offer[i];
		}
	}
	memcpy(j->offer, ranked, j->n * sizeof(*ranked));
	free(ranked);
	j->compact = true;
	p->res->retries++;
	p->res->v[j->vi].compact = true;
	queue_push(p, j);
}

/* Acts on the end of one probe: records what it taught and queues the follow-up. */
static void job_done(struct prober *p, struct job *j, enum outcome o, uint16_t suite)
{
	if (j->kind == JOB_SSL2) {
		job_free(j); /* the answer itself was recorded by conn_answer */
		return;
	}
	struct tls_version_result *v = &p->res->v[j->vi];
	if (j->kind == JOB_ORDER) {
		p->order_pick[j->slot] = o == OUT_ACCEPT ? suite : -1;
		job_free(j);
		return;
	}
	if (j->kind == JOB_FIRST && o == OUT_SILENT && !j->compact && hello_large(j)) {
		compact_retry(p, j);
		return;
	}
	if (j->kind == JOB_FIRST && j->compact && o == OUT_REFUSE) {
		/* The server answers compact hellos but had no suite of this part: the other
		 * parts may still hold some. */
		size_t done = job_offered(j);
		memmove(j->offer, j->offer + done, (j->n - done) * sizeof(*j->offer));
		j->n -= done;
		split_chains(p, j);
		return;
	}
	if (o != OUT_ACCEPT) {
		job_free(j);
		return;
	}
	/* The first acceptance comes from JOB_FIRST, or, after a compact first part with no suite
	 * for the server, from one of the chains. */
	if (!v->accepted) {
		v->accepted = true;
		v->preferred = suite;
	}
	version_add_suite(v, suite);
	offer_remove(j, suite);
	if (j->kind == JOB_FIRST) {
		split_chains(p, j);
		return;
	}
	if (j->n)
		queue_push(p, j);
	else
		job_free(j);
}

/* Judges a complete answer: the version and suite must be the ones a real handshake would use. */
static enum outcome judge(struct prober *p, struct job *j, const struct tls_answer *a, uint16_t *suite)
{
	if (a->kind == TLS_ANSWER_ALERT)
		return a->alert == 70 ? OUT_NO_VERSION : OUT_REFUSE;
	if (a->version != tls_versions[j->vi])
		return OUT_NO_VERSION; /* the server fell back to another version */
	for (size_t i = 0; i < job_offered(j); i++) {
		if (j->offer[i] == a->suite) {
			*suite = a->suite;
			return OUT_ACCEPT;
		}
	}
	fail_note(p, j, "the server chose a cipher suite that was not offered");
	return OUT_FAIL;
}

static void conn_close(struct prober *p, int i)
{
	struct conn *c = &p->conns[i];
	close(c->fd);
	buf_release(&c->out);
	buf_release(&c->in);
	p->conns[i] = p->conns[--p->nconns];
}

static void conn_end(struct prober *p, int i, enum outcome o, uint16_t suite)
{
	struct job *j = p->conns[i].job;
	conn_close(p, i);
	job_done(p, j, o, suite);
}

static void conn_fail(struct prober *p, int i, const char *why)
{
	fail_note(p, p->conns[i].job, why);
	conn_end(p, i, OUT_FAIL, 0);
}

static void conn_start(struct prober *p, struct job *j)
{
	const struct tls_probe_config *cfg = p->cfg;
	struct conn *c = &p->conns[p->nconns];
	int rc;

	p->res->probes++;
	memset(c, 0, sizeof(*c));
	buf_init(&c->out, TLS_HELLO_MAX);
	buf_init(&c->in, j->kind == JOB_SSL2 ? TLS_SSL2_ANSWER_MAX : TLS_ANSWER_MAX);
	c->job = j;
	c->deadline = clock_mono_ms() + cfg->timeout_ms;
	if (j->kind == JOB_SSL2) {
		rc = tls_ssl2_hello_build(&c->out);
	} else {
		struct tls_hello_params hp = {tls_versions[j->vi], j->offer, job_offered(j), cfg->sni,
					      j->compact};
		rc = tls_hello_build(&c->out, &hp);
	}
	j->hello_len = c->out.len;
	if (rc) {
		buf_release(&c->out);
		buf_release(&c->in);
		fail_note(p, j, "cannot build the ClientHello");
		job_done(p, j, OUT_FAIL, 0);
		return;
	}
	c->fd = socket(cfg->addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		buf_release(&c->out);
		buf_release(&c->in);
		fail_note(p, j, strerror(errno));
		job_done(p, j, OUT_FAIL, 0);
		return;
	}
	p->nconns++;
	if (connect(c->fd, cfg->addr, cfg->addrlen) == 0)
		return;
	if (errno == EINPROGRESS) {
		c->connecting = true;
		return;
	}
	conn_fail(p, p->nconns - 1, strerror(errno));
}

/* Parses what the connection received so far; returns true when the connection ended. */
static bool conn_answer(struct prober *p, int i)
{
	struct conn *c = &p->conns[i];
	const uint8_t *data = (const uint8_t *)c->in.data;
	const char *why = NULL;
	uint16_t suite = 0;
	enum outcome o = OUT_FAIL;
	int rc;
	if (c->job->kind == JOB_SSL2) {
		struct tls_ssl2_answer a;
		rc = tls_ssl2_answer_parse(data, c->in.len, &a, &why);
		if (!rc && a.kind == TLS_SSL2_INCOMPLETE)
			return false;
		if (!rc && a.kind == TLS_SSL2_HELLO) {
			p->res->ssl2 = true;
			p->res->ssl2_nkinds = a.nkinds;
			memcpy(p->res->ssl2_kinds, a.kinds, sizeof(a.kinds));
		}
		o = OUT_REFUSE;
	} else {
		struct tls_answer a;
		rc = tls_answer_parse(data, c->in.len, &a, &why);
		if (!rc && a.kind == TLS_ANSWER_INCOMPLETE)
			return false;
		if (!rc)
			o = judge(p, c->job, &a, &suite);
	}
	if (rc) {
		conn_fail(p, i, why ? why : ss_strerror(rc));
		return true;
	}
	p->res->answers++;
	conn_end(p, i, o, suite);
	return true;
}

/* The connection's time is up: silence after the hello may be a server choking on its size. */
static void conn_timeout(struct prober *p, int i)
{
	struct conn *c = &p->conns[i];
	if (c->connecting || c->in.len) {
		conn_fail(p, i, c->connecting ? "connect timed out" : "no answer before the timeout");
		return;
	}
	fail_note(p, c->job, "no answer before the timeout");
	conn_end(p, i, OUT_SILENT, 0);
}

/* Progress on one connection after poll; returns true when the connection ended. */
static bool conn_step(struct prober *p, int i, short revents)
{
	struct conn *c = &p->conns[i];
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return false;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			conn_fail(p, i, err ? strerror(err) : "connect failed");
			return true;
		}
		c->connecting = false;
	}
	if (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return false;
		if (n < 0) {
			/* A server may reset the connection on seeing an unwanted hello. */
			conn_end(p, i, OUT_SILENT, 0);
			return true;
		}
		c->sent += (size_t)n;
		return false;
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return false;

	char chunk[4096];
	size_t room = c->in.max - c->in.len;
	ssize_t n = recv(c->fd, chunk, MIN(room, sizeof(chunk)), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return false;
	if (n <= 0) {
		/* Closing without a word is how many servers refuse a version or suite (and how
		 * some refuse a large hello); closing in the middle of a record is a broken answer. */
		if (c->in.len == 0) {
			p->res->answers++;
			conn_end(p, i, OUT_SILENT, 0);
		} else {
			conn_fail(p, i, "the server closed the connection in the middle of its answer");
		}
		return true;
	}
	buf_append(&c->in, chunk, (size_t)n);
	return conn_answer(p, i);
}

static bool should_stop(struct prober *p)
{
	const struct tls_probe_config *cfg = p->cfg;
	if (cfg->deadline_ms && clock_mono_ms() >= cfg->deadline_ms)
		return true;
	return cfg->stop && cfg->stop(cfg->ud);
}

static void drop_queue(struct prober *p)
{
	struct job *j;
	while ((j = queue_pop(p)))
		job_free(j);
}

/* Runs every queued job to its end, with at most p->parallel connections at once. */
static void run_queue(struct prober *p)
{
	struct pollfd pfd[MAX_PARALLEL];
	while (p->head || p->nconns) {
		if (should_stop(p)) {
			p->res->limited = true;
			drop_queue(p);
			while (p->nconns) {
				struct job *j = p->conns[0].job;
				conn_close(p, 0);
				job_free(j);
			}
			return;
		}
		while (p->head && p->nconns < p->parallel) {
			if (p->res->probes >= p->cfg->max_probes) {
				p->res->limited = true;
				drop_queue(p);
				break;
			}
			conn_start(p, queue_pop(p));
		}
		if (!p->nconns)
			continue;

		int64_t now = clock_mono_ms(), wait = INT64_MAX;
		for (int i = 0; i < p->nconns; i++) {
			struct conn *c = &p->conns[i];
			pfd[i].fd = c->fd;
			pfd[i].events = c->connecting || c->sent < c->out.len ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
			wait = MIN(wait, c->deadline - now);
		}
		int nfds = p->nconns;
		if (poll(pfd, (nfds_t)nfds, (int)MAX(0, MIN(wait, 1000))) < 0 && errno != EINTR)
			break;
		now = clock_mono_ms();
		/* Walk backwards: conn_close moves the last connection into the freed slot. */
		for (int i = nfds - 1; i >= 0; i--) {
			if (i >= p->nconns || p->conns[i].fd != pfd[i].fd)
				continue;
			if (pfd[i].revents && conn_step(p, i, pfd[i].revents))
				continue;
			if (now >= p->conns[i].deadline)
				conn_timeout(p, i);
		}
	}
}

/* The suites worth offering for a version: TLS 1.3 suites only in 1.3, legacy ones by age. */
static size_t offer_for(int version, uint16_t *out, const struct tls_suite *tab, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool v13 = tab[i].min_version == TLS_V_13;
		if (tab[i].id == 0 || v13 != (version == TLS_V_13) || tab[i].min_version > version)
			continue;
		out[k++] = tab[i].id;
	}
	return k;
}

/* Offers two accepted suites in both orders: the same pick twice means the server's order. */
static void order_test(struct prober *p)
{
	int vi = -1;
	for (int i = (int)ARRAY_SIZE(tls_versions) - 1; i >= 0; i--) {
		if (p->res->v[i].nsuites < 2)
			continue;
		if (vi < 0 || tls_versions[vi] == TLS_V_13)
			vi = i;
		if (tls_versions[i] != TLS_V_13)
			break;
	}
	if (vi < 0)
		return;
	const struct tls_version_result *v = &p->res->v[vi];
	uint16_t ab[2] = {v->suites[0], v->suites[1]}, ba[2] = {v->suites[1], v->suites[0]};
	struct job *j0 = job_new(JOB_ORDER, vi, ab, 2), *j1 = job_new(JOB_ORDER, vi, ba, 2);
	j0->slot = 0;
	j1->slot = 1;
	p->order_pick[0] = p->order_pick[1] = -1;
	p->order_first[0] = ab[0];
	p->order_first[1] = ba[0];
	queue_push(p, j0);
	queue_push(p, j1);
	run_queue(p);
	p->res->order_version = tls_versions[vi];
	if (p->order_pick[0] < 0 || p->order_pick[1] < 0)
		return;
	if (p->order_pick[0] == p->order_pick[1])
		p->res->server_order = 1;
	else if (p->order_pick[0] == p->order_first[0] && p->order_pick[1] == p->order_first[1])
		p->res->server_order = 0;
}

int tls_enumerate(const struct tls_probe_config *cfg, struct tls_enum *out)
{
	size_t n;
	const struct tls_suite *tab = tls_suites(&n);
	memset(out, 0, sizeof(*out));
	out->server_order = -1;
	for (size_t i = 0; i < ARRAY_SIZE(tls_versions); i++)
		out->v[i].version = tls_versions[i];
	if (!tab || !n)
		return SS_EINVAL;

	struct prober p = {.cfg = cfg, .res = out};
	p.parallel = cfg->parallel > 0 ? MIN(cfg->parallel, MAX_PARALLEL) : 8;
	struct tls_probe_config defaults = *cfg;
	if (defaults.timeout_ms <= 0)
		defaults.timeout_ms = 5000;
	if (defaults.max_probes <= 0)
		defaults.max_probes = 800;
	p.cfg = &defaults;

	uint16_t *offer = xmalloc(n * sizeof(*offer));
	for (size_t i = 0; i < ARRAY_SIZE(tls_versions); i++) {
		size_t k = offer_for(tls_versions[i], offer, tab, n);
		if (k)
			queue_push(&p, job_new(JOB_FIRST, (int)i, offer, k));
	}
	free(offer);
	queue_push(&p, job_new(JOB_SSL2, -1, NULL, 0));
	run_queue(&p);
	if (!out->limited)
		order_test(&p);
	return 0;
}

void tls_enum_release(struct tls_enum *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(e->v); i++) {
		free(e->v[i].suites);
		e->v[i].suites = NULL;
		e->v[i].nsuites = 0;
	}
}

const struct tls_version_result *tls_enum_version(const struct tls_enum *e, int version)
{
	for (size_t i = 0; i < ARRAY_SIZE(e->v); i++)
		if (e->v[i].version == version)
			return &e->v[i];
	return NULL;
}
