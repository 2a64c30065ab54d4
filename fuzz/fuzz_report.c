/*
 * libFuzzer harness for the report writers (see README.md). They parse nothing, but every string
 * they write comes from a scanned site or a user: the input is cut at NUL bytes into a target's
 * label, host and stack and a finding's fields, and the outputs must keep their structure.
 */
#include "base/common.h"
#include "base/utf8.h"
#include "engine/catalogue.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_HOST, F_LABEL, F_SERVER, F_FRAMEWORK, F_CHECK, F_TITLE, F_LOCATION, F_EVIDENCE,
       F_DESCRIPTION, F_CATEGORY, NFIELDS };

static bool valid_utf8(const char *s, size_t len, bool xml)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0)
			return false;
		/* XML 1.0 admits no other C0 character, not even escaped. */
		if (xml && cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
			return false;
		i += n;
	}
	return true;
}

/* The front matter has a fixed number of lines: no value can add one or end it early. */
static void check_fix(const char *md, bool has_stack)
{
	if (strncmp(md, "---\n", 4) != 0)
		__builtin_trap();
	const char *end = strstr(md + 3, "\n---\n");
	if (!end)
		__builtin_trap();
	size_t lines = 0;
	for (const char *p = md + 4; p <= end; p++)
		lines += *p == '\n';
	/* format, scanner, scan_id, scan_date, targets; host, label, risk_grade, severity_counts */
	if (lines != 5 + 4 + (has_stack ? 1 : 0))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool loaded;
	if (!loaded) {
		catalogue_load(NULL);
		loaded = true;
	}
	if (size < 1)
		return 0;
	char *copy = xmalloc(size + 1);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	char *fields[NFIELDS];
	char *p = copy, *stop = copy + size - 1;
	for (int i = 0; i < NFIELDS; i++) {
		fields[i] = p;
		p += strlen(p); /* stops at stop at the latest: *stop is NUL */
		if (p < stop)
			p++;
	}
	/* An empty host is not a target; report_hosts skips it, as the store never has one. */
	if (!*fields[F_HOST]) {
		free(copy);
		return 0;
	}

	struct run_target t = {fields[F_HOST], fields[F_LABEL], fields[F_SERVER], fields[F_FRAMEWORK],
			       (char *)"", (char *)""};
	struct finding f = {0};
	f.check = fields[F_CHECK];
	f.target = fields[F_HOST];
	f.severity = (enum severity)(data[0] % SEV_COUNT);
	f.category = fields[F_CATEGORY];
	f.title = fields[F_TITLE];
	f.description = fields[F_DESCRIPTION];
	f.evidence = fields[F_EVIDENCE];
	f.tool = (char *)"fuzz";
	f.location = fields[F_LOCATION];
	f.seq = 1;
	finding_fingerprint(&f, NULL);

	struct fix_request req = {.scanner = fields[F_LABEL], .scan_id = fields[F_CHECK],
				  .targets = &t, .ntargets = 1, .findings = &f, .nfindings = 1};
	char *md = report_fix_markdown(&req);
	if (!valid_utf8(md, strlen(md), false))
		__builtin_trap();
	check_fix(md, *t.server || *t.framework);
	free(md);

	char *xml = report_junit_xml(&t, 1, &f, 1, SEV_LOW);
	if (!valid_utf8(xml, strlen(xml), true))
		__builtin_trap();
	free(xml);

	json_t *sarif = report_sarif_json(&f, 1);
	char *text = json_dumps(sarif, 0);
	if (!text)
		__builtin_trap();
	free(text);
	json_decref(sarif);

	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	report_print_text(fp, &f, 1, false);
	fclose(fp);
	/* No escape sequence of the input reaches the terminal. */
	if (memchr(out, '\033', len))
		__builtin_trap();
	free(out);
	free(copy);
	return 0;
}
