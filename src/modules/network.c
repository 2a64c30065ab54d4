#include "base/common.h"
#include "base/clock.h"
#include "base/http.h"
#include "base/log.h"
#include "base/portscan.h"
#include "base/resolve.h"
#include "base/sock.h"
#include "base/ssrf.h"
#include "base/str.h"
#include "engine/module.h"
#include "engine/rules_embedded.h"
#include "modules/netprobe.h"
#include <jansson.h>
#include <pthread.h>
#include <unistd.h>

/*
 * The network module: a TCP connect scan of the target's address, then read-only probes of each
 * open port that say which service listens and whether it answers without credentials.
 */

#define MOD "network"
/* How long a server-first service may take to greet, and how long one probe may take. */
#define BANNER_WAIT_MS 1000
#define PROBE_TIMEOUT_MS 3000
/* Ports probed at once. */
#define PROBE_THREADS 16
/* The scan never takes more than this, whatever the run's budget. */
#define SCAN_MAX_MS 60000

struct port_hint {
	uint16_t port;
	char service[32];
};

struct net_rules {
	struct port_hint *hints;
	size_t nhints;
	char ssh_openssh[16];
	char ssh_dropbear[16];
};

struct net_ctx {
	struct scan_target *t;
	struct net_rules rules;
	struct sock_addr addr;
	char ip[64];
	uint16_t *open;
	struct np_result *results;
	size_t nopen;
	size_t next;       /* next port to probe (under mu) */
	pthread_mutex_t mu;
};

static int rules_load(struct net_rules *nr)
{
	memset(nr, 0, sizeof(*nr));
	str_copy(nr->ssh_openssh, sizeof(nr->ssh_openssh), "8.0");
	const struct embedded_file *f = rules_embedded_find("ports/default.json");
	if (!f) {
		log_error("network: rules/ports/default.json is missing");
		return SS_ENOTFOUND;
	}
	json_error_t jerr;
	json_t *root = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *ports = json_object_get(root, "ports");
	if (!json_is_array(ports)) {
		log_error("network: rules/ports/default.json: %s", root ? "no ports array" : jerr.text);
		json_decref(root);
		return SS_EINVAL;
	}
	nr->hints = xcalloc(json_array_size(ports) + 1, sizeof(*nr->hints));
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		json_int_t port = json_integer_value(json_object_get(p, "port"));
		const char *svc = json_string_value(json_object_get(p, "service"));
		if (port < 1 || port > 65535 || !svc)
			continue;
		nr->hints[nr->nhints].port = (uint16_t)port;
		str_copy(nr->hints[nr->nhints].service, sizeof(nr->hints[0].service), svc);
		nr->nhints++;
	}
	json_t *min = json_object_get(root, "ssh_minimum");
	const char *v = json_string_value(json_object_get(min, "OpenSSH"));
	if (v)
		str_copy(nr->ssh_openssh, sizeof(nr->ssh_openssh), v);
	v = json_string_value(json_object_get(min, "dropbear"));
	if (v)
		str_copy(nr->ssh_dropbear, sizeof(nr->ssh_dropbear), v);
	json_decref(root);
	return 0;
}

static const char *hint_for(const struct net_rules *nr, uint16_t port)
{
	for (size_t i = 0; i < nr->nhints; i++)
		if (nr->hints[i].port == port)
			return nr->hints[i].service;
	return "";
}

/* Picks the address to scan: the target's, through the run's overrides and the SSRF guard. */
static int target_address(struct net_ctx *c, char *why, size_t n)
{
	const struct scan_options *o = scan_options_of(c->t);
	int rc = resolve_host(c->t->hostname, c->t->port, o->http.resolve, o->http.allow_private, &c->addr,
			      c->ip, sizeof(c->ip));
	/* an address the self-hoster let through (--allow-addr) passes here as it does for HTTP */
	if (rc == SS_EDENIED && o->http.allow_addrs &&
	    resolve_host(c->t->hostname, c->t->port, o->http.resolve, true, &c->addr, c->ip, sizeof(c->ip)) == 0 &&
	    ssrf_address_listed((const struct sockaddr *)&c->addr.ss, o->http.allow_addrs))
		rc = 0;
	if (rc == SS_EDENIED)
		snprintf(why, n, "the address of %s is refused by the SSRF guard (private or reserved)",
			 c->t->hostname);
	else if (rc < 0)
		snprintf(why, n, "cannot resolve %s", c->t->hostname);
	return rc;
}

