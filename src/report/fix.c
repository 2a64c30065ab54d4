#include "base/common.h"
#include "report/report.h"
#include "report/internal.h"
#include "base/clock.h"
#include "base/str.h"
#include "engine/catalogue.h"

/* What one grouped FIX shows at most: a file a person can still read when a check fires on
 * hundreds of URLs (the API's JSON has them all). */
#define FIX_EVIDENCE_PER_GROUP 5
#define FIX_LOCATIONS_PER_GROUP 50
#define FIX_VERIFY_PER_GROUP 10

/* Detected technology names (lower case, version cut) and the catalogue stack key they map to. */
static const struct {
	const char *name;
	const char *key;
} stack_names[] = {
	{"nextjs", "nextjs"}, {"next.js", "nextjs"}, {"next", "nextjs"},
	{"vercel", "vercel"}, {"netlify", "netlify"},
	{"express", "express"}, {"expressjs", "express"},
	{"nginx", "nginx"}, {"openresty", "nginx"},
	{"apache", "apache"}, {"httpd", "apache"}, {"litespeed", "apache"}, /* reads .htaccess */
	{"caddy", "caddy"},
	{"iis", "iis"}, {"microsoft-iis", "iis"}, {"aspnet", "iis"}, /* web.config */
	{"cloudflare", "cloudflare"},
	{"django", "django"}, {"flask", "flask"},
	{"rails", "rails"}, {"ruby on rails", "rails"},
	{"laravel", "laravel"},
	{"php", "php"}, {"wordpress", "php"}, {"drupal", "php"}, {"symfony", "php"},
	{"spring", "spring"}, {"spring boot", "spring"}, {"spring-boot", "spring"},
};

const char *report_stack_key(const char *name)
{
	char low[64];
	size_t k = 0;
	/* "nginx/1.25.3", "Microsoft-IIS/10.0": the product is what comes before the version. */
	for (; name && *name && *name != '/' && k < sizeof(low) - 1; name++)
		low[k++] = (*name >= 'A' && *name <= 'Z') ? (char)(*name - 'A' + 'a') : *name;
	low[k] = '\0';
	char *t = str_trim(low);
	for (size_t i = 0; i < ARRAY_SIZE(stack_names); i++)
		if (strcmp(t, stack_names[i].name) == 0)
			return stack_names[i].key;
	return NULL;
}

const struct check_fix *report_fix_for(const struct check_def *def, const struct run_target *t)
{
	if (!def)
		return NULL;
	/* The framework or the hosting usually owns the setting (next.config.js, vercel.json) even
	 * behind a known server, so they are tried first. */
	const char *detected[] = {t ? t->framework : NULL, t ? t->hosting : NULL, t ? t->server : NULL,
				  t ? t->language : NULL};
	for (size_t i = 0; i < ARRAY_SIZE(detected); i++) {
		const char *key = report_stack_key(detected[i]);
		const struct check_fix *fx = key ? check_def_fix_for(def, key) : NULL;
		if (fx && fx->stack && strcmp(fx->stack, key) == 0)
			return fx;
	}
	return check_def_fix_for(def, "default");
}

/* The info string of the Change block, from the stack or the file name's extension. */
static const char *fence_lang(const struct check_fix *fx)
{
	static const struct {
		const char *suffix;
		const char *lang;
	} by_file[] = {
		{".js", "javascript"}, {".mjs", "javascript"}, {".cjs", "javascript"},
		{".ts", "typescript"}, {".json", "json"}, {".toml", "toml"}, {".py", "python"},
		{".rb", "ruby"}, {".php", "php"}, {".yml", "yaml"}, {".yaml", "yaml"},
		{".xml", "xml"}, {".config", "xml"}, {".htaccess", "apache"}, {"caddyfile", "caddy"},
		{".java", "java"}, {".properties", "properties"},
	};
	const char *stack = fx->stack ? fx->stack : "";
	if (!strcmp(stack, "nginx") || !strcmp(stack, "apache") || !strcmp(stack, "caddy"))
		return stack;
	char word[128];
	str_copy(word, sizeof(word), fx->file ? fx->file : "");
	word[strcspn(word, " (,")] = '\0';
	str_lower(word);
	for (size_t i = 0; i < ARRAY_SIZE(by_file); i++)
		if (str_ends_with(word, by_file[i].suffix))
			return by_file[i].lang;
	return "text";
}

