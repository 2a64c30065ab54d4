#include "base/common.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/portscan.h"
#include "base/resolve.h"
#include "base/sock.h"
#include "base/str.h"
#include "cli/commands.h"
#include "cli/remote.h"
#include "engine/catalogue.h"
#include "engine/module.h"
#include "engine/scan.h"
#include "modules/dns_anchor.h"
#include "report/report.h"
#include "store/store.h"
#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

/* `secscan scan URL`: one scan in-process, findings kept in memory, printed at the end. */

#define MAX_RESOLVE 32
/* A baseline file is a --json output: a few MiB for thousands of findings. */
#define BASELINE_MAX ((size_t)64 << 20)

struct scan_cli {
	struct finding *items;
	size_t n, cap;
	struct severity_counts counts;
	bool tty;
	char module[48];
	char host[256];
	struct tech_stack stack;
	bool have_stack;
	char base_url[512];
	char run_id[RUN_ID_LEN + 1]; /* one id for --json and the output files */
	struct run_target *targets;  /* every target scanned, discovered ones included, with its stack */
	size_t ntargets, targets_cap;
};

struct scan_args {
	const char *target;
	bool json, allow_private;
	const char *modules, *rules_dir, *ca_file, *resolver, *trust_anchor, *ports;
	const char *fix_file, *sarif_file, *junit_file;
	const char *baseline; /* a previous --json output */
	const char *server, *key, *compare_to; /* the scan runs on a secscan server */
	enum severity fail_on;
	long budget_s, timeout_ms, expiry_days;
	long crawl_pages, crawl_assets; /* -1: the engine's defaults */
	const char *local_flag; /* the first option given that only an in-process scan takes */
	const char *resolve[MAX_RESOLVE + 1];
	size_t nresolve;
	const char *allow_addrs[MAX_RESOLVE + 1];
	size_t nallow;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: secscan scan URL [options]\n"
		"\n"
		"Scans one site in-process (no server, no database) and prints its findings by severity.\n"
		"URL is a URL, a host name, host:port or an IP address; https is tried first.\n"
		"\n"
		"options:\n"
		"  --json                 print the result as GET /v1/scan/{id} does\n"
		"  --fail-on SEVERITY     exit 1 when a finding is at or above SEVERITY (default HIGH)\n"
		"  --fix FILE             write SECURITY-FIX.md (format security-fix/v1) to FILE\n"
		"  --sarif FILE           write a SARIF 2.1.0 log (GitHub code scanning) to FILE\n"
		"  --junit FILE           write JUnit XML to FILE (a check fails at or above --fail-on)\n"
		"  --server URL           run the scan on a secscan server (with --key; SECSCAN_KEY);\n"
		"                         --fix, --sarif and --junit are then the server's files;\n"
		"                         Ctrl-C aborts the run there\n"
		"  --key KEY              the API key for --server\n"
		"  --compare-to RUN       with --server: a run id or 'previous'; as --baseline, with\n"
		"                         the findings of that run\n"
		"  --baseline FILE        a previous --json output: its findings (by fingerprint) are\n"
		"                         unchanged, left out of the text, files and exit status; --json\n"
		"                         marks each finding new or unchanged and lists the fixed ones\n"
		"  --allow-private        allow private, loopback and link-local addresses (SSRF guard off)\n"
		"  --modules LIST         comma-separated modules to run (default: all)\n"
		"  --budget SECONDS       time budget of the whole scan (default 120)\n"
		"  --crawl-pages N        same-site pages linked from the main page that the crawl reads\n"
		"                         for secrets (default 10; 0: the main page only)\n"
		"  --crawl-assets N       pages, scripts, maps and JSON the crawl reads in all (default 200)\n"
		"  --timeout MS           timeout of one request (default 10000)\n"
		"  --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (repeatable, as curl's)\n"
		"  --allow-addr ADDR      let the SSRF guard pass this one numeric address (repeatable)\n"
		"  --resolver ADDR[:PORT] DNS server the dns module asks (default: the system's)\n"
		"  --trust-anchor FILE    DS or DNSKEY records (zone-file format) the dns module also\n"
		"                         validates DNSSEC from: a private root, an internal zone\n"
		"  --ports LIST           TCP ports the network module scans, e.g. 1-1000 or 22,80,8000-8100\n"
		"                         (default: ~100 ports where exposed services live)\n"
		"  --rules DIR            add the check rule files (*.json) of DIR\n"
		"  --ca-file FILE         trust store for the checks that verify certificates\n"
		"  --expiry-days N        warn about certificates expiring within N days (default 30)\n"
		"  -h, --help             this help\n"
		"\n"
		"With --server, the server's configuration decides how its scans run: the options from\n"
		"--allow-private to --expiry-days above are refused.\n"
		"\n"
		"exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 error\n"
		"(also when interrupted, or when a module overran the budget and was given up on)\n");
	fprintf(out, "\nmodules:\n");
	for (size_t i = 0; module_registry[i]; i++)
		fprintf(out, "  %-12s %s\n", module_registry[i]->name, module_registry[i]->summary);
}

