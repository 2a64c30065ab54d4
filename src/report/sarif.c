#include "base/common.h"
#include "report/report.h"
#include "report/internal.h"
#include "base/str.h"
#include "engine/catalogue.h"
#include "version.h"

/* GitHub code scanning ranks alerts by this number (CVSS-like, as a string). */
static const char *const security_severity[SEV_COUNT] = {"0.0", "3.0", "5.5", "8.0", "9.5"};

static const char *sarif_level(enum severity sev)
{
	return sev >= SEV_HIGH ? "error" : sev == SEV_MEDIUM ? "warning" : "note";
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* s as an RFC 3986 URI reference: bytes outside its character set, and a '%' that starts no
 * escape, are percent-encoded. */
static void put_uri(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr("-._~:/?#[]@!$&'()*+,;=", *p) ||
			  (*p == '%' && is_hex((char)p[1]) && is_hex((char)p[2]));
		if (ok)
			buf_appendc(b, (char)*p);
		else
			buf_appendf(b, "%%%02X", *p);
	}
}

/*
 * A file path as a URI: every byte but the unreserved ones, '/' and the sub-delimiters is
 * percent-encoded, so that '%', '?', '#' and ':' in a file name stay part of it. An absolute path
 * becomes a file:// URI; a relative one stays relative (to the repository, as code scanning
 * wants), without a leading "./".
 */
static void put_path_uri(struct buf *b, const char *path)
{
	if (path[0] == '/')
		buf_appends(b, "file://");
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	report_put_pct(b, path, "-._~/!$&'()*+,;=@");
}

/* Findings about a host and port rather than a file or a URL. */
static bool is_network(const struct finding *f)
{
	const char *c = f->category ? f->category : "";
	return !strcmp(c, "network") || !strcmp(c, "tls") || !strcmp(c, "dns");
}

/*
 * The physical location of a finding: a URL as it is; "host:port" of a network finding as the
 * network-path reference "//host:port"; "path:line[:column]" of a file as the path and a region.
 */
static json_t *location_json(const struct finding *f)
{
	const char *loc = f->location && *f->location ? f->location : NULL;
	struct buf uri;
	long line = 0, column = 0;
	buf_init(&uri, REPORT_OUTPUT_MAX);
	if (!loc) {
		buf_appends(&uri, "//");
		put_uri(&uri, f->target ? f->target : "");
	} else if (strstr(loc, "://")) {
		put_uri(&uri, loc);
	} else if (is_network(f)) {
		buf_appends(&uri, "//");
		put_uri(&uri, loc);
	} else {
		char *path = xstrdup(loc);
		/* "path:line:column" (as secscan secrets writes it) or "path:line" */
		long nums[2];
		int k = 0;
		for (char *colon; k < 2 && (colon = strrchr(path, ':')) && colon != path &&
				  str_to_long(colon + 1, 1, INT_MAX, &nums[k]) == 0;
		     k++)
			*colon = '\0';
		if (k == 2) {
			line = nums[1];
			column = nums[0];
		} else if (k == 1) {
			line = nums[0];
		}
		put_path_uri(&uri, path);
		free(path);
	}
	json_t *phys = json_object();
	json_object_set_new(phys, "artifactLocation", json_pack("{s:o}", "uri", report_json_string(buf_str(&uri))));
	if (line > 0) {
		json_t *region = json_pack("{s:I}", "startLine", (json_int_t)line);
		if (column > 0)
			json_object_set_new(region, "startColumn", json_integer(column));
		json_object_set_new(phys, "region", region);
	}
	buf_release(&uri);
	return json_pack("{s:o}", "physicalLocation", phys);
}

/* The catalogue title without its fill-in markers: "{location}" reads "<location>". */
static char *generic_title(const char *t)
{
	struct buf b;
	buf_init(&b, REPORT_OUTPUT_MAX);
	for (const char *p = t ? t : ""; *p; p++) {
		if (*p == '{' && (str_starts_with(p, "{location}") || str_starts_with(p, "{detail}"))) {
			buf_appendc(&b, '<');
			size_t n = strcspn(p + 1, "}");
			buf_append(&b, p + 1, n);
			buf_appendc(&b, '>');
			p += n + 1;
		} else {
			buf_appendc(&b, *p);
		}
	}
	return buf_detach(&b, NULL);
}

/* help {text, markdown}: what to do, the default change, how to verify, references. */
static json_t *help_json(const struct check_def *def)
{
	struct buf text, md;
	buf_init(&text, REPORT_OUTPUT_MAX);
	buf_init(&md, REPORT_OUTPUT_MAX);
	const struct check_fix *fx = check_def_fix_for(def, "default");
	buf_appendf(&text, "%s", def->fix ? def->fix : def->description ? def->description : "");
	buf_appends(&md, "**Fix:** ");
	report_put_line(&md, def->fix ? def->fix : def->description);
	buf_appends(&md, "\n\n");
	if (fx && fx->change && *fx->change) {
		buf_appendf(&text, "\n\nIn %s:\n%s", fx->file ? fx->file : "the configuration",
			    fx->change);
		buf_appends(&md, "**Change** in ");
		report_put_code(&md, fx->file ? fx->file : "the configuration");
		buf_appends(&md, ":\n\n");
		report_put_fence(&md, "", fx->change);
		buf_appendc(&md, '\n');
	}
	if (def->verify && *def->verify) {
		buf_appendf(&text, "\n\nVerify: %s", def->verify);
		buf_appends(&md, "**Verify:** ");
		report_put_code(&md, def->verify);
		buf_appends(&md, "\n\n");
	}
	if (def->nreferences) {
		buf_appends(&text, "\n\nReferences:");
		buf_appends(&md, "**References:** ");
		for (size_t i = 0; i < def->nreferences; i++) {
			buf_appendf(&text, " %s", def->references[i]);
			buf_appends(&md, i ? ", " : "");
			report_put_line(&md, def->references[i]);
		}
	}
	json_t *o = json_pack("{s:o, s:o}", "text", report_json_string(buf_str(&text)), "markdown",
			      report_json_string(buf_str(&md)));
	buf_release(&text);
	buf_release(&md);
	return o;
}

