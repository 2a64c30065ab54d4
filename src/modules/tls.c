#include "base/common.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/resolve.h"
#include "engine/module.h"
#include "modules/tls_cert.h"
#include "modules/tls_hello.h"
#include "modules/tls_probe.h"

/*
 * The tls module: which protocol versions and cipher suites the server accepts (hand-built
 * ClientHellos, see tls_probe.h), and what its certificate chain is worth (one OpenSSL
 * handshake, see tls_cert.h). Every check id is in rules/checks/tls.json.
 */

#define MOD "tls"

struct tls_ctx {
	struct scan_target *t;
	const struct scan_options *opt;
	char location[300]; /* host:port */
	struct sock_addr addr;
};

static bool tls_stop(void *ud)
{
	return scan_aborted(ud);
}

/* A check that could not run: in the live view and in the log, so a CLI user sees why. */
static void __attribute__((format(printf, 2, 3))) tls_warn(struct scan_target *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	scan_progress(t, MOD, "%s", msg);
	log_warn("tls: %s", msg);
	free(msg);
}

/* Emits a finding at the catalogue's severity. */
static void emit(struct tls_ctx *c, const char *check, const char *detail, const char *evidence)
{
	struct finding_spec s = {.check = check, .location = c->location, .detail = detail,
				 .evidence = evidence, .severity = -1};
	scan_emit(c->t, MOD, &s);
}

static void set_location(struct tls_ctx *c, int port)
{
	bool v6 = strchr(c->t->hostname, ':') != NULL;
	snprintf(c->location, sizeof(c->location), "%s%s%s:%d", v6 ? "[" : "", c->t->hostname,
		 v6 ? "]" : "", port);
}

static void enumerate(struct tls_ctx *c, struct tls_enum *e)
{
	const struct scan_options *o = c->opt;
	struct tls_probe_config cfg = {
		.addr = (const struct sockaddr *)&c->addr.ss,
		.addrlen = c->addr.len,
		.sni = c->t->hostname,
		.timeout_ms = MIN(o->http.timeout_ms > 0 ? o->http.timeout_ms : 5000, 5000),
		.parallel = 8,
		.max_probes = 800,
		.deadline_ms = o->http.deadline_ms,
		.stop = tls_stop,
		.ud = c->t,
	};
	tls_enumerate(&cfg, e);
}

static bool any_accepted(const struct tls_enum *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(e->v); i++)
		if (e->v[i].accepted)
			return true;
	return e->ssl2;
}

enum tls_port_state {
	PORT_UNREACHABLE, /* no address, or refused by the SSRF guard */
	PORT_NO_TLS,      /* the enumeration found no version accepted */
	PORT_TLS,
};

/*
 * Enumerates the TLS port of the target: its own port when it is https; for a plain-http target,
 * 443 when the site is on the default port, else the site's own port (the same origin over TLS).
 * On PORT_TLS, c->addr and the enumeration are filled; on PORT_NO_TLS c->addr is, and
 * https-missing was emitted for a plain-http target.
 */
static enum tls_port_state find_tls_port(struct tls_ctx *c, struct tls_enum *e)
{
	struct scan_target *t = c->t;
	int port = t->https || t->port != 80 ? t->port : 443;
	char ip[64], why[520];
	set_location(c, port);
	int rc = resolve_host(t->hostname, port, c->opt->http.resolve, c->opt->http.allow_private,
			      &c->addr, ip, sizeof(ip));
	if (rc) {
		tls_warn(t, "%s: %s", c->location,
			 rc == SS_EDENIED ? "refused by the SSRF guard (private address)" : ss_strerror(rc));
		return PORT_UNREACHABLE;
	}
	enumerate(c, e);
	if (any_accepted(e))
		return PORT_TLS;
	snprintf(why, sizeof(why), "%s: %s", c->location, e->error[0] ? e->error : "no TLS version accepted");
	tls_enum_release(e);
	if (!t->https)
		emit(c, "tls.https-missing", NULL, why);
	else
		tls_warn(t, "no TLS version accepted to hand-built hellos: %s", why);
	return PORT_NO_TLS;
}