static bool modules_ok(const char *list)
{
	char bad[64];
	if (module_list_check(list, bad, sizeof(bad)) == 0)
		return true;
	fprintf(stderr, "secscan scan: unknown module '%s' (see secscan scan --help)\n", bad);
	return false;
}

/* 0 when the arguments are usable, 1 for --help, 2 (after a message) otherwise. */
static int parse_args(int argc, char **argv, struct scan_args *a)
{
	enum { O_JSON = 1, O_FAIL_ON, O_ALLOW_PRIVATE, O_MODULES, O_BUDGET, O_RESOLVE, O_RULES,
	       O_CA_FILE, O_TIMEOUT, O_RESOLVER, O_TRUST_ANCHOR, O_PORTS, O_EXPIRY_DAYS, O_FIX, O_SARIF, O_JUNIT,
	       O_ALLOW_ADDR, O_BASELINE, O_SERVER, O_KEY, O_COMPARE_TO, O_CRAWL_PAGES, O_CRAWL_ASSETS };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, O_JSON},
		{"fail-on", required_argument, NULL, O_FAIL_ON},
		{"allow-private", no_argument, NULL, O_ALLOW_PRIVATE},
		{"modules", required_argument, NULL, O_MODULES},
		{"budget", required_argument, NULL, O_BUDGET},
		{"resolve", required_argument, NULL, O_RESOLVE},
		{"rules", required_argument, NULL, O_RULES},
		{"ca-file", required_argument, NULL, O_CA_FILE},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"resolver", required_argument, NULL, O_RESOLVER},
		{"trust-anchor", required_argument, NULL, O_TRUST_ANCHOR},
		{"ports", required_argument, NULL, O_PORTS},
		{"expiry-days", required_argument, NULL, O_EXPIRY_DAYS},
		{"fix", required_argument, NULL, O_FIX},
		{"sarif", required_argument, NULL, O_SARIF},
		{"junit", required_argument, NULL, O_JUNIT},
		{"allow-addr", required_argument, NULL, O_ALLOW_ADDR},
		{"baseline", required_argument, NULL, O_BASELINE},
		{"server", required_argument, NULL, O_SERVER},
		{"key", required_argument, NULL, O_KEY},
		{"compare-to", required_argument, NULL, O_COMPARE_TO},
		{"crawl-pages", required_argument, NULL, O_CRAWL_PAGES},
		{"crawl-assets", required_argument, NULL, O_CRAWL_ASSETS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	memset(a, 0, sizeof(*a));
	a->fail_on = SEV_HIGH;
	a->budget_s = 120;
	a->timeout_ms = 10000;
	a->crawl_pages = a->crawl_assets = -1;
	optind = 1;
	opterr = 0;
	int at = -1;
	while ((c = getopt_long(argc, argv, "h", longopts, &at)) != -1) {
		/* how the scan runs: the in-process scan's business, a server's configuration's otherwise */
		static const int local[] = {O_ALLOW_PRIVATE, O_MODULES, O_BUDGET, O_TIMEOUT, O_RESOLVE, O_ALLOW_ADDR,
					    O_RESOLVER, O_TRUST_ANCHOR, O_PORTS, O_RULES, O_CA_FILE, O_EXPIRY_DAYS,
					    O_CRAWL_PAGES, O_CRAWL_ASSETS};
		for (size_t i = 0; i < ARRAY_SIZE(local) && !a->local_flag && at >= 0; i++)
			if (c == local[i])
				a->local_flag = longopts[at].name;
		at = -1;
		switch (c) {
		case O_FIX:
			a->fix_file = optarg;
			break;
		case O_SARIF:
			a->sarif_file = optarg;
			break;
		case O_JUNIT:
			a->junit_file = optarg;
			break;
		case O_JSON:
			a->json = true;
			break;
		case O_BASELINE:
			a->baseline = optarg;
			break;
		case O_SERVER:
			if (!str_starts_with(optarg, "http://") && !str_starts_with(optarg, "https://")) {
				fprintf(stderr, "secscan scan: --server takes an http:// or https:// URL\n");
				return 2;
			}
			a->server = optarg;
			break;
		case O_KEY:
			a->key = optarg;
			break;
		case O_COMPARE_TO:
			a->compare_to = optarg;
			break;
		case O_FAIL_ON:
			if (severity_parse(optarg, &a->fail_on)) {
				fprintf(stderr, "secscan scan: --fail-on takes CRITICAL, HIGH, MEDIUM, LOW or INFO\n");
				return 2;
			}
			break;
		case O_ALLOW_PRIVATE:
			a->allow_private = true;
			break;
		case O_MODULES:
			if (!modules_ok(optarg))
				return 2;
			a->modules = optarg;
			break;
		case O_BUDGET:
			if (str_to_long(optarg, 1, 86400, &a->budget_s)) {
				fprintf(stderr, "secscan scan: --budget takes seconds between 1 and 86400\n");
				return 2;
			}
			break;
		case O_TIMEOUT:
			if (str_to_long(optarg, 1, 600000, &a->timeout_ms)) {
				fprintf(stderr, "secscan scan: --timeout takes milliseconds between 1 and 600000\n");
				return 2;
			}
			break;
		case O_EXPIRY_DAYS:
			if (str_to_long(optarg, 1, 3650, &a->expiry_days)) {
				fprintf(stderr, "secscan scan: --expiry-days takes days between 1 and 3650\n");
				return 2;
			}
			break;
		case O_CRAWL_PAGES:
			if (str_to_long(optarg, 0, SCAN_CRAWL_PAGES_MAX, &a->crawl_pages)) {
				fprintf(stderr, "secscan scan: --crawl-pages takes 0 to %d pages\n", SCAN_CRAWL_PAGES_MAX);
				return 2;
			}
			break;
		case O_CRAWL_ASSETS:
			if (str_to_long(optarg, 1, SCAN_CRAWL_ASSETS_MAX, &a->crawl_assets)) {
				fprintf(stderr, "secscan scan: --crawl-assets takes 1 to %d assets\n", SCAN_CRAWL_ASSETS_MAX);
				return 2;
			}
			break;
		case O_RESOLVE:
			if (!resolve_override_ok(optarg) || a->nresolve == MAX_RESOLVE) {
				fprintf(stderr, "secscan scan: --resolve takes HOST:PORT:ADDR (at most %d)\n",
					MAX_RESOLVE);
				return 2;
			}
			a->resolve[a->nresolve++] = optarg;
			break;
		case O_RESOLVER: {
			struct sock_addr sa;
			if (sock_addr_parse(&sa, optarg, 53)) {
				fprintf(stderr, "secscan scan: --resolver takes a numeric ADDR[:PORT], e.g. 127.0.0.1:5353\n");
				return 2;
			}
			a->resolver = optarg;
			break;
		}
		case O_TRUST_ANCHOR: {
			char err[512];
			if (dns_anchor_file_check(optarg, err, sizeof(err))) {
				fprintf(stderr, "secscan scan: --trust-anchor %s\n", err);
				return 2;
			}
			a->trust_anchor = optarg;
			break;
		}
		case O_PORTS: {
			uint16_t *ports;
			size_t n;
			if (portscan_parse_list(optarg, &ports, &n)) {
				fprintf(stderr, "secscan scan: --ports takes ports and ranges, e.g. 1-1000 or 22,80,8000-8100\n");
				return 2;
			}
			free(ports);
			a->ports = optarg;
			break;
		}
		case O_ALLOW_ADDR: {
			unsigned char bin[16];
			if ((inet_pton(AF_INET, optarg, bin) != 1 && inet_pton(AF_INET6, optarg, bin) != 1) ||
			    a->nallow == MAX_RESOLVE) {
				fprintf(stderr, "secscan scan: --allow-addr takes a numeric address (at most %d)\n",
					MAX_RESOLVE);
				return 2;
			}
			a->allow_addrs[a->nallow++] = optarg;
			break;
		}
		case O_RULES:
			a->rules_dir = optarg;
			break;
		case O_CA_FILE:
			a->ca_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "secscan scan: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "secscan scan: give exactly one URL to scan\n");
		usage(stderr);
		return 2;
	}
	a->target = argv[optind];
	if (!a->key)
		a->key = getenv("SECSCAN_KEY");
	if (a->server && (!a->key || !*a->key)) {
		fprintf(stderr, "secscan scan: --server needs --key KEY (or SECSCAN_KEY)\n");
		return 2;
	}
	if (a->server && a->local_flag) {
		fprintf(stderr, "secscan scan: --%s sets how an in-process scan runs; a server's scans follow its "
				"configuration ([scan], [dns], [limits] of secscan serve)\n", a->local_flag);
		return 2;
	}
	if (a->compare_to && (!a->server || a->baseline)) {
		fprintf(stderr, "secscan scan: --compare-to needs --server and excludes --baseline\n");
		return 2;
	}
	return 0;
}

/* --- live view (stderr, only on a terminal) --- */

static void progress_draw(struct scan_cli *s)
{
	if (!s->tty)
		return;
	fprintf(stderr, "\r\033[K%s  %-10s  %" PRId64 " critical  %" PRId64 " high  %" PRId64 " medium  %" PRId64
			" low  %" PRId64 " info",
		s->host, s->module, s->counts.count[SEV_CRITICAL], s->counts.count[SEV_HIGH],
		s->counts.count[SEV_MEDIUM], s->counts.count[SEV_LOW], s->counts.count[SEV_INFO]);
	fflush(stderr);
}

static void progress_clear(struct scan_cli *s)
{
	if (s->tty) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}

static void on_finding(void *ud, const struct finding *f)
{
	struct scan_cli *s = ud;
	s->items = xgrow(s->items, &s->cap, s->n + 1, sizeof(*s->items));
	finding_copy(&s->items[s->n], f);
	s->items[s->n].seq = (int64_t)s->n + 1;
	s->n++;
	severity_counts_add(&s->counts, f->severity);
	str_copy(s->module, sizeof(s->module), f->tool);
	progress_draw(s);
}

static void on_target(void *ud, const struct scan_target *t)
{
	struct scan_cli *s = ud;
	s->targets = xgrow(s->targets, &s->targets_cap, s->ntargets + 1, sizeof(*s->targets));
	s->targets[s->ntargets++] = (struct run_target){xstrdup(t->host), xstrdup(""), xstrdup(t->stack.server),
							 xstrdup(t->stack.framework), xstrdup(t->stack.language),
							 xstrdup(t->stack.hosting)};
	/* the first target is the one the user named; discovered ones only add findings */
	if (!s->have_stack) {
		s->stack = t->stack;
		s->have_stack = true;
		str_copy(s->base_url, sizeof(s->base_url), t->base_url);
	}
	str_copy(s->module, sizeof(s->module), "modules");
	progress_draw(s);
}

static void on_progress(void *ud, const char *module, const char *message)
{
	struct scan_cli *s = ud;
	(void)message;
	str_copy(s->module, sizeof(s->module), module);
	progress_draw(s);
}

/* --- output --- */

static int cmp_findings(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	if (x->severity != y->severity)
		return (int)y->severity - (int)x->severity;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The scan's header (host, where it answered, stack, time), then the report layer's text. */
static void print_text(struct scan_cli *s, const char *host, int64_t elapsed_ms)
{
	printf("secscan scan of %s", host);
	if (s->base_url[0])
		printf(" (%s)", s->base_url);
	printf(" in %.1f s\n", (double)elapsed_ms / 1000.0);
	if (s->stack.server[0] || s->stack.framework[0] || s->stack.language[0] || s->stack.hosting[0])
		printf("stack: server %s, framework %s, language %s, hosting %s\n",
		       s->stack.server[0] ? s->stack.server : "-", s->stack.framework[0] ? s->stack.framework : "-",
		       s->stack.language[0] ? s->stack.language : "-", s->stack.hosting[0] ? s->stack.hosting : "-");
	printf("\n");
	fflush(stdout);
	report_print_text(stdout, s->items, s->n, isatty(STDOUT_FILENO));
}

/* The scan as GET /v1/scan/{id} shows it, compared with the baseline when there is one. */
static json_t *scan_json(struct scan_cli *s, const char *host, const char *status, time_t started,
			 time_t finished, json_t *baseline, const char *baseline_id)
{
	struct run run = {0};
	str_copy(run.id, sizeof(run.id), s->run_id);
	run.target = (char *)host;
	run.status = (char *)status;
	run.started_at = started;
	run.finished_at = finished;
	run.summary = s->counts;
	json_t *o = report_scan_json(&run, s->items, s->n, NULL);
	if (baseline)
		report_compare_json(o, s->items, s->n, baseline, baseline_id);
	return o;
}

static int print_json(json_t *o)
{
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	if (!text)
		return SS_EIO;
	puts(text);
	free(text);
	return 0;
}

/* Writes len bytes of text to path; 0, or SS_EIO after a message. */
static int write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");
	bool ok = fp && fwrite(text, 1, len, fp) == len;
	if (fp && fclose(fp) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "secscan scan: cannot write %s: %s\n", path, strerror(errno));
		return SS_EIO;
	}
	return 0;
}

