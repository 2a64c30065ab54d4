#include "base/common.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/http.h"
#include "base/log.h"
#include "base/sock.h"
#include "base/ssrf.h"
#include "base/str.h"
#include "base/url.h"
#include "engine/module.h"
#include "modules/dns_anchor.h"
#include "modules/dns_policy.h"
#include "modules/dns_wire.h"
#include <arpa/inet.h>
#include <poll.h>
#include <unbound.h>

/*
 * The dns module: mail policies (SPF, DMARC), CAA, DNSSEC, zone transfer, wildcard records and
 * subdomain takeover, for the zone of a target host name. Questions go out in parallel batches
 * through libunbound; answers are read with our own parser from the raw reply.
 */

#define MOD "dns"
/* The module's own limit, inside the run's budget. */
#define DNS_BUDGET_MS 15000
/* SPF evaluation is limited to 10 lookups (RFC 7208 4.6.4); we follow a few more to count them. */
#define SPF_LOOKUP_LIMIT 10
#define SPF_MAX_FOLLOW 40
#define SPF_MAX_DEPTH 10
/* Names checked for takeover: apex, www, the host, and hosts the main page references. */
#define MAX_TAKEOVER_NAMES 24
#define AXFR_TIMEOUT_MS 3000
#define MAX_NS 6

struct dq {
	char name[DNS_NAME_MAX];
	int type;
	bool done;
	int err;             /* libunbound error, or SS_ETIMEOUT */
	int async_id;
	struct ub_result *res;
	struct dns_msg msg;  /* the parsed answer packet (valid when parsed) */
	bool parsed;
};

struct dns_ctx {
	struct scan_target *t;
	struct ub_ctx *ub;
	const char *host;
	char zone[DNS_NAME_MAX];
	bool have_resolver;
	struct sock_addr resolver;
	char fwd[80];        /* "addr@port" for libunbound */
	const char *anchor_file; /* the user's trust anchors (--trust-anchor), or NULL */
	int64_t deadline;
	struct dns_takeover_set providers;
};

/* --- queries --- */

static void dq_done(void *ud, int err, struct ub_result *res)
{
	struct dq *q = ud;
	q->err = err;
	q->res = res;
	q->done = true;
}

static void dq_set(struct dq *q, const char *name, int type)
{
	memset(q, 0, sizeof(*q));
	str_copy(q->name, sizeof(q->name), name);
	q->type = type;
}

static void dq_release(struct dq *q)
{
	if (q->parsed)
		dns_msg_release(&q->msg);
	if (q->res)
		ub_resolve_free(q->res);
	q->res = NULL;
	q->parsed = false;
}

static void dq_release_all(struct dq *qs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dq_release(&qs[i]);
}

/* Asks every question of qs at once and waits for the answers or the deadline. */
static void ask(struct dns_ctx *c, struct ub_ctx *ub, struct dq *qs, size_t n)
{
	size_t pending = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = ub_resolve_async(ub, qs[i].name, qs[i].type, 1, &qs[i], dq_done, &qs[i].async_id);
		if (rc) {
			qs[i].err = rc;
			qs[i].done = true;
		} else {
			pending++;
		}
	}
	while (pending) {
		int64_t left = c->deadline - clock_mono_ms();
		if (left <= 0 || scan_aborted(c->t))
			break;
		struct pollfd p = {.fd = ub_fd(ub), .events = POLLIN};
		if (poll(&p, 1, (int)MIN(left, 100)) > 0)
			ub_process(ub);
		pending = 0;
		for (size_t i = 0; i < n; i++)
			pending += !qs[i].done;
	}
	for (size_t i = 0; i < n; i++) {
		if (!qs[i].done) {
			ub_cancel(ub, qs[i].async_id);
			qs[i].err = SS_ETIMEOUT;
			qs[i].done = true;
			continue;
		}
		if (!qs[i].err && qs[i].res && qs[i].res->answer_packet &&
		    dns_msg_parse(qs[i].res->answer_packet, (size_t)qs[i].res->answer_len, &qs[i].msg) == 0)
			qs[i].parsed = true;
	}
}

static const char *dq_error(const struct dq *q)
{
	if (q->err == SS_ETIMEOUT)
		return "no answer before the deadline";
	if (q->err)
		return ub_strerror(q->err);
	if (!q->parsed)
		return "malformed answer";
	return q->res->rcode == DNS_RCODE_SERVFAIL ? "SERVFAIL" : "no error";
}