/* --- protocol and suite findings --- */

static void version_findings(struct tls_ctx *c, const struct tls_enum *e)
{
	static const struct {
		int version;
		const char *check;
	} old[] = {{TLS_V_SSL3, "tls.sslv3-enabled"}, {TLS_V_10, "tls.tls10-enabled"},
		   {TLS_V_11, "tls.tls11-enabled"}};
	char ev[512];
	if (e->ssl2) {
		struct buf kinds;
		buf_init(&kinds, 256);
		for (size_t i = 0; i < e->ssl2_nkinds; i++) {
			const char *name = tls_ssl2_kind_name(e->ssl2_kinds[i]);
			if (name)
				buf_appendf(&kinds, "%s%s", kinds.len ? ", " : "", name);
			else
				buf_appendf(&kinds, "%s0x%06x", kinds.len ? ", " : "", e->ssl2_kinds[i]);
		}
		snprintf(ev, sizeof(ev), "SSLv2 SERVER-HELLO on %s; cipher kinds: %s", c->location,
			 kinds.len ? buf_str(&kinds) : "none listed");
		buf_release(&kinds);
		emit(c, "tls.sslv2-enabled", NULL, ev);
	}
	for (size_t i = 0; i < ARRAY_SIZE(old); i++) {
		const struct tls_version_result *v = tls_enum_version(e, old[i].version);
		if (!v->accepted)
			continue;
		const struct tls_suite *s = tls_suite_find(v->preferred);
		snprintf(ev, sizeof(ev), "%s accepted on %s (%zu cipher suites; the server picked %s)",
			 tls_version_name(v->version), c->location, v->nsuites, s ? s->openssl : "?");
		emit(c, old[i].check, NULL, ev);
	}
	if (!tls_enum_version(e, TLS_V_13)->accepted) {
		int best = e->ssl2 ? TLS_V_SSL2 : 0;
		for (size_t i = 0; i < ARRAY_SIZE(e->v); i++)
			if (e->v[i].accepted)
				best = e->v[i].version;
		snprintf(ev, sizeof(ev), "TLS 1.3 refused on %s; best version: %s", c->location,
			 tls_version_name(best));
		emit(c, "tls.tls13-missing", NULL, ev);
	}
}

/* Lists the accepted suites having any of flags and none of without, as "TLS 1.0: RC4-SHA,
 * RC4-MD5; TLS 1.2: ..."; returns how many. */
static size_t suites_with(const struct tls_enum *e, unsigned flags, unsigned without, struct buf *out)
{
	size_t count = 0;
	for (size_t i = 0; i < ARRAY_SIZE(e->v); i++) {
		const struct tls_version_result *v = &e->v[i];
		bool first = true;
		for (size_t k = 0; k < v->nsuites; k++) {
			const struct tls_suite *s = tls_suite_find(v->suites[k]);
			if (!s || !(s->flags & flags) || (s->flags & without))
				continue;
			if (first)
				buf_appendf(out, "%s%s: ", out->len ? "; " : "", tls_version_name(v->version));
			buf_appendf(out, "%s%s", first ? "" : ", ", s->openssl);
			first = false;
			count++;
		}
	}
	return count;
}

/* Whether an accepted suite lacks forward secrecy or AEAD, or is anonymous. */
static bool has_weaker_suites(const struct tls_enum *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(e->v); i++) {
		for (size_t k = 0; k < e->v[i].nsuites; k++) {
			const struct tls_suite *s = tls_suite_find(e->v[i].suites[k]);
			unsigned f = s ? s->flags : 0;
			if (!(f & TLS_SUITE_FS) || !(f & TLS_SUITE_AEAD) || (f & TLS_SUITE_ANON))
				return true;
		}
	}
	return false;
}