/* Reads --baseline FILE; NULL after a message. */
static json_t *load_baseline(const char *path, char **base_id)
{
	struct buf b;
	char err[256];
	json_t *base = NULL;
	buf_init(&b, BASELINE_MAX);
	int rc = buf_read_file(&b, path);
	*base_id = NULL;
	if (rc)
		fprintf(stderr, "secscan scan: cannot read baseline %s: %s\n", path,
			rc == SS_ETOOBIG ? "larger than 64 MiB" : strerror(errno));
	else if (!(base = report_baseline_parse(buf_str(&b), b.len, base_id, err, sizeof(err))))
		fprintf(stderr, "secscan scan: baseline %s: %s\n", path, err);
	buf_release(&b);
	return base;
}

/*
 * Keeps only the findings that scan (compared with a baseline) marks new: unchanged ones are
 * known and accepted, so they leave the text, the output files and the exit status. Returns how
 * many were dropped.
 */
static size_t drop_unchanged(struct scan_cli *s, json_t *scan)
{
	json_t *arr = json_object_get(scan, "findings");
	size_t kept = 0, n = s->n;
	memset(&s->counts, 0, sizeof(s->counts));
	for (size_t i = 0; i < n; i++) {
		const char *change = json_string_value(json_object_get(json_array_get(arr, i), "change"));
		if (change && !strcmp(change, "unchanged")) {
			finding_release(&s->items[i]);
			continue;
		}
		s->items[kept++] = s->items[i];
		severity_counts_add(&s->counts, s->items[i].severity);
	}
	s->n = kept;
	return n - kept;
}