/* True when the answer was read and the server did not fail (NOERROR or NXDOMAIN). */
static bool dq_ok(const struct dq *q)
{
	return q->parsed && (q->res->rcode == DNS_RCODE_NOERROR || q->res->rcode == DNS_RCODE_NXDOMAIN);
}

/* The i-th answer-section record of a type, or NULL. */
static const struct dns_rr *dq_answer(const struct dq *q, int type, size_t nth)
{
	if (!q->parsed)
		return NULL;
	for (size_t i = 0; i < q->msg.nrrs; i++) {
		const struct dns_rr *rr = &q->msg.rrs[i];
		if (rr->section == 1 && rr->type == type && nth-- == 0)
			return rr;
	}
	return NULL;
}

/* --- findings --- */

static void emit(struct dns_ctx *c, const char *check, const char *location, const char *detail,
		 const char *evidence, int severity)
{
	struct finding_spec s = {.check = check, .location = location, .detail = detail, .evidence = evidence,
				 .severity = severity};
	scan_emit(c->t, MOD, &s);
}

static void check_failed(struct dns_ctx *c, const char *what, const char *why)
{
	char detail[300];
	snprintf(detail, sizeof(detail), "%s: %s", what, why);
	/* one finding per failed check: what failed tells them apart */
	struct finding_spec s = {.check = "dns.check-failed", .location = c->zone[0] ? c->zone : c->host,
				 .detail = detail, .evidence = detail, .severity = -1, .discriminator = what};
	scan_emit(c->t, MOD, &s);
}

/* --- zone apex --- */

/* Finds the zone of the host: the longest of host and its parents that has its own SOA. */
static int find_zone(struct dns_ctx *c)
{
	struct dq qs[16];
	size_t n = 0;
	for (const char *p = c->host; p && *p && n < ARRAY_SIZE(qs); p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (!strchr(p, '.') && n > 0)
			break; /* not the top-level domain, unless the host is one */
		dq_set(&qs[n++], p, DNS_SOA);
	}
	ask(c, c->ub, qs, n);
	int rc = SS_ENOTFOUND;
	for (size_t i = 0; i < n; i++) {
		const struct dns_rr *soa = dq_answer(&qs[i], DNS_SOA, 0);
		if (soa && dns_name_equal(soa->name, qs[i].name)) {
			str_copy(c->zone, sizeof(c->zone), qs[i].name);
			rc = 0;
			break;
		}
	}
	if (rc) {
		/* say why: the first question that failed, or that nothing had a SOA */
		const char *why = "no zone (SOA) found for the host or its parents";
		for (size_t i = 0; i < n; i++)
			if (!dq_ok(&qs[i])) {
				why = dq_error(&qs[i]);
				break;
			}
		check_failed(c, "finding the DNS zone", why);
	}
	dq_release_all(qs, n);
	return rc;
}

/* --- SPF and DMARC --- */

/* The TXT strings of an answer that satisfy keep (NULL: all) into out[]; returns how many. */
static size_t txt_strings(const struct dq *q, bool (*keep)(const char *), char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; k < max; i++) {
		const struct dns_rr *rr = dq_answer(q, DNS_TXT, i);
		if (!rr)
			break;
		struct buf b;
		buf_init(&b, 4096);
		if (dns_rr_txt(&q->msg, rr, &b) == 0 && b.len && (!keep || keep(buf_str(&b))))
			out[k++] = buf_detach(&b, NULL);
		buf_release(&b);
	}
	return k;
}