/* tags: "security", the category, and GitHub's "external/cwe/cwe-N" for CWE references. */
static json_t *tags_json(const char *category, const struct check_def *def)
{
	json_t *tags = json_pack("[s]", "security");
	if (category && *category)
		json_array_append_new(tags, report_json_string(category));
	for (size_t i = 0; def && i < def->nreferences; i++) {
		long cwe;
		const char *r = def->references[i];
		if (str_starts_with_nocase(r, "CWE-") && str_to_long(r + 4, 1, 100000, &cwe) == 0)
			json_array_append_new(tags, json_sprintf("external/cwe/cwe-%ld", cwe));
	}
	return tags;
}

/* A rule for the check of f: from the catalogue, or from the finding itself if unknown there. */
static json_t *rule_json(const struct finding *f, enum severity worst)
{
	const struct check_def *def = catalogue_get(f->check ? f->check : "");
	char *title = generic_title(def ? def->title : f->title);
	const char *full = def && def->description ? def->description : f->description;
	json_t *rule = json_object();
	json_object_set_new(rule, "id", report_json_string(f->check));
	json_object_set_new(rule, "shortDescription", json_pack("{s:o}", "text", report_json_string(title)));
	json_object_set_new(rule, "fullDescription",
			    json_pack("{s:o}", "text", report_json_string(full && *full ? full : title)));
	if (def) {
		json_object_set_new(rule, "help", help_json(def));
		for (size_t i = 0; i < def->nreferences; i++)
			if (str_starts_with(def->references[i], "https://")) {
				struct buf u;
				buf_init(&u, REPORT_OUTPUT_MAX);
				put_uri(&u, def->references[i]);
				json_object_set_new(rule, "helpUri", report_json_string(buf_str(&u)));
				buf_release(&u);
				break;
			}
	}
	json_object_set_new(rule, "defaultConfiguration", json_pack("{s:s}", "level", sarif_level(worst)));
	json_object_set_new(rule, "properties",
			    json_pack("{s:s, s:o, s:s}", "security-severity", security_severity[worst],
				      "tags", tags_json(def ? def->category : f->category, def),
				      "precision", "high"));
	free(title);
	return rule;
}

static json_t *result_json(const struct finding *f, size_t rule_index)
{
	struct buf msg;
	buf_init(&msg, REPORT_OUTPUT_MAX);
	buf_appends(&msg, f->title && *f->title ? f->title : f->check ? f->check : "finding");
	if (f->evidence && *f->evidence)
		buf_appendf(&msg, "\nEvidence: %s", f->evidence);
	json_t *r = json_object();
	json_object_set_new(r, "ruleId", report_json_string(f->check));
	json_object_set_new(r, "ruleIndex", json_integer((json_int_t)rule_index));
	json_object_set_new(r, "level", json_string(sarif_level(f->severity)));
	json_object_set_new(r, "message", json_pack("{s:o}", "text", report_json_string(buf_str(&msg))));
	json_object_set_new(r, "locations", json_pack("[o]", location_json(f)));
	json_object_set_new(r, "partialFingerprints",
			    json_pack("{s:s}", "secscanFingerprint/v1", f->fingerprint));
	json_object_set_new(r, "properties",
			    json_pack("{s:s, s:o, s:o, s:o}", "severity", severity_name(f->severity),
				      "category", report_json_string(f->category), "target",
				      report_json_string(f->target), "tool", report_json_string(f->tool)));
	buf_release(&msg);
	return r;
}

json_t *report_sarif_json(const struct finding *findings, size_t n)
{
	const struct finding **sorted = report_sorted(findings, n);
	json_t *rules = json_array(), *results = json_array();
	/* The first finding of each check (in sorted order, so its worst severity) makes the rule. */
	const struct finding **firsts = xcalloc(n ? n : 1, sizeof(*firsts));
	size_t nrules = 0;
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = sorted[i];
		size_t k = 0;
		while (k < nrules && strcmp(firsts[k]->check ? firsts[k]->check : "", f->check ? f->check : ""))
			k++;
		if (k == nrules) {
			firsts[nrules++] = f;
			json_array_append_new(rules, rule_json(f, f->severity));
		}
		json_array_append_new(results, result_json(f, k));
	}
	json_t *driver = json_pack("{s:s, s:s, s:s, s:o}", "name", "secscan", "version", SECSCAN_VERSION,
				   "semanticVersion", SECSCAN_VERSION, "rules", rules);
	json_t *run = json_pack("{s:{s:o}, s:o, s:s}", "tool", "driver", driver, "results", results,
				"columnKind", "utf16CodeUnits");
	free(firsts);
	free(sorted);
	return json_pack("{s:s, s:s, s:[o]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", run);
}