static void suite_findings(struct tls_ctx *c, const struct tls_enum *e)
{
	static const struct {
		unsigned flags;
		const char *check;
	} weak[] = {
		{TLS_SUITE_NULL, "tls.null-suites"},   {TLS_SUITE_EXPORT, "tls.export-suites"},
		{TLS_SUITE_ANON, "tls.anon-suites"},   {TLS_SUITE_RC4, "tls.rc4-suites"},
		{TLS_SUITE_DES, "tls.des-suites"},     {TLS_SUITE_3DES, "tls.3des-suites"},
	};
	struct buf ev;
	buf_init(&ev, 4096);
	for (size_t i = 0; i < ARRAY_SIZE(weak); i++) {
		buf_reset(&ev);
		if (suites_with(e, weak[i].flags, 0, &ev))
			emit(c, weak[i].check, NULL, buf_str(&ev));
	}

	/* Forward secrecy: not one accepted suite with an authenticated ephemeral key exchange
	 * (anonymous DH is ephemeral, but anyone in the middle can do it). */
	buf_reset(&ev);
	if (!suites_with(e, TLS_SUITE_FS, TLS_SUITE_ANON, &ev)) {
		suites_with(e, ~0u, 0, &ev);
		emit(c, "tls.no-forward-secrecy", NULL, buf_str(&ev));
	}

	/* CBC only: the best pre-1.3 version gives clients nothing but CBC (or worse) suites. */
	const struct tls_version_result *best = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(e->v); i++)
		if (e->v[i].accepted && e->v[i].version != TLS_V_13)
			best = &e->v[i];
	if (best) {
		bool aead = false, cbc = false;
		for (size_t k = 0; k < best->nsuites; k++) {
			const struct tls_suite *s = tls_suite_find(best->suites[k]);
			aead |= s && (s->flags & TLS_SUITE_AEAD);
			cbc |= s && (s->flags & TLS_SUITE_CBC);
		}
		if (cbc && !aead) {
			char ev2[512];
			snprintf(ev2, sizeof(ev2), "%s%s offers no AEAD (GCM, ChaCha20-Poly1305) suite on %s",
				 tls_version_name(best->version),
				 best->version < TLS_V_12 ? " (and nothing newer before TLS 1.3)" : "",
				 c->location);
			emit(c, "tls.cbc-only", tls_version_name(best->version), ev2);
		}
	}

	/* The client's order only matters when it can pick something weaker than the best: a
	 * suite without forward secrecy or without AEAD (TLS 1.3 suites all have both). */
	if (e->server_order == 0 && has_weaker_suites(e)) {
		const struct tls_version_result *v = tls_enum_version(e, e->order_version);
		const struct tls_suite *a = tls_suite_find(v->suites[0]), *b = tls_suite_find(v->suites[1]);
		buf_reset(&ev);
		buf_appendf(&ev, "%s: offered %s then %s, and the reverse: the server took the client's first "
			    "choice both times", tls_version_name(v->version), a ? a->openssl : "?",
			    b ? b->openssl : "?");
		emit(c, "tls.client-cipher-order", NULL, buf_str(&ev));
	}
	buf_release(&ev);
}

/* --- certificate findings --- */