/* Counts the lookups of an SPF policy through its includes and redirect, breadth first. */
static int spf_count_lookups(struct dns_ctx *c, const struct dns_spf *top, bool *truncated)
{
	int lookups = top->lookups;
	char *level[SPF_MAX_FOLLOW];
	size_t nlevel = 0, followed = 0;
	for (size_t i = 0; i < top->ntargets && nlevel < SPF_MAX_FOLLOW; i++)
		level[nlevel++] = xstrdup(top->targets[i]);
	*truncated = false;
	for (int depth = 0; nlevel && depth < SPF_MAX_DEPTH; depth++) {
		struct dq *qs = xcalloc(nlevel, sizeof(*qs));
		for (size_t i = 0; i < nlevel; i++)
			dq_set(&qs[i], level[i], DNS_TXT);
		ask(c, c->ub, qs, nlevel);
		followed += nlevel;
		char *next[SPF_MAX_FOLLOW];
		size_t nnext = 0;
		for (size_t i = 0; i < nlevel; i++) {
			char *rec[2];
			size_t k = txt_strings(&qs[i], dns_spf_is_spf, rec, 2);
			if (k >= 1) {
				struct dns_spf s;
				dns_spf_parse(rec[0], &s);
				lookups += s.lookups;
				for (size_t j = 0; j < s.ntargets; j++) {
					if (nnext < SPF_MAX_FOLLOW && followed + nnext < SPF_MAX_FOLLOW)
						next[nnext++] = xstrdup(s.targets[j]);
					else
						*truncated = true;
				}
				dns_spf_release(&s);
			}
			for (size_t j = 0; j < k; j++)
				free(rec[j]);
			free(level[i]);
		}
		dq_release_all(qs, nlevel);
		free(qs);
		memcpy(level, next, nnext * sizeof(*next));
		nlevel = nnext;
	}
	for (size_t i = 0; i < nlevel; i++)
		free(level[i]);
	return lookups;
}

static void check_spf(struct dns_ctx *c, const struct dq *q)
{
	if (!dq_ok(q)) {
		check_failed(c, "SPF (TXT) lookup", dq_error(q));
		return;
	}
	char *rec[4];
	size_t k = txt_strings(q, dns_spf_is_spf, rec, ARRAY_SIZE(rec));
	if (k == 0) {
		emit(c, "dns.spf-missing", c->zone, c->zone, "no TXT record starting with v=spf1", -1);
		return;
	}
	if (k > 1) {
		char ev[600];
		snprintf(ev, sizeof(ev), "%s | %s", rec[0], rec[1]);
		emit(c, "dns.spf-multiple", c->zone, c->zone, ev, -1);
	}
	struct dns_spf s;
	dns_spf_parse(rec[0], &s);
	if (s.all == '+' || s.all == '?' || (!s.all && !s.redirect)) {
		char detail[DNS_NAME_MAX + 32];
		snprintf(detail, sizeof(detail), "%s (%s)", c->zone,
			 s.all == '+' ? "+all" : s.all == '?' ? "?all" : "no all mechanism");
		emit(c, "dns.spf-permissive", c->zone, detail, rec[0], s.all == '+' ? -1 : SEV_MEDIUM);
	}
	bool truncated;
	int lookups = spf_count_lookups(c, &s, &truncated);
	if (lookups > SPF_LOOKUP_LIMIT) {
		char ev[700];
		snprintf(ev, sizeof(ev), "%s%d DNS-querying terms counted through includes: %s", truncated ? "at least " : "",
			 lookups, rec[0]);
		emit(c, "dns.spf-too-many-lookups", c->zone, c->zone, ev, -1);
	}
	dns_spf_release(&s);
	for (size_t i = 0; i < k; i++)
		free(rec[i]);
}

static bool is_dmarc(const char *s)
{
	return strncasecmp(s, "v=DMARC1", 8) == 0;
}

static void check_dmarc(struct dns_ctx *c, const struct dq *q)
{
	if (!dq_ok(q)) {
		check_failed(c, "DMARC (TXT) lookup", dq_error(q));
		return;
	}
	char *rec[2];
	size_t k = txt_strings(q, is_dmarc, rec, ARRAY_SIZE(rec));
	char policy[32];
	if (k != 1 || dns_dmarc_policy(rec[0], policy, sizeof(policy)) < 0) {
		emit(c, "dns.dmarc-missing", c->zone, c->zone,
		     k == 0 ? "no TXT record starting with v=DMARC1 at _dmarc" : k > 1 ? "more than one DMARC record (invalid)"
										      : rec[0], -1);
	} else if (!strcmp(policy, "none")) {
		emit(c, "dns.dmarc-none", c->zone, c->zone, rec[0], -1);
	}
	for (size_t i = 0; i < k; i++)
		free(rec[i]);
}

/* --- CAA, wildcard --- */

static void check_caa(struct dns_ctx *c, struct dq *qs, size_t n)
{
	/* CAA applies from the closest name up the tree: any record on the way counts */
	for (size_t i = 0; i < n; i++) {
		if (!dq_ok(&qs[i])) {
			check_failed(c, "CAA lookup", dq_error(&qs[i]));
			return;
		}
		if (dq_answer(&qs[i], DNS_CAA, 0))
			return;
	}
	emit(c, "dns.caa-missing", c->host, c->host, "no CAA record on the host or its parent names", -1);
}