/*
 * Appends a URL for a shell command: every byte that a shell would interpret (quotes, $, `, ;, &,
 * |, spaces, parentheses...) is percent-encoded, so a location chosen by the scanned site cannot
 * turn a Verify command into another command, quoted or not.
 */
static void put_shell_url(struct buf *b, const char *url)
{
	report_put_pct(b, url, "-._~:/?=%+,@");
}

/* Appends a host for a shell command: host name, IP literal and port characters only. */
static void put_shell_host(struct buf *b, const char *host)
{
	for (const char *p = host; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-.:[]_", *p))
			buf_appendc(b, *p);
}

/* The URL a finding is about: its location when that is an http(s) URL, else the target's root. */
static char *finding_url(const struct finding *f)
{
	const char *loc = f->location ? f->location : "";
	if (str_starts_with_nocase(loc, "http://") || str_starts_with_nocase(loc, "https://"))
		return xstrdup(loc);
	return xasprintf("https://%s", f->target ? f->target : "");
}

/* Whether the first len bytes of text hold line (which ends with a newline) as a whole line. */
static bool has_line(const char *text, size_t len, const char *line)
{
	size_t ll = strlen(line);
	for (size_t at = 0; at + ll <= len; at = (size_t)(strchr(text + at, '\n') - text) + 1)
		if (memcmp(text + at, line, ll) == 0)
			return true;
	return false;
}

/* A copy of a catalogue text (verify command, fix prose, snippet) with {url} and {host} filled
 * for f, shell-safe. Caller frees. */
static char *fill(const char *tmpl, const struct finding *f)
{
	struct buf b;
	char *url = finding_url(f);
	buf_init(&b, REPORT_OUTPUT_MAX);
	for (const char *p = tmpl ? tmpl : ""; *p;) {
		if (str_starts_with(p, "{url}")) {
			put_shell_url(&b, url);
			p += 5;
		} else if (str_starts_with(p, "{host}")) {
			put_shell_host(&b, f->target ? f->target : "");
			p += 6;
		} else {
			buf_appendc(&b, *p++);
		}
	}
	free(url);
	return buf_detach(&b, NULL);
}

/* One FIX: the findings of one check on one target that differ only by location. */
struct fix_group {
	const struct finding **items;
	size_t n, cap;
	char *key; /* the title with the location cut out (\x01 marks where it was) */
};

/*
 * The title of f with its location replaced by \x01, so that "Source map exposed at /a.js.map"
 * and "... at /b.js.map" group together. Titles may name the location whole or by its path.
 */
static char *title_key(const struct finding *f)
{
	const char *title = f->title ? f->title : "";
	const char *loc = f->location ? f->location : "";
	const char *scheme = strstr(loc, "://");
	const char *path = scheme ? strchr(scheme + 3, '/') : NULL;
	const char *cands[] = {loc, path};
	for (size_t i = 0; i < ARRAY_SIZE(cands); i++) {
		if (!cands[i] || strlen(cands[i]) < 2)
			continue;
		const char *at = strstr(title, cands[i]);
		if (at)
			return xasprintf("%.*s\x01%s", (int)(at - title), title, at + strlen(cands[i]));
	}
	return xstrdup(title);
}

/* The first finding's title, and how many more locations the FIX covers: "(and 2 more locations)"
 * reads right whether the title names the location at its end or inside a {detail}. */
static void group_title(struct buf *b, const struct fix_group *g)
{
	report_put_line(b, g->items[0]->title);
	if (g->n > 1)
		buf_appendf(b, " (and %zu more location%s)", g->n - 1, g->n > 2 ? "s" : "");
}

/* Groups the target's findings of LOW and above, in FIX order (sorted holds all findings). */
static struct fix_group *make_groups(const struct finding **sorted, size_t n, const char *host,
				     size_t *ngroups)
{
	struct fix_group *groups = NULL;
	size_t cap = 0, count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = sorted[i];
		if (f->severity < SEV_LOW || !f->target || strcasecmp(f->target, host) != 0)
			continue;
		char *key = title_key(f);
		struct fix_group *g = NULL;
		for (size_t k = 0; k < count && !g; k++) {
			const struct finding *first = groups[k].items[0];
			if (first->severity == f->severity && !strcmp(first->check ? first->check : "",
								      f->check ? f->check : "") &&
			    !strcmp(groups[k].key, key))
				g = &groups[k];
		}
		if (g) {
			free(key);
		} else {
			groups = xgrow(groups, &cap, count + 1, sizeof(*groups));
			g = &groups[count++];
			memset(g, 0, sizeof(*g));
			g->key = key;
		}
		g->items = xgrow(g->items, &g->cap, g->n + 1, sizeof(*g->items));
		g->items[g->n++] = f;
	}
	*ngroups = count;
	return groups;
}