static void cert_findings(struct tls_ctx *c)
{
	const struct scan_options *o = c->opt;
	struct tls_cert_params p = {
		.addr = &c->addr,
		.hostname = c->t->hostname,
		.ca_file = o->http.ca_file,
		.timeout_ms = o->http.timeout_ms,
		.expiry_warn_days = o->expiry_warn_days > 0 ? o->expiry_warn_days : 30,
	};
	struct tls_cert_report r;
	if (tls_cert_check(&p, &r)) {
		tls_warn(c->t, "%s: certificate not read: %s", c->location, r.error);
		return;
	}
	scan_progress(c->t, MOD, "%s: certificate read over %s (%s)", c->location,
		      tls_version_name(r.version), r.cipher);
	char ev[1200], days[32], date[16];
	snprintf(ev, sizeof(ev), "subject=%s; issuer=%s; SAN=%s; not-after=%s", r.subject, r.issuer,
		 r.sans[0] ? r.sans : "(none)", r.not_after);
	/* Titles carry the date only; the evidence has the full time. */
	if (r.expired) {
		snprintf(date, sizeof(date), "%.10s", r.not_after);
		emit(c, "tls.cert-expired", date, ev);
	}
	if (r.not_yet_valid) {
		snprintf(date, sizeof(date), "%.10s", r.not_before);
		emit(c, "tls.cert-not-yet-valid", date, ev);
	}
	if (r.expires_soon) {
		snprintf(days, sizeof(days), "%ld day%s", r.days_left, r.days_left == 1 ? "" : "s");
		emit(c, "tls.cert-expiring-soon", days, ev);
	}
	if (r.hostname_mismatch)
		emit(c, "tls.cert-hostname-mismatch", c->t->hostname, ev);

	char trust[1600];
	snprintf(trust, sizeof(trust), "%s; %s", r.trust_detail, ev);
	if (r.self_signed)
		emit(c, "tls.cert-self-signed", NULL, ev);
	if (r.untrusted)
		emit(c, "tls.cert-untrusted", NULL, trust);
	if (r.chain_incomplete) {
		snprintf(trust, sizeof(trust), "the server sent %d certificate%s; %s; %s", r.chain_len,
			 r.chain_len == 1 ? "" : "s", r.trust_detail, ev);
		emit(c, "tls.cert-chain-incomplete", NULL, trust);
	}
	if (r.weak_key) {
		snprintf(trust, sizeof(trust), "key=%s; %s", r.key, ev);
		emit(c, "tls.cert-weak-key", r.key, trust);
	}
	if (r.weak_sig[0]) {
		snprintf(trust, sizeof(trust), "signature=%s; %s", r.weak_sig, ev);
		emit(c, "tls.cert-weak-signature", r.weak_sig, trust);
	}
	/* Stapling is about publicly trusted certificates; a self-signed one has no responder. */
	if (!r.ocsp_stapled && !r.self_signed)
		emit(c, "tls.ocsp-stapling-missing", NULL, ev);
}

static void tls_run(struct scan_target *t)
{
	struct tls_ctx c = {.t = t, .opt = scan_options_of(t)};
	struct tls_enum e;
	switch (find_tls_port(&c, &e)) {
	case PORT_UNREACHABLE:
		return;
	case PORT_NO_TLS:
		/* A server that refuses every hand-built hello may still complete a real handshake;
		 * its certificate is judged all the same (or the handshake error is logged). */
		if (t->https && !scan_aborted(t))
			cert_findings(&c);
		return;
	case PORT_TLS:
		break;
	}
	/* Logged too: the probe count is what a slow or size-intolerant server costs. */
	char *sum = xasprintf("%s: %d probes, %d answered, %d versions retried with compact hellos",
			      c.location, e.probes, e.answers, e.retries);
	scan_progress(t, MOD, "%s", sum);
	log_info("tls: %s", sum);
	free(sum);
	for (size_t i = 0; i < ARRAY_SIZE(e.v); i++)
		if (e.v[i].compact)
			log_info("tls: %s: %s: the full ClientHello went unanswered; compact hellos: %s",
				 c.location, tls_version_name(e.v[i].version),
				 e.v[i].accepted ? "accepted" : "refused too");
	if (e.limited)
		scan_progress(t, MOD, "%s: enumeration cut short (probe bound, time budget or abort)",
			      c.location);
	version_findings(&c, &e);
	suite_findings(&c, &e);
	tls_enum_release(&e);
	if (!scan_aborted(t))
		cert_findings(&c);
}

const struct module tls_module = {
	.name = MOD,
	.summary = "TLS versions and cipher suites accepted, certificate chain problems",
	.run = tls_run,
};