static void check_wildcard(struct dns_ctx *c, const struct dq *q)
{
	const struct dns_rr *rr = dq_answer(q, DNS_A, 0);
	if (!rr || rr->rdlen != 4)
		return;
	char ip[INET_ADDRSTRLEN], ev[DNS_NAME_MAX + 64];
	inet_ntop(AF_INET, q->msg.pkt + rr->rdoff, ip, sizeof(ip));
	snprintf(ev, sizeof(ev), "%s (a random name) resolves to %s", q->name, ip);
	emit(c, "dns.wildcard", c->zone, c->zone, ev, -1);
}

/* --- DNSSEC --- */

static struct ub_ctx *new_ub(struct dns_ctx *c, bool validate, bool root);

/* Asks the zone's SOA through a validating resolver (the root's anchors too when root is true);
 * true when the answer is bogus, and then says why. */
static bool validate_zone(struct dns_ctx *c, bool root)
{
	struct ub_ctx *v = new_ub(c, true, root);
	if (!v)
		return false;
	struct dq q;
	dq_set(&q, c->zone, DNS_SOA);
	ask(c, v, &q, 1);
	bool bogus = !q.err && q.res && q.res->bogus;
	if (q.err)
		check_failed(c, "DNSSEC validation", dq_error(&q));
	else if (bogus)
		emit(c, "dns.dnssec-bogus", c->zone, c->zone, q.res->why_bogus ? q.res->why_bogus : "validation failed", -1);
	dq_release(&q);
	ub_ctx_delete(v);
	return bogus;
}

static void check_dnssec(struct dns_ctx *c, const struct dq *dnskey, const struct dq *root)
{
	if (!dq_ok(dnskey)) {
		check_failed(c, "DNSKEY lookup", dq_error(dnskey));
		return;
	}
	bool signed_zone = dq_answer(dnskey, DNS_DNSKEY, 0) != NULL;
	/* Validation needs a chain from an anchor: the root's when the resolver serves the root's keys
	 * (a server that only holds the zone cannot), or the user's own. With the user's anchors an
	 * unsigned answer is validated too: under an anchor it is bogus (signatures stripped). */
	bool root_keys = dq_answer(root, DNS_DNSKEY, 0) != NULL;
	bool bogus = false;
	if (c->anchor_file || (signed_zone && root_keys))
		bogus = validate_zone(c, root_keys);
	else if (signed_zone)
		log_info("dns: %s is signed; the resolver does not serve the root keys and no --trust-anchor was "
			 "given, so it is not validated", c->zone);
	if (!signed_zone && !bogus)
		emit(c, "dns.dnssec-absent", c->zone, c->zone, "no DNSKEY record at the zone apex", -1);
}

/* --- zone transfer --- */