/* With --server: the server's own files of the run, as GET /v1/scan/{id}/fix and ?format= give them. */
static int write_server_outputs(const struct scan_cli *s, const struct scan_args *a)
{
	const struct {
		const char *file, *query, *arg;
	} outs[] = {
		{a->fix_file, "/fix", ""},
		{a->sarif_file, "?format=sarif", ""},
		{a->junit_file, "?format=junit&fail_on=", severity_name(a->fail_on)},
	};
	int rc = 0;
	for (size_t i = 0; i < ARRAY_SIZE(outs) && rc == 0; i++) {
		char err[512];
		size_t len;
		if (!outs[i].file)
			continue;
		char *path = xasprintf("/v1/scan/%s%s%s", s->run_id, outs[i].query, outs[i].arg);
		char *text = remote_get_text(a->server, a->key, path, &len, err, sizeof(err));
		if (text) {
			rc = write_file(outs[i].file, text, len);
		} else {
			fprintf(stderr, "secscan scan: %s: %s\n", outs[i].file, err);
			rc = SS_EIO;
		}
		free(text);
		free(path);
	}
	return rc;
}

/*
 * --fix, --sarif and --junit: the files coding agents and CI systems read. A run on a server has
 * its files made there (with the stacks it detected, every target it scanned), unless a baseline
 * filters the findings they hold.
 */
