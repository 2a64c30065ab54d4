#include "base/common.h"
#include "report/report.h"
#include "report/internal.h"
#include "base/clock.h"

/* A NULL field becomes "" so that every key is always a string. */
static json_t *jstr(const char *s)
{
	return report_json_string(s);
}

static json_t *jtime(int64_t t)
{
	char iso[32];
	clock_iso8601((time_t)t, iso);
	return json_string(iso);
}

json_t *report_finding_json(const struct finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "target", jstr(f->target));
	json_object_set_new(o, "severity", json_string(severity_name(f->severity)));
	json_object_set_new(o, "category", jstr(f->category));
	json_object_set_new(o, "title", jstr(f->title));
	json_object_set_new(o, "description", jstr(f->description));
	json_object_set_new(o, "evidence", jstr(f->evidence));
	json_object_set_new(o, "tool", jstr(f->tool));
	json_object_set_new(o, "check", jstr(f->check));
	json_object_set_new(o, "seq", json_integer(f->seq));
	json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
	json_object_set_new(o, "location", jstr(f->location));
	return o;
}

static char *member_dup(json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));
	return xstrdup(v ? v : "");
}

int report_finding_parse(json_t *o, struct finding *out)
{
	const char *check = json_string_value(json_object_get(o, "check"));
	const char *fp = json_string_value(json_object_get(o, "fingerprint"));
	enum severity sev;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) || !check || !*check ||
	    severity_parse(json_string_value(json_object_get(o, "severity")), &sev) ||
	    (fp && strlen(fp) >= sizeof(out->fingerprint)))
		return SS_EINVAL;
	out->check = xstrdup(check);
	out->severity = sev;
	out->target = member_dup(o, "target");
	out->category = member_dup(o, "category");
	out->title = member_dup(o, "title");
	out->description = member_dup(o, "description");
	out->evidence = member_dup(o, "evidence");
	out->tool = member_dup(o, "tool");
	out->location = member_dup(o, "location");
	if (fp)
		memcpy(out->fingerprint, fp, strlen(fp) + 1);
	out->seq = json_integer_value(json_object_get(o, "seq"));
	return 0;
}

json_t *report_summary_json(const struct severity_counts *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "total", json_integer(c->total));
	for (int sev = SEV_CRITICAL; sev >= SEV_INFO; sev--)
		json_object_set_new(o, severity_key((enum severity)sev), json_integer(c->count[sev]));
	return o;
}

json_t *report_scan_json(const struct run *run, const struct finding *findings, size_t n,
			 const char *base_url)
{
	json_t *o = json_object();
	json_t *arr = json_array();
	json_object_set_new(o, "run_id", json_string(run->id));
	json_object_set_new(o, "status", jstr(run->status));
	json_object_set_new(o, "started_at", jtime(run->started_at));
	if (run->finished_at)
		json_object_set_new(o, "finished_at", jtime(run->finished_at));
	/* The run's summary, not one of the findings given: with ?since=SEQ they are only the tail. */
	json_object_set_new(o, "summary", report_summary_json(&run->summary));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, report_finding_json(&findings[i]));
	json_object_set_new(o, "findings", arr);
	char *fix = xasprintf("%s/v1/scan/%s/fix", base_url ? base_url : "", run->id);
	json_object_set_new(o, "fix_url", json_string(fix));
	free(fix);
	return o;
}

json_t *report_run_item_json(const struct run *run)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(run->id));
	json_object_set_new(o, "run_id", json_string(run->id));
	json_object_set_new(o, "target", jstr(run->target));
	json_object_set_new(o, "status", jstr(run->status));
	json_object_set_new(o, "started_at", jtime(run->started_at));
	json_object_set_new(o, "finished_at", run->finished_at ? jtime(run->finished_at) : json_null());
	json_object_set_new(o, "summary", report_summary_json(&run->summary));
	return o;
}

/*
 * The grading rule of docs/grading.md. Points: 10 per HIGH, 4 per MEDIUM (at most 20), 1 per LOW
 * (at most 6); the caps keep a long tail of minor findings from outweighing one serious one.
 */
#define GRADE_MEDIUM_CAP 20
#define GRADE_LOW_CAP 6

int report_grade_points(const struct severity_counts *c)
{
	int64_t medium = MIN(c->count[SEV_MEDIUM] * 4, (int64_t)GRADE_MEDIUM_CAP);
	int64_t low = MIN(c->count[SEV_LOW], (int64_t)GRADE_LOW_CAP);
	int64_t high = MIN(c->count[SEV_HIGH], (int64_t)100); /* bounded: no overflow */
	return (int)(high * 10 + medium + low);
}

char report_grade_counts(const struct severity_counts *c)
{
	if (c->count[SEV_CRITICAL] > 0)
		return 'F';
	int points = report_grade_points(c);
	if (points <= 2)
		return 'A';
	if (points <= 8)
		return 'B';
	if (points <= 16)
		return 'C';
	if (points <= 29)
		return 'D';
	return 'F';
}

void report_count(const struct finding *findings, size_t n, const char *target,
		  struct severity_counts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		if (!target || (findings[i].target && strcasecmp(findings[i].target, target) == 0))
			severity_counts_add(out, findings[i].severity);
}

char report_grade(const struct finding *findings, size_t n, const char *target)
{
	struct severity_counts c;
	report_count(findings, n, target, &c);
	return report_grade_counts(&c);
}