static void check_axfr(struct dns_ctx *c, const struct dq *ns)
{
	if (!dq_ok(ns)) {
		check_failed(c, "NS lookup", dq_error(ns));
		return;
	}
	char names[MAX_NS][DNS_NAME_MAX];
	size_t n = 0;
	for (size_t i = 0; n < MAX_NS; i++) {
		const struct dns_rr *rr = dq_answer(ns, DNS_NS, i);
		if (!rr)
			break;
		if (dns_rr_name(&ns->msg, rr, 0, names[n]) == 0)
			n++;
	}
	if (!n)
		return;
	/* one address per name server: IPv4 when it has one, else IPv6 */
	struct dq *qs = xcalloc(2 * n, sizeof(*qs));
	for (size_t i = 0; i < n; i++) {
		dq_set(&qs[2 * i], names[i], DNS_A);
		dq_set(&qs[2 * i + 1], names[i], DNS_AAAA);
	}
	ask(c, c->ub, qs, 2 * n);
	const struct http_options *ho = &scan_options_of(c->t)->http;
	for (size_t i = 0; i < n; i++) {
		const struct dns_rr *v4 = dq_answer(&qs[2 * i], DNS_A, 0);
		const struct dns_rr *v6 = dq_answer(&qs[2 * i + 1], DNS_AAAA, 0);
		char ip[INET6_ADDRSTRLEN];
		if (v4 && v4->rdlen == 4)
			inet_ntop(AF_INET, qs[2 * i].msg.pkt + v4->rdoff, ip, sizeof(ip));
		else if (v6 && v6->rdlen == 16)
			inet_ntop(AF_INET6, qs[2 * i + 1].msg.pkt + v6->rdoff, ip, sizeof(ip));
		else
			continue;
		struct sock_addr a;
		if (sock_addr_from_ip(&a, ip, 53) < 0 ||
		    !(ssrf_address_allowed((const struct sockaddr *)&a.ss, ho->allow_private) ||
		      ssrf_address_listed((const struct sockaddr *)&a.ss, ho->allow_addrs)))
			continue;
		/* the name server the user pointed us at answers on its own port */
		if (c->have_resolver) {
			char rip[64];
			sock_addr_ip(&c->resolver, rip, sizeof(rip));
			if (!strcmp(rip, ip))
				a = c->resolver;
		}
		char addr[80];
		sock_addr_format(&a, addr, sizeof(addr));
		char *where = xasprintf("%s (%s)", names[i], addr);
		struct dns_axfr_result r;
		dns_axfr(&a, c->zone, MIN(clock_mono_ms() + AXFR_TIMEOUT_MS, c->deadline), &r);
		if (r.status == DNS_AXFR_ALLOWED) {
			char *ev = xasprintf("AXFR of %s from %s returned %zu records%s%s", c->zone, addr, r.records,
					     r.names.len ? ", e.g. " : "", buf_str(&r.names));
			emit(c, "dns.zone-transfer", where, c->zone, ev, -1);
			free(ev);
		} else if (r.status == DNS_AXFR_ERROR) {
			char *what = xasprintf("zone transfer test against %s", where);
			check_failed(c, what, r.error);
			free(what);
		}
		dns_axfr_result_release(&r);
		free(where);
	}
	dq_release_all(qs, 2 * n);
	free(qs);
}

/* --- subdomain takeover --- */

struct tk_name {
	char name[DNS_NAME_MAX];
	char origin[DNS_NAME_MAX + 32]; /* where to fetch the provider's page: "http://name" or the referenced origin */
};

static bool tk_has(const struct tk_name *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (dns_name_equal(v[i].name, name))
			return true;
	return false;
}

static void tk_add(struct tk_name *v, size_t *n, const char *name, const char *origin)
{
	if (*n >= MAX_TAKEOVER_NAMES || !*name || tk_has(v, *n, name) || sock_addr_from_ip(&(struct sock_addr){0}, name, 0) == 0)
		return;
	str_copy(v[*n].name, sizeof(v[*n].name), name);
	if (origin)
		str_copy(v[*n].origin, sizeof(v[*n].origin), origin);
	else
		snprintf(v[*n].origin, sizeof(v[*n].origin), "http://%s", name);
	(*n)++;
}

/* Adds the hosts of absolute URLs in the main page (src=, href=, and the like). */
static void referenced_hosts(struct dns_ctx *c, struct tk_name *v, size_t *n)
{
	const struct http_response *main = c->t->main;
	if (!main || !main->body.len)
		return;
	const char *body = main->body.data;
	size_t len = MIN(main->body.len, (size_t)512 * 1024);
	for (const char *p = body; (p = str_find(p, len - (size_t)(p - body), "://")) != NULL; p += 3) {
		const char *s = p;
		while (s > body && s > p - 5 && ((s[-1] >= 'a' && s[-1] <= 'z') || (s[-1] >= 'A' && s[-1] <= 'Z')))
			s--;
		size_t sl = (size_t)(p - s);
		if (!((sl == 4 && !strncasecmp(s, "http", 4)) || (sl == 5 && !strncasecmp(s, "https", 5))))
			continue;
		const char *e = p + 3;
		while (e < body + len && e - p < 300 && !strchr("/\"'?#<> \t\r\n\\)", *e))
			e++;
		char *text = xasprintf("%.*s/", (int)(e - s), s);
		struct url u;
		if (url_parse(text, &u) == 0) {
			char *origin = url_origin(&u);
			tk_add(v, n, u.host, origin);
			free(origin);
			url_release(&u);
		}
		free(text);
	}
}

