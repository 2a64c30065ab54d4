#include "base/common.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/ignore.h"
#include "base/log.h"
#include "base/str.h"
#include "cli/commands.h"
#include "engine/catalogue.h"
#include "report/report.h"
#include "secrets/secrets.h"
#include <getopt.h>
#include <jansson.h>

/* `secscan secrets PATH...`: leaked keys in files and directories. */

#define BASELINE_MAX (64 * 1024 * 1024)

struct secrets_args {
	bool json, sarif, binary, gitignore, everywhere;
	enum severity fail_on;
	const char *baseline, *rules_dir;
	long chunk;
	long long max_size;
	struct ignore_list exclude;
};

struct secrets_cli {
	const struct secret_rules *rules;
	char **baseline; /* sorted fingerprints */
	size_t nbaseline;
	struct finding *items;
	const char **rule_ids; /* of each item */
	size_t n, cap, rcap;
	struct severity_counts counts;
	size_t suppressed;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: secscan secrets PATH... [options]\n"
		"\n"
		"Finds leaked keys, tokens, private keys and passwords in files and directories (recursively),\n"
		"with the same rules as the web scans. Secrets are shown redacted, never whole.\n"
		"\n"
		"options:\n"
		"  --json                 print findings as JSON (with their fingerprints)\n"

		"  --sarif                print a SARIF 2.1.0 log (GitHub code scanning)\n"
		"  --baseline FILE        do not report fingerprints listed in FILE (an earlier --json output,\n"
		"                         or one fingerprint per line)\n"
		"  --fail-on SEVERITY     exit 1 when a finding is at or above SEVERITY (default LOW)\n"
		"  --exclude PATTERN      skip paths matching a .gitignore-style pattern (repeatable)\n"
		"  --no-gitignore         do not honour .gitignore files\n"
		"  --max-size BYTES       skip larger files (default 104857600)\n"
		"  --binary               also scan files that look binary\n"
		"  --everywhere           also report generic rules and LOW/INFO hits in tests, docs, examples\n"
		"                         and vendored code (left out by default: their values are examples)\n"
		"  --chunk BYTES          read files this many bytes at a time (default 1048576)\n"
		"  --rules DIR            use the secret rules of DIR (*.json) besides the built-in ones\n"
		"  -h, --help             this help\n"
		"\n"
		"tests, docs, examples and vendored code (tests/, docs/, examples/, fixtures/, README*, *.md,\n"
		"*.example, *.test.*, node_modules/, vendor/... below each PATH): only keys of a provider's own\n"
		"shape at MEDIUM or above are reported there, not the generic password and API-key rules.\n"
		"\n"
		"inline suppression: a line holding 'secscan:ignore' is not reported, in first-party files only\n"
		"(never in node_modules/, vendor/, dist/, minified files or minified lines).\n"
		"\n"
		"exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 error\n");
}

static int parse_args(int argc, char **argv, struct secrets_args *a)
{
	enum { O_JSON = 1, O_SARIF, O_BASELINE, O_FAIL_ON, O_EXCLUDE, O_NO_GITIGNORE, O_MAX_SIZE, O_BINARY,
	       O_CHUNK, O_RULES, O_EVERYWHERE };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, O_JSON},
		{"sarif", no_argument, NULL, O_SARIF},
		{"baseline", required_argument, NULL, O_BASELINE},
		{"fail-on", required_argument, NULL, O_FAIL_ON},
		{"exclude", required_argument, NULL, O_EXCLUDE},
		{"no-gitignore", no_argument, NULL, O_NO_GITIGNORE},
		{"max-size", required_argument, NULL, O_MAX_SIZE},
		{"binary", no_argument, NULL, O_BINARY},
		{"everywhere", no_argument, NULL, O_EVERYWHERE},
		{"chunk", required_argument, NULL, O_CHUNK},
		{"rules", required_argument, NULL, O_RULES},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long v;
	int c;
	a->fail_on = SEV_LOW;
	a->gitignore = true;
	a->chunk = 1 << 20;
	a->max_size = 100LL << 20;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_JSON:
			a->json = true;
			break;
		case O_SARIF:
			a->sarif = true;
			break;
		case O_BASELINE:
			a->baseline = optarg;
			break;
		case O_FAIL_ON:
			if (severity_parse(optarg, &a->fail_on)) {
				fprintf(stderr, "secscan secrets: --fail-on takes CRITICAL, HIGH, MEDIUM, LOW or INFO\n");
				return 2;
			}
			break;
		case O_EXCLUDE:
			ignore_add(&a->exclude, "", optarg);
			break;
		case O_NO_GITIGNORE:
			a->gitignore = false;
			break;
		case O_MAX_SIZE:
			if (str_to_long(optarg, 1, LONG_MAX, &v)) {
				fprintf(stderr, "secscan secrets: --max-size takes a number of bytes\n");
				return 2;
			}
			a->max_size = v;
			break;
		case O_BINARY:
			a->binary = true;
			break;
		case O_EVERYWHERE:
			a->everywhere = true;
			break;
		case O_CHUNK:
			if (str_to_long(optarg, 1, 256L << 20, &a->chunk)) {
				fprintf(stderr, "secscan secrets: --chunk takes 1 to 268435456 bytes\n");
				return 2;
			}
			break;
		case O_RULES:
			a->rules_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "secscan secrets: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "secscan secrets: give at least one file or directory\n");
		usage(stderr);
		return 2;
	}
	if (a->json && a->sarif) {
		fprintf(stderr, "secscan secrets: choose --json or --sarif\n");
		return 2;
	}
	return 0;
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a fingerprint-looking token (64 hex digits) to the baseline. */
static void baseline_add(struct secrets_cli *s, size_t *cap, const char *fp)
{
	if (strlen(fp) != 64 || strspn(fp, "0123456789abcdef") != 64)
		return;
	s->baseline = xgrow(s->baseline, cap, s->nbaseline + 1, sizeof(char *));
	s->baseline[s->nbaseline++] = xstrdup(fp);
}