static void free_groups(struct fix_group *groups, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(groups[i].items);
		free(groups[i].key);
	}
	free(groups);
}

static void put_problem(struct buf *b, const struct fix_group *g)
{
	const struct finding *first = g->items[0];
	buf_appends(b, "**Problem:** ");
	report_put_line(b, first->description);
	buf_appends(b, "\n\n");
	if (g->n > 1) {
		buf_appends(b, "**Locations:**\n\n");
		for (size_t i = 0; i < g->n; i++) {
			if (i == FIX_LOCATIONS_PER_GROUP) {
				buf_appendf(b, "- and %zu more\n", g->n - i);
				break;
			}
			buf_appends(b, "- ");
			report_put_code(b, g->items[i]->location);
			buf_appendc(b, '\n');
		}
		buf_appendc(b, '\n');
	}
	size_t shown = 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct finding *f = g->items[i];
		if (!f->evidence || !*f->evidence)
			continue;
		if (shown == FIX_EVIDENCE_PER_GROUP) {
			buf_appendf(b, "(evidence of the other locations left out)\n\n");
			break;
		}
		if (f->location && *f->location) {
			buf_appends(b, "Evidence at ");
			report_put_code(b, f->location);
			buf_appends(b, ":\n\n");
		} else {
			buf_appends(b, "Evidence:\n\n");
		}
		report_put_fence(b, "text", f->evidence);
		buf_appendc(b, '\n');
		shown++;
	}
}

static void put_remedy(struct buf *b, const struct fix_group *g, const struct run_target *rt)
{
	const struct finding *first = g->items[0];
	const struct check_def *def = catalogue_get(first->check ? first->check : "");
	const struct check_fix *fx = report_fix_for(def, rt);

	buf_appends(b, "**File to modify:** ");
	if (fx && fx->file && *fx->file) {
		/* A file name as code; a description ("your web server configuration") as prose. */
		if (strchr(fx->file, ' '))
			report_put_line(b, fx->file);
		else
			report_put_code(b, fx->file);
		if (fx->stack && strcmp(fx->stack, "default") != 0)
			buf_appendf(b, " (detected stack: %s)", fx->stack);
	} else {
		buf_appends(b, "no stack-specific file known for this check");
	}
	buf_appends(b, "\n\n**Change:**");
	if (def && def->fix && *def->fix) {
		char *prose = fill(def->fix, first);
		buf_appendc(b, ' ');
		report_put_line(b, prose);
		free(prose);
	}
	buf_appends(b, "\n\n");
	if (fx && fx->change && *fx->change) {
		char *change = fill(fx->change, first);
		report_put_fence(b, fence_lang(fx), change);
		buf_appendc(b, '\n');
		free(change);
	}
	if (def && def->verify && *def->verify) {
		struct buf cmds;
		buf_init(&cmds, REPORT_OUTPUT_MAX);
		/* One command per location when the command names the URL; the same line once. */
		for (size_t i = 0, lines = 0; i < g->n; i++) {
			if (lines == FIX_VERIFY_PER_GROUP) {
				buf_appends(&cmds, "# and the same for each other location above\n");
				break;
			}
			size_t mark = cmds.len;
			char *cmd = fill(def->verify, g->items[i]);
			buf_appends(&cmds, cmd);
			buf_appendc(&cmds, '\n');
			free(cmd);
			if (has_line(cmds.data, mark, cmds.data + mark)) {
				cmds.len = mark;
				cmds.data[mark] = '\0';
			} else {
				lines++;
			}
		}
		buf_appends(b, "**Verify:**\n\n");
		report_put_fence(b, "sh", buf_str(&cmds));
		buf_appendc(b, '\n');
		buf_release(&cmds);
	}
	if (def && def->nreferences) {
		buf_appends(b, "**References:** ");
		for (size_t i = 0; i < def->nreferences; i++) {
			if (i)
				buf_appends(b, ", ");
			report_put_line(b, def->references[i]);
		}
		buf_appends(b, "\n\n");
	}
}

static void put_stack_item(struct buf *b, bool *first, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	buf_appends(b, *first ? "" : ", ");
	buf_appendf(b, "%s: ", name);
	report_put_yaml_string(b, value);
	*first = false;
}