/* The provider a CNAME chain of the answer leads to, and the target name it matched. */
static const struct dns_takeover_provider *cname_provider(struct dns_ctx *c, const struct dq *q, char *target)
{
	for (size_t i = 0;; i++) {
		const struct dns_rr *rr = dq_answer(q, DNS_CNAME, i);
		if (!rr)
			return NULL;
		if (dns_rr_name(&q->msg, rr, 0, target) < 0)
			continue;
		const struct dns_takeover_provider *p = dns_takeover_match(&c->providers, target);
		if (p)
			return p;
	}
}

static void check_takeover(struct dns_ctx *c, struct tk_name *v, size_t n)
{
	struct dq *qs = xcalloc(n, sizeof(*qs));
	for (size_t i = 0; i < n; i++)
		dq_set(&qs[i], v[i].name, DNS_A);
	ask(c, c->ub, qs, n);
	/* pages of providers that tell "no such app" over HTTP, fetched together */
	struct http_batch *batch = NULL;
	struct http_response **pages = xcalloc(n, sizeof(*pages));
	const struct dns_takeover_provider **prov = xcalloc(n, sizeof(*prov));
	char (*targets)[DNS_NAME_MAX] = xcalloc(n, sizeof(*targets));
	for (size_t i = 0; i < n; i++) {
		if (!qs[i].parsed)
			continue;
		prov[i] = cname_provider(c, &qs[i], targets[i]);
		const struct dns_rr *cname = dq_answer(&qs[i], DNS_CNAME, 0);
		bool nx = qs[i].res->rcode == DNS_RCODE_NXDOMAIN;
		if (cname && nx && (!prov[i] || prov[i]->nxdomain)) {
			if (!prov[i])
				dns_rr_name(&qs[i].msg, cname, 0, targets[i]);
			char ev[2 * DNS_NAME_MAX + 64];
			snprintf(ev, sizeof(ev), "%s is a CNAME to %s, which does not exist (NXDOMAIN)", v[i].name, targets[i]);
			emit(c, prov[i] ? "dns.subdomain-takeover" : "dns.dangling-cname", v[i].name,
			     prov[i] ? prov[i]->name : targets[i], ev, -1);
			prov[i] = NULL;
			continue;
		}
		if (prov[i] && prov[i]->nhttp && !nx) {
			if (!batch)
				batch = http_batch_new(scan_http(c->t));
			char *url = xasprintf("%s/", v[i].origin);
			struct http_request req = {.url = url, .max_body = 256 * 1024};
			pages[i] = http_batch_add(batch, &req);
			free(url);
		}
	}
	if (batch) {
		http_batch_wait(batch);
		for (size_t i = 0; i < n; i++) {
			if (!pages[i] || pages[i]->err || !prov[i] ||
			    !dns_takeover_page_matches(prov[i], pages[i]->body.data ? pages[i]->body.data : "", pages[i]->body.len))
				continue;
			char ev[2 * DNS_NAME_MAX + 200];
			char *snippet = str_truncate_utf8(buf_str(&pages[i]->body), 120);
			snprintf(ev, sizeof(ev), "%s is a CNAME to %s, which answers: %s", v[i].name, targets[i], snippet);
			free(snippet);
			emit(c, "dns.subdomain-takeover", v[i].name, prov[i]->name, ev, -1);
		}
		http_batch_free(batch);
	}
	free(pages);
	free(prov);
	free(targets);
	dq_release_all(qs, n);
	free(qs);
}

/* --- set-up --- */

/* validate: with the user's trust anchors, and the root's when root is true */
static struct ub_ctx *new_ub(struct dns_ctx *c, bool validate, bool root)
{
	struct ub_ctx *ub = ub_ctx_create();
	if (!ub)
		return NULL;
	int rc = ub_ctx_async(ub, 1);
	if (!rc && c->have_resolver) {
		rc = ub_ctx_set_fwd(ub, c->fwd);
		/* the named server decides about special-use names such as .test (RFC 6761) */
		if (!rc)
			rc = ub_ctx_set_option(ub, "local-zone:", "test. transparent");
	} else if (!rc) {
		ub_ctx_resolvconf(ub, NULL); /* none usable: libunbound resolves from the root itself */
	}
	if (!rc && validate && root && dns_anchor_add_root(ub) < 0) {
		log_warn("dns: no DNSSEC trust anchors compiled in (rules/dns/root-anchors.json)");
		rc = -1;
	}
	if (!rc && validate && c->anchor_file)
		rc = dns_anchor_add_file(ub, c->anchor_file);
	if (rc) {
		log_error("dns: cannot set up the resolver: %s", rc > -100 && rc < 0 ? ub_strerror(rc) : "bad option");
		ub_ctx_delete(ub);
		return NULL;
	}
	return ub;
}