static int write_outputs(const struct scan_cli *s, const struct scan_args *a, const char *host,
			 time_t started, bool filtered)
{
	struct run_target t = {(char *)host, (char *)"", (char *)s->stack.server,
			       (char *)s->stack.framework, (char *)s->stack.language,
			       (char *)s->stack.hosting};
	int rc = 0;
	if (a->server && !filtered)
		return write_server_outputs(s, a);
	if (a->fix_file) {
		/* a section per target, discovered ones with their own stack */
		struct fix_request req = {.scanner = "secscan", .scan_id = s->run_id, .scan_date = started,
					  .targets = s->ntargets ? s->targets : &t, .ntargets = MAX(s->ntargets, 1),
					  .findings = s->items,
					  .nfindings = s->n};
		char *md = report_fix_markdown(&req);
		rc = write_file(a->fix_file, md, strlen(md));
		free(md);
	}
	if (rc == 0 && a->sarif_file) {
		json_t *log = report_sarif_json(s->items, s->n);
		char *text = json_dumps(log, JSON_INDENT(2));
		json_decref(log);
		rc = write_file(a->sarif_file, text, strlen(text));
		free(text);
	}
	if (rc == 0 && a->junit_file) {
		char *xml = report_junit_xml(&t, 1, s->items, s->n, a->fail_on);
		rc = write_file(a->junit_file, xml, strlen(xml));
		free(xml);
	}
	return rc;
}