/* --- one conversation --- */

struct conv {
	int fd;
	int64_t deadline;
	struct buf in;
};

static int conv_open(struct net_ctx *c, uint16_t port, long timeout_ms, struct conv *cv)
{
	struct sock_addr a = c->addr;
	sock_addr_set_port(&a, port);
	cv->deadline = clock_mono_ms() + timeout_ms;
	buf_init(&cv->in, NP_MAX_ANSWER);
	cv->fd = sock_connect(&a, cv->deadline);
	return cv->fd < 0 ? cv->fd : 0;
}

static void conv_close(struct conv *cv)
{
	if (cv->fd >= 0)
		close(cv->fd);
	cv->fd = -1;
	buf_release(&cv->in);
}

/*
 * Sends req (may be empty) and reads one answer into cv->in: 0 with an answer, SS_ENOTFOUND when
 * the peer kept silent or hung up (a server does that to a protocol it does not speak), or
 * SS_ETOOBIG with r->error set.
 */
static int conv_ask(struct conv *cv, const void *req, size_t len, bool (*done)(const struct buf *, void *),
		    void *ud, const char *what, struct np_result *r)
{
	buf_reset(&cv->in);
	if (len && sock_send_all(cv->fd, req, len, cv->deadline) < 0)
		return SS_ENOTFOUND;
	int rc = sock_recv_until(cv->fd, &cv->in, done, ud, cv->deadline);
	if (rc == SS_ETOOBIG) {
		np_fail(r, "%s: answer exceeded %d bytes without ending", what, NP_MAX_ANSWER);
		return rc;
	}
	return cv->in.len ? 0 : SS_ENOTFOUND;
}

/* --- probes: 0 identified, SS_ENOTFOUND not this service, other errors with r->error --- */

static int probe_ftp_anonymous(struct conv *cv, struct np_result *r)
{
	static const char user[] = "USER anonymous\r\n", pass[] = "PASS anonymous@example.com\r\n";
	if (conv_ask(cv, user, sizeof(user) - 1, np_ftp_complete, NULL, "FTP USER", r) < 0)
		return 0;
	int code = np_ftp_reply_code(&cv->in);
	if (code == 331) {
		if (conv_ask(cv, pass, sizeof(pass) - 1, np_ftp_complete, NULL, "FTP PASS", r) < 0)
			return 0;
		code = np_ftp_reply_code(&cv->in);
	}
	if (code == 230) {
		r->auth = NP_AUTH_OPEN;
		np_evidence_add(r, "anonymous login accepted:", 25);
		np_evidence_add(r, cv->in.data, cv->in.len);
	} else if (code > 0) {
		r->auth = NP_AUTH_REQUIRED;
	}
	sock_send_all(cv->fd, "QUIT\r\n", 6, cv->deadline);
	return 0;
}

static int probe_vnc_security(struct conv *cv, struct np_result *r)
{
	char ver[16];
	size_t n = np_vnc_client_version(r->vnc_minor, ver, sizeof(ver));
	/* silence or a hang-up leaves the answer empty, which the parser reports */
	if (conv_ask(cv, ver, n, np_vnc_complete, r, "VNC", r) == SS_ETOOBIG)
		return SS_ETOOBIG;
	return np_vnc_parse_security((const uint8_t *)cv->in.data, cv->in.len, r);
}