/* A baseline is an earlier --json output ({"findings": [{"fingerprint": ...}]}) or one fingerprint a line. */
static int baseline_load(struct secrets_cli *s, const char *path)
{
	struct buf b;
	buf_init(&b, BASELINE_MAX);
	int rc = buf_read_file(&b, path);
	size_t cap = 0;
	if (rc < 0) {
		fprintf(stderr, "secscan secrets: cannot read the baseline %s\n", path);
		buf_release(&b);
		return rc;
	}
	json_t *j = b.len ? json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (json_is_object(j)) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(j, "findings"), i, f) {
			const char *fp = json_string_value(json_object_get(f, "fingerprint"));
			if (fp)
				baseline_add(s, &cap, fp);
		}
	} else if (b.len) {
		char *save = NULL;
		for (char *line = strtok_r(b.data, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
			baseline_add(s, &cap, str_trim(line));
	}
	json_decref(j);
	buf_release(&b);
	qsort(s->baseline, s->nbaseline, sizeof(char *), str_ptr_cmp);
	return 0;
}

static bool in_baseline(const struct secrets_cli *s, const char *fp)
{
	return s->nbaseline && bsearch(&fp, s->baseline, s->nbaseline, sizeof(char *), str_ptr_cmp);
}

static void on_hit(void *ud, const char *path, const struct secret_hit *hit)
{
	struct secrets_cli *s = ud;
	struct secret_finding_text t;
	secret_hit_describe(hit, &t);
	if (!catalogue_count() && catalogue_load(NULL))
		log_warn("the built-in check catalogue is invalid: %s", catalogue_last_error());
	const struct check_def *def = catalogue_get(t.check);
	struct finding f = {0};
	f.check = xstrdup(t.check);
	f.target = xstrdup("files");
	f.severity = hit->severity;
	f.category = xstrdup("secrets");
	/* the fingerprint holds the path but not the line, so that moving code keeps it */
	f.location = xstrdup(path);
	finding_fingerprint(&f, t.discriminator);
	free(f.location);
	f.location = xasprintf("%s:%" PRIu64 ":%" PRIu64, path, hit->line, hit->column);
	f.title = catalogue_fill_title(def ? def->title : "{detail} exposed at {location}", hit->name, f.location);
	f.description = t.description;
	t.description = NULL;
	f.evidence = xstrdup(t.evidence);
	f.tool = xstrdup("secrets");
	if (in_baseline(s, f.fingerprint)) {
		s->suppressed++;
		finding_release(&f);
		return;
	}
	f.seq = (int64_t)s->n + 1;
	s->items = xgrow(s->items, &s->cap, s->n + 1, sizeof(*s->items));
	s->rule_ids = xgrow(s->rule_ids, &s->rcap, s->n + 1, sizeof(*s->rule_ids));
	s->rule_ids[s->n] = hit->rule->id;
	s->items[s->n++] = f;
	severity_counts_add(&s->counts, f.severity);
}

static void print_table(const struct secrets_cli *s, const struct secret_files_stats *st, int64_t scan_ms)
{
	if (s->n)
		printf("%-9s %-30s %-44s %s\n", "SEVERITY", "RULE", "LOCATION", "SECRET");
	for (int sev = SEV_CRITICAL; sev >= SEV_INFO; sev--)
		for (size_t i = 0; i < s->n; i++) {
			const struct finding *f = &s->items[i];
			if ((int)f->severity != sev)
				continue;
			/* the redacted value: evidence reads "Found: X at line ..." */
			const char *ev = f->evidence + (str_starts_with(f->evidence, "Found: ") ? 7 : 0);
			const char *at = strstr(ev, " at line ");
			printf("%-9s %-30s %-44s %.*s\n", severity_name(f->severity), s->rule_ids[i], f->location,
			       at ? (int)(at - ev) : (int)strlen(ev), ev);
		}
	printf("%zu secret%s in %" PRIu64 " files (%.1f MB in %.2f s): %" PRId64 " critical, %" PRId64 " high, %" PRId64
	       " medium, %" PRId64 " low, %" PRId64 " info",
	       s->n, s->n == 1 ? "" : "s", st->files, (double)st->bytes / 1e6, (double)scan_ms / 1e3,
	       s->counts.count[SEV_CRITICAL],
	       s->counts.count[SEV_HIGH], s->counts.count[SEV_MEDIUM], s->counts.count[SEV_LOW],
	       s->counts.count[SEV_INFO]);
	if (s->suppressed)
		printf("; %zu in the baseline", s->suppressed);
	printf("\nskipped: %" PRIu64 " binary, %" PRIu64 " too large, %" PRIu64 " ignored, %" PRIu64 " unreadable\n",
	       st->skipped_binary, st->skipped_size, st->skipped_ignored, st->errors);
}

static void print_json(const struct secrets_cli *s, const struct secret_files_stats *st, int64_t scan_ms)
{
	json_t *o = json_object(), *arr = json_array();
	for (size_t i = 0; i < s->n; i++) {
		json_t *f = report_finding_json(&s->items[i]);
		json_object_set_new(f, "location", json_string(s->items[i].location));
		json_object_set_new(f, "fingerprint", json_string(s->items[i].fingerprint));
		json_object_set_new(f, "rule", json_string(s->rule_ids[i]));
		json_array_append_new(arr, f);
	}
	json_object_set_new(o, "findings", arr);
	json_object_set_new(o, "summary", report_summary_json(&s->counts));
	json_object_set_new(o, "baseline_suppressed", json_integer((json_int_t)s->suppressed));
	json_object_set_new(o, "stats", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "files", (json_int_t)st->files,
						  "bytes", (json_int_t)st->bytes, "skipped_binary",
						  (json_int_t)st->skipped_binary, "skipped_size",
						  (json_int_t)st->skipped_size, "skipped_ignored",
						  (json_int_t)st->skipped_ignored, "unreadable", (json_int_t)st->errors,
						  "scan_ms", (json_int_t)scan_ms));
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	if (text)
		puts(text);
	free(text);
	json_decref(o);
}