/*
 * Prints the result and writes the output files; the exit status. Unchanged findings (against
 * the baseline, when there is one) leave the text, the files and the exit status.
 */
static int report_result(struct scan_cli *s, const struct scan_args *a, const char *host,
			 const char *status, time_t started, int64_t elapsed_ms, json_t *baseline,
			 const char *base_id)
{
	int exit_code = 2;
	if (s->n)
		qsort(s->items, s->n, sizeof(*s->items), cmp_findings);
	json_t *result = scan_json(s, host, status, started, time(NULL), baseline, base_id);
	size_t known = baseline ? drop_unchanged(s, result) : 0;
	if (a->json) {
		if (print_json(result))
			goto out;
	} else {
		print_text(s, host, elapsed_ms);
		if (baseline)
			printf("\nbaseline %s: %zu unchanged finding%s not shown, %zu fixed\n", a->baseline,
			       known, known == 1 ? "" : "s",
			       json_array_size(json_object_get(result, "fixed")));
	}
	if (write_outputs(s, a, host, started, baseline != NULL) || strcmp(status, RUN_COMPLETED))
		goto out;
	exit_code = 0;
	for (int sev = a->fail_on; sev < SEV_COUNT; sev++)
		if (s->counts.count[sev] > 0)
			exit_code = 1;
out:
	json_decref(result);
	return exit_code;
}

/* --- Ctrl-C and SIGTERM: a signal thread asks the scan to stop; findings so far are still printed --- */

struct sig_watch {
	pthread_t thread;
	sigset_t set;
	const char *message;  /* said on a signal */
	struct scan_run *run; /* in-process: aborted on a signal */
	atomic_bool interrupted, done;
	bool started;
};

/* Blocks the signals in this thread: called before any other thread starts, they all inherit it. */
static void sig_watch_block(struct sig_watch *w)
{
	sigemptyset(&w->set);
	sigaddset(&w->set, SIGINT);
	sigaddset(&w->set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &w->set, NULL);
	atomic_init(&w->interrupted, false);
	atomic_init(&w->done, false);
}

static void *sig_main(void *arg)
{
	struct sig_watch *w = arg;
	int sig;
	while (sigwait(&w->set, &sig) == 0 && !atomic_load(&w->done)) {
		fprintf(stderr, "\nsecscan: interrupted, %s\n", w->message);
		atomic_store(&w->interrupted, true);
		if (w->run)
			scan_run_abort(w->run);
	}
	return NULL;
}

static void sig_watch_start(struct sig_watch *w, const char *message, struct scan_run *run)
{
	w->message = message;
	w->run = run;
	w->started = pthread_create(&w->thread, NULL, sig_main, w) == 0;
}

static void sig_watch_stop(struct sig_watch *w)
{
	if (!w->started)
		return;
	atomic_store(&w->done, true);
	pthread_kill(w->thread, SIGINT);
	pthread_join(w->thread, NULL);
	w->started = false;
}

/*
 * --server: the scan runs on the server; its event stream feeds the same progress view. Ctrl-C
 * aborts the run there (POST /v1/scan/{id}/abort) and exits 2 with the findings so far.
 */