static int probe_banner(struct net_ctx *c, uint16_t port, long wait_ms, struct np_result *r)
{
	struct conv cv;
	if (conv_open(c, port, wait_ms, &cv) < 0) {
		conv_close(&cv);
		return SS_ENOTFOUND;
	}
	int rc = conv_ask(&cv, NULL, 0, np_banner_complete, NULL, "greeting", r);
	if (rc == 0) {
		rc = np_banner_identify(cv.in.data, cv.in.len, r);
		/* the follow-up steps get the full probe time */
		cv.deadline = clock_mono_ms() + PROBE_TIMEOUT_MS;
		if (rc == 0 && !strcmp(r->service, "ftp"))
			rc = probe_ftp_anonymous(&cv, r);
		else if (rc == 0 && !strcmp(r->service, "vnc"))
			rc = probe_vnc_security(&cv, r);
		else if (rc == SS_ENOTFOUND && cv.in.len)
			np_fail(r, "unrecognised greeting \"%.60s\"", cv.in.data);
	}
	conv_close(&cv);
	return rc;
}

/* Sends one request and hands the answer to parse; the shape of every client-first probe. */
static int probe_ask(struct net_ctx *c, uint16_t port, long timeout_ms, const void *req, size_t len,
		     bool (*done)(const struct buf *, void *), const char *what, struct np_result *r,
		     struct buf *answer)
{
	struct conv cv;
	if (conv_open(c, port, timeout_ms, &cv) < 0) {
		conv_close(&cv);
		return SS_ENOTFOUND;
	}
	int rc = conv_ask(&cv, req, len, done, r, what, r);
	if (rc == 0)
		buf_append(answer, cv.in.data, cv.in.len);
	/* PostgreSQL after trust authentication: say goodbye instead of leaving a session open */
	if (rc == 0 && !strcmp(what, "PostgreSQL"))
		sock_send_all(cv.fd, "X\0\0\0\4", 5, cv.deadline);
	conv_close(&cv);
	return rc;
}

static int probe_redis(struct net_ctx *c, uint16_t port, long timeout_ms, struct np_result *r, struct buf *ans)
{
	int rc = probe_ask(c, port, timeout_ms, np_redis_request, strlen(np_redis_request), np_redis_complete,
			   "Redis INFO", r, ans);
	return rc < 0 ? rc : np_redis_parse(ans->data, ans->len, r);
}

static int probe_memcached(struct net_ctx *c, uint16_t port, long timeout_ms, struct np_result *r)
{
	struct buf ans;
	buf_init(&ans, NP_MAX_ANSWER);
	int rc = probe_ask(c, port, timeout_ms, np_memcached_request, strlen(np_memcached_request),
			   np_memcached_complete, "Memcached stats", r, &ans);
	if (rc == 0)
		rc = np_memcached_parse(ans.data, ans.len, r);
	buf_release(&ans);
	return rc;
}

static int probe_mongo(struct net_ctx *c, uint16_t port, long timeout_ms, struct np_result *r)
{
	uint8_t req[256];
	struct buf ans;
	buf_init(&ans, NP_MAX_ANSWER);
	size_t n = np_mongo_request(req, sizeof(req), 1, false);
	int rc = probe_ask(c, port, timeout_ms, req, n, np_mongo_complete, "MongoDB hello", r, &ans);
	if (rc == 0)
		rc = np_mongo_parse((const uint8_t *)ans.data, ans.len, false, r);
	if (rc == 0 && !strcmp(r->service, "mongodb")) {
		/* listDatabases reads the catalogue only: the test of authorization without touching data */
		buf_reset(&ans);
		n = np_mongo_request(req, sizeof(req), 2, true);
		if (probe_ask(c, port, PROBE_TIMEOUT_MS, req, n, np_mongo_complete, "MongoDB listDatabases", r, &ans) == 0)
			np_mongo_parse((const uint8_t *)ans.data, ans.len, true, r);
	}
	buf_release(&ans);
	return rc;
}

/* Binary request/answer probes: PostgreSQL, SMB, RDP. */
struct bin_probe {
	const char *what;
	size_t (*request)(uint8_t *out, size_t cap);
	bool (*complete)(const struct buf *, void *);
	int (*parse)(const uint8_t *, size_t, struct np_result *);
};