static void dns_run(struct scan_target *t)
{
	const struct scan_options *o = scan_options_of(t);
	struct dns_ctx c = {.t = t, .host = t->hostname, .anchor_file = o->trust_anchor};
	struct sock_addr probe;
	/* IP targets have no zone of their own; localhost and single labels have none on the internet */
	if (sock_addr_from_ip(&probe, t->hostname, 0) == 0 || dns_name_under(t->hostname, "localhost") ||
	    (!strchr(t->hostname, '.') && !(o->resolver && *o->resolver)))
		return;
	c.deadline = clock_mono_ms() + DNS_BUDGET_MS;
	if (o->http.deadline_ms && o->http.deadline_ms < c.deadline)
		c.deadline = o->http.deadline_ms;
	if (o->resolver && *o->resolver) {
		if (sock_addr_parse(&c.resolver, o->resolver, 53) < 0) {
			log_error("dns: --resolver '%s' is not a numeric ADDR[:PORT]", o->resolver);
			return;
		}
		char ip[64];
		sock_addr_ip(&c.resolver, ip, sizeof(ip));
		snprintf(c.fwd, sizeof(c.fwd), "%s@%d", ip, sock_addr_port(&c.resolver));
		c.have_resolver = true;
	}
	c.ub = new_ub(&c, false, false);
	if (!c.ub)
		return;
	dns_takeover_load_embedded(&c.providers);
	scan_progress(t, MOD, "looking up the zone of %s", c.host);
	if (find_zone(&c) < 0)
		goto out;

	/* one batch for everything that depends only on the zone and the host */
	enum { Q_SPF, Q_DMARC, Q_DNSKEY, Q_ROOTKEY, Q_NS, Q_WILD, Q_CAA };
	struct dq qs[Q_CAA + 16];
	char name[DNS_NAME_MAX + 32], label[17];
	size_t n = 0;
	dq_set(&qs[n++], c.zone, DNS_TXT);
	snprintf(name, sizeof(name), "_dmarc.%s", c.zone);
	dq_set(&qs[n++], name, DNS_TXT);
	dq_set(&qs[n++], c.zone, DNS_DNSKEY);
	dq_set(&qs[n++], ".", DNS_DNSKEY);
	dq_set(&qs[n++], c.zone, DNS_NS);
	crypto_random_id(label, 16, false);
	snprintf(name, sizeof(name), "%s.%s", label, c.zone);
	dq_set(&qs[n++], name, DNS_A);
	for (const char *p = c.host; p && n < ARRAY_SIZE(qs); p = strchr(p + 1, '.')) {
		if (*p == '.')
			p++;
		dq_set(&qs[n++], p, DNS_CAA);
		if (dns_name_equal(p, c.zone))
			break;
	}
	scan_progress(t, MOD, "checking %s", c.zone);
	ask(&c, c.ub, qs, n);
	check_spf(&c, &qs[Q_SPF]);
	check_dmarc(&c, &qs[Q_DMARC]);
	check_caa(&c, &qs[Q_CAA], n - Q_CAA);
	check_wildcard(&c, &qs[Q_WILD]);
	check_dnssec(&c, &qs[Q_DNSKEY], &qs[Q_ROOTKEY]);
	check_axfr(&c, &qs[Q_NS]);
	dq_release_all(qs, n);

	struct tk_name *names = xcalloc(MAX_TAKEOVER_NAMES, sizeof(*names));
	size_t nn = 0;
	tk_add(names, &nn, c.zone, NULL);
	snprintf(name, sizeof(name), "www.%s", c.zone);
	tk_add(names, &nn, name, NULL);
	tk_add(names, &nn, c.host, t->base_url);
	referenced_hosts(&c, names, &nn);
	check_takeover(&c, names, nn);
	free(names);
out:
	dns_takeover_set_release(&c.providers);
	ub_ctx_delete(c.ub);
}

const struct module dns_module = {
	.name = "dns",
	.summary = "SPF, DMARC, CAA, DNSSEC, open zone transfers, wildcards and subdomain takeover (libunbound)",
	.run = dns_run,
};