static int scan_on_server(struct scan_cli *s, const struct scan_args *a, struct sig_watch *w,
			  json_t *baseline, const char *base_id)
{
	struct remote_run run;
	char err[512] = "";
	char *remote_base_id = NULL;
	int exit_code = 2;
	int64_t t0 = clock_mono_ms();
	s->tty = isatty(STDERR_FILENO) == 1;
	str_copy(s->host, sizeof(s->host), a->target);
	str_copy(s->module, sizeof(s->module), "queued");
	progress_draw(s);
	sig_watch_start(w, "aborting the run on the server", NULL);
	int rc = remote_scan(a->server, a->key, a->target, &w->interrupted, on_finding, s, &run, err,
			     sizeof(err));
	progress_clear(s);
	if (rc == SS_EABORTED && run.status[0]) {
		fprintf(stderr, "secscan scan: run %s %s on the server\n", run.run_id,
			strcmp(run.status, RUN_ABORTED) ? "had ended already" : "aborted");
	} else if (rc == SS_EABORTED) {
		fprintf(stderr, "secscan scan: %s; run %s may still be running on the server\n", err, run.run_id);
		goto out;
	} else if (rc) {
		fprintf(stderr, "secscan scan: %s\n", err);
		goto out;
	} else if (strcmp(run.status, RUN_COMPLETED)) {
		fprintf(stderr, "secscan scan: the run ended %s\n", run.status);
	}
	memcpy(s->run_id, run.run_id, sizeof(s->run_id));
	if (a->compare_to) {
		baseline = remote_base(a->server, a->key, run.run_id, a->compare_to, &remote_base_id, err,
				       sizeof(err));
		if (!baseline) {
			fprintf(stderr, "secscan scan: --compare-to %s: %s\n", a->compare_to, err);
			goto out;
		}
		base_id = remote_base_id;
	}
	exit_code = report_result(s, a, run.host, run.status, run.started, clock_mono_ms() - t0,
				  baseline, base_id);
	if (strcmp(run.status, RUN_COMPLETED) || rc || atomic_load(&w->interrupted))
		exit_code = 2;
	if (a->compare_to)
		json_decref(baseline);
out:
	sig_watch_stop(w);
	free(remote_base_id);
	remote_run_release(&run);
	return exit_code;
}

/* --- the engine on its own thread, watched: a module that ignores the abort cannot hang the CLI --- */

struct exec {
	struct scan_run *run;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int rc;
};