static const struct bin_probe pg_probe = {"PostgreSQL", np_pg_request, np_pg_complete, np_pg_parse};
static const struct bin_probe smb_probe = {"SMB", np_smb_request, np_smb_complete, np_smb_parse};
static const struct bin_probe rdp_probe = {"RDP", np_rdp_request, np_rdp_complete, np_rdp_parse};

static int probe_binary(struct net_ctx *c, uint16_t port, long timeout_ms, const struct bin_probe *p,
			struct np_result *r)
{
	uint8_t req[256];
	struct buf ans;
	buf_init(&ans, NP_MAX_ANSWER);
	size_t n = p->request(req, sizeof(req));
	int rc = probe_ask(c, port, timeout_ms, req, n, p->complete, p->what, r, &ans);
	if (rc == 0)
		rc = p->parse((const uint8_t *)ans.data, ans.len, r);
	buf_release(&ans);
	return rc;
}

/* GETs path on the port through the run's HTTP scheduler; the response or NULL. */
static struct http_response *http_get(struct net_ctx *c, bool tls, uint16_t port, const char *path)
{
	bool v6 = c->addr.ss.ss_family == AF_INET6;
	char *url = xasprintf("%s://%s%s%s:%u%s", tls ? "https" : "http", v6 ? "[" : "", c->ip, v6 ? "]" : "",
			      port, path);
	struct http_request req = {.url = url, .max_body = 64 * 1024, .timeout_ms = PROBE_TIMEOUT_MS};
	struct http_response *resp = http_fetch(scan_http(c->t), &req);
	free(url);
	if (resp && resp->err) {
		http_response_free(resp);
		return NULL;
	}
	return resp;
}

/* Asks path: 1 when the answer identified or qualified the service, 0 when it was some other HTTP
 * answer, -1 when nothing answered. */
static int http_step(struct net_ctx *c, bool tls, uint16_t port, const char *path, struct np_result *r)
{
	struct http_response *resp = http_get(c, tls, port, path);
	if (!resp)
		return -1;
	int hit = np_http_identify(path, resp->status, buf_str(&resp->body), resp->body.len, r) == 0;
	http_response_free(resp);
	return hit;
}

static int probe_http(struct net_ctx *c, uint16_t port, bool tls, const char *hint, struct np_result *r)
{
	int root = http_step(c, tls, port, "/", r);
	if (root < 0)
		return SS_ENOTFOUND;
	if (root == 0 && http_step(c, tls, port, "/version", r) <= 0) {
		/* a web server like any other: the web modules look at it */
		str_copy(r->service, sizeof(r->service), tls ? "https" : "http");
		return 0;
	}
	/* the listing that tells whether anonymous users can read data */
	if (!strcmp(r->service, "couchdb"))
		http_step(c, tls, port, "/_all_dbs", r);
	else if (!strcmp(r->service, "etcd"))
		http_step(c, tls, port, "/v2/keys", r);
	else if (!strcmp(r->service, "rabbitmq"))
		http_step(c, tls, port, "/api/overview", r);
	else if (!strcmp(r->service, "kubernetes"))
		http_step(c, tls, port, !strcmp(hint, "kubelet") ? "/pods" : "/api/v1/pods?limit=5", r);
	return 0;
}

static bool hint_is(const char *hint, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(hint, list[i]))
			return true;
	return false;
}

