#include "base/common.h"
#include "report/report.h"
#include "report/internal.h"

/*
 * Run comparison by fingerprint (check + target + location + discriminator, stable across runs):
 * a finding whose fingerprint the base has is "unchanged", any other is "new", and a base finding
 * whose fingerprint is absent now is "fixed".
 */

static int cmp_fp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted view of fingerprints for bsearch; the strings are borrowed. */
struct fp_index {
	const char **v;
	size_t n;
};

static void index_sort(struct fp_index *ix)
{
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_fp);
}

static bool index_has(const struct fp_index *ix, const char *fp)
{
	return fp && ix->n && bsearch(&fp, ix->v, ix->n, sizeof(*ix->v), cmp_fp);
}

static const char *object_fp(json_t *f)
{
	return json_string_value(json_object_get(f, "fingerprint"));
}

void report_compare_json(json_t *scan, const struct finding *cur, size_t ncur, json_t *base,
			 const char *base_id)
{
	struct fp_index now = {xcalloc(ncur + 1, sizeof(char *)), 0};
	struct fp_index before = {xcalloc(json_array_size(base) + 1, sizeof(char *)), 0};
	json_t *fixed = json_array(), *f;
	size_t i;
	int64_t n_new = 0, n_same = 0;

	for (i = 0; i < ncur; i++)
		now.v[now.n++] = cur[i].fingerprint;
	index_sort(&now);
	json_array_foreach(base, i, f)
		if (object_fp(f))
			before.v[before.n++] = object_fp(f);
	index_sort(&before);

	json_array_foreach(json_object_get(scan, "findings"), i, f) {
		bool same = index_has(&before, object_fp(f));
		json_object_set_new(f, "change", json_string(same ? "unchanged" : "new"));
		same ? n_same++ : n_new++;
	}
	/* A base listing the same fingerprint twice (a hand-edited baseline) lists it fixed once. */
	struct fp_index listed = {xcalloc(json_array_size(base) + 1, sizeof(char *)), 0};
	json_array_foreach(base, i, f) {
		const char *fp = object_fp(f);
		if (!fp || index_has(&now, fp) || index_has(&listed, fp))
			continue;
		json_array_append(fixed, f);
		listed.v[listed.n++] = fp;
		index_sort(&listed);
	}
	json_object_set_new(scan, "compared_to", base_id ? json_string(base_id) : json_null());
	json_object_set_new(scan, "changes", json_pack("{s:I, s:I, s:I}", "new", (json_int_t)n_new,
						       "unchanged", (json_int_t)n_same, "fixed",
						       (json_int_t)json_array_size(fixed)));
	json_object_set_new(scan, "fixed", fixed);
	free(listed.v);
	free(before.v);
	free(now.v);
}

/* A fingerprint as finding.c makes them: 64 lower-case hex digits. */
static bool fingerprint_valid(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 64;
}

json_t *report_baseline_parse(const char *text, size_t len, char **base_id, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *out = NULL, *f;
	size_t i;

	*base_id = NULL;
	if (!doc) {
		snprintf(err, errlen, "not JSON (line %d: %s)", jerr.line, jerr.text);
		return NULL;
	}
	json_t *findings = json_object_get(doc, "findings");
	if (!json_is_array(findings)) {
		snprintf(err, errlen, "no \"findings\" array: expected the output of secscan scan --json");
		goto out;
	}
	json_array_foreach(findings, i, f) {
		if (!json_is_object(f) || !fingerprint_valid(object_fp(f))) {
			snprintf(err, errlen, "finding %zu has no valid \"fingerprint\" (64 hex digits)", i + 1);
			goto out;
		}
	}
	const char *id = json_string_value(json_object_get(doc, "run_id"));
	if (id)
		*base_id = xstrdup(id);
	out = json_incref(findings);
out:
	json_decref(doc);
	return out;
}