static void *exec_main(void *arg)
{
	struct exec *x = arg;
	int rc = scan_run_execute(x->run);
	pthread_mutex_lock(&x->mu);
	x->rc = rc;
	x->done = true;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

/*
 * Runs the scan under the service's watchdog policy (scan_overrun): past its budget and a grace
 * the run is aborted (*overdue set); still going a grace later, the CLI stops waiting (*stuck
 * set, SS_ETIMEOUT returned: the engine's threads go on and the run must not be freed). Else
 * scan_run_execute's answer.
 */
static int execute_watched(struct exec *x, long budget_ms, bool *overdue, bool *stuck)
{
	pthread_t thread;
	int64_t t0 = clock_mono_ms();
	*overdue = *stuck = false;
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	if (pthread_create(&thread, NULL, exec_main, x))
		return SS_EIO;
	pthread_mutex_lock(&x->mu);
	while (!x->done) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&x->cv, &x->mu, &ts);
		enum scan_overrun v = x->done ? SCAN_IN_TIME : scan_overrun(budget_ms, clock_mono_ms() - t0);
		if (v != SCAN_IN_TIME && !*overdue) {
			*overdue = true;
			scan_run_abort(x->run);
		}
		if (v == SCAN_STUCK) {
			*stuck = true;
			break;
		}
	}
	pthread_mutex_unlock(&x->mu);
	if (*stuck) {
		pthread_detach(thread);
		return SS_ETIMEOUT;
	}
	pthread_join(thread, NULL);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cv);
	return x->rc;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a;
	struct scan_cli s = {0};
	struct scan_options o;
	struct sig_watch w = {0};
	struct exec x = {0};
	struct scan_sink sink = {.on_finding = on_finding, .on_target = on_target, .on_progress = on_progress,
				 .ud = &s};
	char *host = NULL, *err = NULL, *base_id = NULL;
	json_t *baseline = NULL;
	bool overdue = false, stuck = false;
	int rc = parse_args(argc, argv, &a), exit_code = 2;

	if (rc)
		return rc == 1 ? 0 : 2;
	if (a.baseline && !(baseline = load_baseline(a.baseline, &base_id)))
		return 2;
	if (a.rules_dir && catalogue_load(a.rules_dir)) {
		fprintf(stderr, "secscan scan: bad rules: %s\n", catalogue_last_error());
		return 2;
	}
	sig_watch_block(&w);
	if (a.server) {
		exit_code = scan_on_server(&s, &a, &w, baseline, base_id);
		goto out_remote;
	}
	if (scan_normalize_target(a.target, &host, NULL, &err)) {
		fprintf(stderr, "secscan scan: %s\n", err);
		free(err);
		return 2;
	}
	scan_options_init(&o);
	o.http.allow_private = a.allow_private;
	o.http.ca_file = a.ca_file;
	o.http.timeout_ms = a.timeout_ms;
	o.http.connect_timeout_ms = MIN(o.http.connect_timeout_ms, a.timeout_ms);
	o.http.resolve = a.nresolve ? a.resolve : NULL;
	o.http.allow_addrs = a.nallow ? a.allow_addrs : NULL;
	o.budget_ms = a.budget_s * 1000;
	o.modules = a.modules;
	o.resolver = a.resolver;
	o.trust_anchor = a.trust_anchor;
	o.ports = a.ports;
	if (a.expiry_days)
		o.expiry_warn_days = (int)a.expiry_days;
	if (a.crawl_pages >= 0)
		o.crawl_max_pages = (int)a.crawl_pages;
	if (a.crawl_assets >= 0)
		o.crawl_max_assets = (int)a.crawl_assets;
	/* one target: what the user named (discovered hosts of the same app may join it) */
	s.tty = isatty(STDERR_FILENO) == 1;
	str_copy(s.host, sizeof(s.host), host);
	crypto_random_id(s.run_id, RUN_ID_LEN, false);
	str_copy(s.module, sizeof(s.module), "recon");

	struct scan_run *run = scan_run_new(&o, &sink);
	sig_watch_start(&w, "stopping the scan", run);

	time_t started = time(NULL);
	int64_t t0 = clock_mono_ms();
	rc = scan_run_add_target(run, a.target);
	if (rc == 0) {
		progress_draw(&s);
		x.run = run;
		rc = execute_watched(&x, o.budget_ms, &overdue, &stuck);
	}
	if (stuck) {
		/* the sink's findings are ours to read once the engine can add no more */
		char mods[256];
		scan_run_detach(run);
		scan_run_unfinished(run, mods, sizeof(mods));
		progress_clear(&s);
		fprintf(stderr, "secscan scan: the scan overran its time budget (%ld s) and did not stop when "
				"aborted; modules that did not finish: %s; the results are incomplete\n",
			a.budget_s, mods[0] ? mods : "(none)");
		exit_code = report_result(&s, &a, host, RUN_FAILED, started, clock_mono_ms() - t0, baseline,
					  base_id);
		/* The stuck module still uses the run: end here, without the exit handlers that would
		 * free what it uses. */
		fflush(NULL);
		_exit(exit_code);
	}
	progress_clear(&s);
	sig_watch_stop(&w);

	/* an abort of the watchdog's is the budget's end; one of the user's is an interruption */
	if (rc == SS_EABORTED && overdue && !atomic_load(&w.interrupted))
		rc = SS_ETIMEOUT;
	if (rc == SS_EIO || rc == SS_EINVAL || rc == SS_EDENIED || rc == SS_ETOOBIG ||
	    (rc == SS_ETIMEOUT && !s.have_stack)) {
		const char *why = scan_run_error(run);
		fprintf(stderr, "secscan scan: %s\n", why ? why : ss_strerror(rc));
		goto out;
	}
	if (rc == SS_ETIMEOUT)
		fprintf(stderr, "secscan scan: the time budget (%ld s) ran out; results may be incomplete\n",
			a.budget_s);
	exit_code = report_result(&s, &a, host, rc == SS_EABORTED ? RUN_ABORTED : RUN_COMPLETED, started,
				  clock_mono_ms() - t0, baseline, base_id);
out:
	json_decref(baseline);
	free(base_id);
	scan_run_free(run);
	finding_array_free(s.items, s.n);
	run_target_array_free(s.targets, s.ntargets);
	free(host);
	return exit_code;
out_remote:
	json_decref(baseline);
	free(base_id);
	finding_array_free(s.items, s.n);
	return exit_code;
}