static void put_yaml_list(struct buf *b, json_t *arr, const char *indent)
{
	size_t i;
	json_t *v;
	if (!json_array_size(arr)) {
		buf_appends(b, " []\n");
		return;
	}
	buf_appendc(b, '\n');
	json_array_foreach(arr, i, v) {
		buf_appendf(b, "%s- ", indent);
		report_put_yaml_string(b, json_is_string(v) ? json_string_value(v)
							   : json_string_value(json_object_get(v, "check")));
		buf_appendc(b, '\n');
	}
}

/* What the run's analysis adds (docs/security-fix-format.md): who made it, risk_score and
 * attack_chains. A provider wrote the chains' text, so every string is a YAML scalar. */
static void put_analysis_front(struct buf *b, const struct run_analysis *a)
{
	json_t *chains = json_loads(a->chains ? a->chains : "[]", 0, NULL), *ch;
	size_t i;
	buf_appends(b, "analysis_provider: ");
	report_put_yaml_string(b, a->provider);
	buf_appends(b, "\nanalysis_model: ");
	report_put_yaml_string(b, a->model);
	buf_appendf(b, "\nrisk_score: %" PRId64 "\nattack_chains:", a->risk_score);
	if (!json_array_size(chains))
		buf_appends(b, " []");
	buf_appendc(b, '\n');
	json_array_foreach(chains, i, ch) {
		buf_appends(b, "  - name: ");
		report_put_yaml_string(b, json_string_value(json_object_get(ch, "name")));
		buf_appends(b, "\n    severity: ");
		report_put_yaml_string(b, json_string_value(json_object_get(ch, "severity")));
		buf_appends(b, "\n    targets:");
		put_yaml_list(b, json_object_get(ch, "targets"), "      ");
		buf_appends(b, "    findings_used:");
		put_yaml_list(b, json_object_get(ch, "findings_used"), "      ");
		buf_appends(b, "    scenario:");
		put_yaml_list(b, json_object_get(ch, "scenario"), "      ");
		buf_appends(b, "    business_impact: ");
		report_put_yaml_string(b, json_string_value(json_object_get(ch, "business_impact")));
		buf_appendc(b, '\n');
	}
	json_decref(chains);
}

/*
 * Appends text as one paragraph on one line: a provider wrote it, so a start that would open
 * another Markdown block (heading, list, quote, fence, table, HTML: ASCII punctuation, or digits
 * then '.' or ')') is backslash-escaped.
 */