/* Identifies the service on one open port; the result says what it is and how it answered. */
static void probe_port(struct net_ctx *c, uint16_t port, struct np_result *r)
{
	static const char *const http_plain[] = {"http", "elasticsearch", "couchdb", "docker", "etcd", "rabbitmq", NULL};
	static const char *const http_tls[] = {"https", "docker-tls", "kubernetes", NULL};
	static const char *const banner_first[] = {"ssh", "ftp", "telnet", "smtp", "mysql", "vnc", "pop3", "imap", NULL};
	const char *hint = hint_for(&c->rules, port);
	struct buf ans;
	buf_init(&ans, NP_MAX_ANSWER);
	int rc = SS_ENOTFOUND;

	/* the hinted service first, with the full probe time */
	if (!strcmp(hint, "redis"))
		rc = probe_redis(c, port, PROBE_TIMEOUT_MS, r, &ans);
	else if (!strcmp(hint, "memcached"))
		rc = probe_memcached(c, port, PROBE_TIMEOUT_MS, r);
	else if (!strcmp(hint, "mongodb"))
		rc = probe_mongo(c, port, PROBE_TIMEOUT_MS, r);
	else if (!strcmp(hint, "postgres"))
		rc = probe_binary(c, port, PROBE_TIMEOUT_MS, &pg_probe, r);
	else if (!strcmp(hint, "smb"))
		rc = probe_binary(c, port, PROBE_TIMEOUT_MS, &smb_probe, r);
	else if (!strcmp(hint, "rdp"))
		rc = probe_binary(c, port, PROBE_TIMEOUT_MS, &rdp_probe, r);
	else if (!strcmp(hint, "kubelet"))
		rc = probe_http(c, port, port == 10250, hint, r);
	else if (hint_is(hint, http_plain) || hint_is(hint, http_tls))
		rc = probe_http(c, port, hint_is(hint, http_tls), hint, r);
	else if (hint_is(hint, banner_first))
		rc = probe_banner(c, port, PROBE_TIMEOUT_MS, r);
	if (rc != SS_ENOTFOUND || scan_aborted(c->t))
		goto out;

	/* unknown: does it greet? */
	rc = probe_banner(c, port, BANNER_WAIT_MS, r);
	if (rc != SS_ENOTFOUND || r->error[0] || scan_aborted(c->t))
		goto out;
	/* silent: "INFO\r\n" tells Redis, Memcached ("ERROR") and HTTP servers (a 400) apart */
	buf_reset(&ans);
	rc = probe_redis(c, port, BANNER_WAIT_MS, r, &ans);
	if (rc == SS_ENOTFOUND && ans.len) {
		if (str_starts_with(ans.data, "ERROR"))
			rc = probe_memcached(c, port, PROBE_TIMEOUT_MS, r);
		else if (str_starts_with(ans.data, "HTTP/") || ans.data[0] == '<')
			rc = probe_http(c, port, false, hint, r); /* HTTP/1.x, or a 0.9-style HTML error body */
		else if (ans.len >= 2 && ans.data[0] == 0x15 && ans.data[1] == 0x03)
			rc = probe_http(c, port, true, hint, r); /* a TLS alert: HTTPS */
		goto out;
	}
	if (rc != SS_ENOTFOUND || scan_aborted(c->t))
		goto out;
	rc = probe_mongo(c, port, BANNER_WAIT_MS, r);
	if (rc != SS_ENOTFOUND || scan_aborted(c->t))
		goto out;
	rc = probe_binary(c, port, BANNER_WAIT_MS, &pg_probe, r);
out:
	if (rc < 0 && rc != SS_ENOTFOUND && !r->error[0])
		np_fail(r, "%s", ss_strerror(rc));
	buf_release(&ans);
}

static void *probe_worker(void *arg)
{
	struct net_ctx *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		size_t i = c->next < c->nopen ? c->next++ : SIZE_MAX;
		pthread_mutex_unlock(&c->mu);
		if (i == SIZE_MAX || scan_aborted(c->t))
			return NULL;
		probe_port(c, c->open[i], &c->results[i]);
	}
}

/* --- findings --- */

static void emit(struct net_ctx *c, const char *check, uint16_t port, const char *detail, const struct np_result *r,
		 const char *evidence)
{
	char loc[300];
	snprintf(loc, sizeof(loc), "%s:%u", c->t->hostname, port);
	struct finding_spec s = {.check = check, .location = loc, .detail = detail, .severity = -1,
				 .evidence = evidence ? evidence : r ? buf_str(&r->evidence) : NULL};
	scan_emit(c->t, MOD, &s);
}