int cmd_secrets(int argc, char **argv)
{
	struct secrets_args a = {0};
	struct secrets_cli s = {0};
	struct secret_rules *own = NULL;
	struct secret_scanner *scanner = NULL;
	struct secret_files_stats st = {0};
	int rc = parse_args(argc, argv, &a), exit_code = 2;
	if (rc) {
		ignore_release(&a.exclude);
		return rc == 1 ? 0 : 2;
	}
	if (a.rules_dir) {
		if (secret_rules_load(a.rules_dir, &own) < 0) {
			fprintf(stderr, "secscan secrets: the rules of %s do not compile (see above)\n", a.rules_dir);
			goto out;
		}
		s.rules = own;
	} else if (!(s.rules = secret_rules_default())) {
		fprintf(stderr, "secscan secrets: the built-in secret rules do not compile\n");
		goto out;
	}
	if (a.baseline && baseline_load(&s, a.baseline) < 0)
		goto out;
	scanner = secret_scanner_new(s.rules);
	struct secret_files_options fo = {.chunk = (size_t)a.chunk, .max_size = (uint64_t)a.max_size,
					  .binary = a.binary, .gitignore = a.gitignore, .everywhere = a.everywhere, .exclude = &a.exclude};
	/* the scan's own time (walking, reading, matching, not start-up), as ripgrep --stats shows it */
	int64_t started = clock_mono_ms();
	rc = secret_scan_paths(scanner, (const char *const *)argv + optind, (size_t)(argc - optind), &fo, on_hit, &s,
			       &st);
	int64_t scan_ms = clock_mono_ms() - started;
	if (rc < 0) {
		fprintf(stderr, "secscan secrets: some paths could not be read\n");
		goto out;
	}
	if (a.json) {
		print_json(&s, &st, scan_ms);
	} else if (a.sarif) {
		json_t *log = report_sarif_json(s.items, s.n);
		char *text = json_dumps(log, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		if (text)
			puts(text);
		free(text);
		json_decref(log);
	} else {
		print_table(&s, &st, scan_ms);
	}
	exit_code = 0;
	for (size_t i = 0; i < s.n; i++)
		if (s.items[i].severity >= a.fail_on)
			exit_code = 1;
out:
	secret_scanner_free(scanner);
	secret_rules_free(own);
	finding_array_free(s.items, s.n);
	free(s.rule_ids);
	for (size_t i = 0; i < s.nbaseline; i++)
		free(s.baseline[i]);
	free(s.baseline);
	ignore_release(&a.exclude);
	return exit_code;
}