static void put_paragraph(struct buf *b, const char *text)
{
	struct buf line;
	buf_init(&line, REPORT_OUTPUT_MAX);
	report_put_line(&line, text);
	const char *s = buf_str(&line);
	s += strspn(s, " ");
	size_t digits = strspn(s, "0123456789");
	if (digits && (s[digits] == '.' || s[digits] == ')')) {
		buf_append(b, s, digits);
		s += digits;
	}
	/* CommonMark lets a backslash escape any ASCII punctuation character. */
	if (*s && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", *s))
		buf_appendc(b, '\\');
	buf_appends(b, s);
	buf_release(&line);
}

/* The analysis's executive summary (its "## Executive Summary" section), when it has one. */
static void put_executive_summary(struct buf *b, const struct run_analysis *a)
{
	const char *head = "## Executive Summary\n";
	const char *at = a->content ? strstr(a->content, head) : NULL;
	if (!at)
		return;
	at += strlen(head);
	const char *end = strstr(at, "\n## ");
	size_t len = end ? (size_t)(end - at) : strlen(at);
	char *text = xstrndup(at, len);
	buf_appends(b, "# Executive Summary\n\n");
	put_paragraph(b, text);
	buf_appends(b, "\n\n");
	free(text);
}

static void put_front_matter(struct buf *b, const struct fix_request *req, const struct report_host *t,
			     size_t nt)
{
	char date[16];
	clock_date(req->scan_date, date);
	buf_appends(b, "---\nformat: security-fix/v1\nscanner: ");
	report_put_yaml_string(b, req->scanner);
	buf_appends(b, "\nscan_id: ");
	report_put_yaml_string(b, req->scan_id);
	buf_appendf(b, "\nscan_date: \"%s\"\ntargets:%s\n", date, nt ? "" : " []");
	for (size_t i = 0; i < nt; i++) {
		struct severity_counts c;
		report_count(req->findings, req->nfindings, t[i].host, &c);
		buf_appends(b, "  - host: ");
		report_put_yaml_string(b, t[i].host);
		buf_appends(b, "\n    label: ");
		report_put_yaml_string(b, t[i].rt ? t[i].rt->label : "");
		buf_appendf(b, "\n    risk_grade: %c\n    severity_counts: {", report_grade_counts(&c));
		for (int sev = SEV_CRITICAL; sev >= SEV_INFO; sev--)
			buf_appendf(b, "%s%s: %" PRId64, sev == SEV_CRITICAL ? "" : ", ",
				    severity_key((enum severity)sev), c.count[sev]);
		buf_appends(b, "}\n");
		const struct run_target *rt = t[i].rt;
		if (rt && ((rt->server && *rt->server) || (rt->framework && *rt->framework) ||
			   (rt->language && *rt->language) || (rt->hosting && *rt->hosting))) {
			bool first = true;
			buf_appends(b, "    tech_stack: {");
			put_stack_item(b, &first, "server", rt->server);
			put_stack_item(b, &first, "framework", rt->framework);
			put_stack_item(b, &first, "language", rt->language);
			put_stack_item(b, &first, "hosting", rt->hosting);
			buf_appends(b, "}\n");
		}
	}
	if (req->analysis)
		put_analysis_front(b, req->analysis);
	buf_appends(b, "---\n\n");
}

static void put_target(struct buf *b, const struct fix_request *req, const struct report_host *t,
		       const struct finding **sorted, int *fix_no)
{
	struct severity_counts c;
	report_count(req->findings, req->nfindings, t->host, &c);
	buf_appends(b, "# Security Fixes: ");
	report_put_line(b, t->host);
	buf_appendf(b, "\n\nRisk grade **%c**: %" PRId64 " critical, %" PRId64 " high, %" PRId64
		       " medium, %" PRId64 " low, %" PRId64 " info.\n\n",
		    report_grade_counts(&c), c.count[SEV_CRITICAL], c.count[SEV_HIGH],
		    c.count[SEV_MEDIUM], c.count[SEV_LOW], c.count[SEV_INFO]);

	size_t ng;
	struct fix_group *groups = make_groups(sorted, req->nfindings, t->host, &ng);
	if (ng == 0)
		buf_appends(b, "Nothing to fix on this target.\n\n");
	for (size_t i = 0; i < ng; i++) {
		const struct finding *first = groups[i].items[0];
		buf_appendf(b, "## FIX-%d: ", ++*fix_no);
		group_title(b, &groups[i]);
		buf_appendf(b, " [%s]\n\n**Target:** ", severity_name(first->severity));
		report_put_line(b, t->host);
		if (groups[i].n == 1 && first->location && *first->location) {
			buf_appends(b, " at ");
			report_put_code(b, first->location);
		}
		buf_appends(b, " (check ");
		report_put_code(b, first->check);
		buf_appends(b, ")\n\n");
		put_problem(b, &groups[i]);
		put_remedy(b, &groups[i], t->rt);
	}
	free_groups(groups, ng);

	bool info_head = false;
	for (size_t i = 0; i < req->nfindings; i++) {
		const struct finding *f = sorted[i];
		if (f->severity != SEV_INFO || !f->target || strcasecmp(f->target, t->host) != 0)
			continue;
		if (!info_head)
			buf_appends(b, "## Informational\n\n");
		info_head = true;
		buf_appends(b, "- ");
		report_put_line(b, f->title);
		if (f->location && *f->location) {
			buf_appends(b, " at ");
			report_put_code(b, f->location);
		}
		buf_appendc(b, '\n');
	}
	if (info_head)
		buf_appendc(b, '\n');
}

char *report_fix_markdown(const struct fix_request *req)
{
	struct buf b;
	size_t nt;
	int fix_no = 0;
	buf_init(&b, REPORT_OUTPUT_MAX);
	struct report_host *targets = report_hosts(req->targets, req->ntargets, req->findings,
						   req->nfindings, req->only_target, &nt);
	const struct finding **sorted = report_sorted(req->findings, req->nfindings);
	if (!req->legacy)
		put_front_matter(&b, req, targets, nt);
	if (req->analysis)
		put_executive_summary(&b, req->analysis);
	for (size_t i = 0; i < nt; i++)
		put_target(&b, req, &targets[i], sorted, &fix_no);
	if (nt == 0)
		buf_appends(&b, "# Security Fixes\n\nNo target matches.\n");
	free(sorted);
	free(targets);
	return buf_detach(&b, NULL);
}