/* The check of a service that answered without credentials. */
static const char *open_check(const char *service)
{
	static const char *const map[][2] = {
		{"redis", "network.redis-unauth"}, {"memcached", "network.memcached-unauth"},
		{"mongodb", "network.mongodb-unauth"}, {"elasticsearch", "network.elasticsearch-unauth"},
		{"opensearch", "network.elasticsearch-unauth"}, {"couchdb", "network.couchdb-unauth"},
		{"docker", "network.docker-api-unauth"}, {"kubernetes", "network.kubernetes-unauth"},
		{"etcd", "network.etcd-unauth"}, {"rabbitmq", "network.rabbitmq-unauth"},
		{"postgres", "network.postgres-trust"}, {"vnc", "network.vnc-no-auth"}, {"ftp", "network.ftp-anonymous"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(service, map[i][0]))
			return map[i][1];
	return NULL;
}

static void report_ssh(struct net_ctx *c, uint16_t port, const struct np_result *r)
{
	/* product holds the identification line: SSH-protoversion-software */
	const char *proto = r->product + 4;
	const char *soft = strchr(proto, '-');
	if (!strncmp(proto, "1.", 2) && strncmp(proto, "1.99", 4) != 0)
		emit(c, "network.ssh-protocol1", port, NULL, r, NULL);
	if (soft && (np_ssh_outdated(soft + 1, "OpenSSH", c->rules.ssh_openssh) ||
		     (c->rules.ssh_dropbear[0] && np_ssh_outdated(soft + 1, "dropbear", c->rules.ssh_dropbear))))
		emit(c, "network.ssh-outdated", port, soft + 1, r, NULL);
}

static void report_port(struct net_ctx *c, uint16_t port, const struct np_result *r)
{
	static const char *const datastores[] = {"redis", "memcached", "mongodb", "elasticsearch", "opensearch",
						 "couchdb", "docker", "kubernetes", "etcd", "rabbitmq", "postgres",
						 "mysql", "vnc", NULL};
	const char *svc = r->service;
	if (!svc[0]) {
		if (r->error[0]) {
			char detail[256];
			snprintf(detail, sizeof(detail), "port %u: %s", port, r->error);
			emit(c, "network.probe-failed", port, detail, r, r->error);
		}
		return;
	}
	const char *check = open_check(svc);
	if (check && r->auth == NP_AUTH_OPEN) {
		const char *detail = r->product[0] ? r->product : svc;
		if (!strcmp(svc, "kubernetes"))
			detail = !strcmp(hint_for(&c->rules, port), "kubelet") ? "kubelet" : "API server";
		else if (!strcmp(svc, "elasticsearch") || !strcmp(svc, "opensearch"))
			detail = !strcmp(svc, "opensearch") ? "OpenSearch" : "Elasticsearch";
		emit(c, check, port, detail, r, NULL);
	} else if (!strcmp(svc, "ssh")) {
		report_ssh(c, port, r);
	} else if (!strcmp(svc, "smb")) {
		emit(c, "network.smb-exposed", port, NULL, r, NULL);
	} else if (!strcmp(svc, "rdp")) {
		emit(c, "network.rdp-exposed", port, r->rdp_protocol <= 1 ? " (Network Level Authentication not required)" : "",
		     r, NULL);
	} else if (!strcmp(svc, "telnet")) {
		emit(c, "network.telnet-exposed", port, NULL, r, "Telnet option negotiation received");
	} else if (hint_is(svc, datastores)) {
		char detail[140];
		snprintf(detail, sizeof(detail), "%s%s", r->product[0] ? r->product : svc,
			 r->auth == NP_AUTH_REQUIRED ? " (credentials required)" : "");
		emit(c, "network.service-exposed", port, detail, r, NULL);
	}
	if (r->error[0] && strcmp(svc, "ftp") != 0) {
		char detail[256];
		snprintf(detail, sizeof(detail), "port %u (%s): %s", port, svc, r->error);
		emit(c, "network.probe-failed", port, detail, r, r->error);
	}
}

static void report_open_ports(struct net_ctx *c)
{
	struct buf b;
	buf_init(&b, 400);
	for (size_t i = 0; i < c->nopen; i++) {
		const char *svc = c->results[i].service[0] ? c->results[i].service : hint_for(&c->rules, c->open[i]);
		if (buf_appendf(&b, "%s%u%s%s", i ? ", " : "", c->open[i], svc[0] ? "/" : "", svc) < 0) {
			buf_appends(&b, ", ...");
			break;
		}
	}
	struct finding_spec s = {.check = "network.open-ports", .location = c->t->hostname, .detail = buf_str(&b),
				 .evidence = buf_str(&b), .severity = -1};
	scan_emit(c->t, MOD, &s);
	buf_release(&b);
}

static int port_list(struct net_ctx *c, uint16_t **ports, size_t *n)
{
	const char *spec = scan_options_of(c->t)->ports;
	if (spec && *spec)
		return portscan_parse_list(spec, ports, n);
	*ports = xcalloc(c->rules.nhints + 1, sizeof(**ports));
	*n = 0;
	for (size_t i = 0; i < c->rules.nhints; i++)
		(*ports)[(*n)++] = c->rules.hints[i].port;
	return 0;
}

static void network_run(struct scan_target *t)
{
	struct net_ctx c = {.t = t};
	pthread_mutex_init(&c.mu, NULL);
	uint16_t *ports = NULL;
	size_t nports = 0;
	char why[200];
	struct portscan_result res = {0};
	rules_load(&c.rules);
	if (port_list(&c, &ports, &nports) < 0) {
		scan_progress(t, MOD, "invalid port list '%s'", scan_options_of(t)->ports);
		log_error("network: invalid port list '%s'", scan_options_of(t)->ports);
		goto out;
	}
	if (target_address(&c, why, sizeof(why)) < 0) {
		scan_progress(t, MOD, "%s", why);
		log_warn("network: %s", why);
		goto out;
	}
	struct portscan_options po;
	portscan_options_init(&po);
	int64_t now = clock_mono_ms();
	int64_t run_deadline = scan_options_of(t)->http.deadline_ms;
	po.deadline_ms = now + SCAN_MAX_MS;
	if (run_deadline && run_deadline - PROBE_TIMEOUT_MS < po.deadline_ms)
		po.deadline_ms = MAX(run_deadline - PROBE_TIMEOUT_MS, now + 1);
	scan_progress(t, MOD, "scanning %zu TCP ports of %s", nports, c.ip);
	if (portscan_run(&c.addr, ports, nports, &po, &res) == SS_ETIMEOUT)
		scan_progress(t, MOD, "port scan cut short by the time budget (%zu of %zu ports)", res.scanned, nports);
	c.open = res.open;
	c.nopen = res.nopen;
	c.results = xcalloc(c.nopen + 1, sizeof(*c.results));
	for (size_t i = 0; i < c.nopen; i++)
		np_result_init(&c.results[i]);
	scan_progress(t, MOD, "%zu open ports; probing services", c.nopen);
	size_t nthreads = MIN(c.nopen, (size_t)PROBE_THREADS);
	pthread_t th[PROBE_THREADS];
	size_t started = 0;
	for (size_t i = 0; i < nthreads; i++)
		if (pthread_create(&th[started], NULL, probe_worker, &c) == 0)
			started++;
	if (!started && c.nopen)
		probe_worker(&c);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (c.nopen)
		report_open_ports(&c);
	for (size_t i = 0; i < c.nopen; i++)
		report_port(&c, c.open[i], &c.results[i]);
	for (size_t i = 0; i < c.nopen; i++)
		np_result_release(&c.results[i]);
	free(c.results);
out:
	portscan_result_release(&res);
	free(ports);
	free(c.rules.hints);
	pthread_mutex_destroy(&c.mu);
}

const struct module network_module = {
	.name = "network",
	.summary = "TCP port scan and read-only probes of exposed services (Redis, MongoDB, Docker API, VNC...)",
	.run = network_run,
};
