#include "base/common.h"
#include "report/analysis.h"
#include "report/internal.h"
#include "report/report.h"
#include <curl/curl.h>

/*
 * The Anthropic provider: one Messages API call (POST BASE/v1/messages) with the run's findings,
 * asking for one JSON object {"content": Markdown, "risk_score": 0-100, "attack_chains": [...]}
 * (the chains optional: without them, the local rules' stand). The answer is validated strictly;
 * anything else is an error, and analysis_run falls back to the local provider.
 */

#define ANTHROPIC_VERSION "2023-06-01"
#define ANSWER_MAX ((size_t)1 << 20)
#define PROMPT_FINDINGS_MAX 200
#define PROMPT_EVIDENCE_MAX 200
#define MAX_TOKENS 4096

static const char system_prompt[] =
	"You are a security analyst. You get the findings of an external security scan of a web "
	"application, and the attack chains secscan's rules derived from them. Write an assessment "
	"for the application's developers. Answer with exactly one JSON object and nothing else: "
	"{\"content\": \"<Markdown>\", \"risk_score\": <integer 0-100>, \"attack_chains\": "
	"[{\"name\": \"...\", \"severity\": \"CRITICAL|HIGH|MEDIUM|LOW\", \"findings_used\": "
	"[\"<check id of a finding>\"], \"scenario\": [\"<step>\"], \"business_impact\": \"...\"}]}. "
	"The Markdown must have the sections '# Security Assessment', '## Executive Summary', "
	"'## Attack Chains' (each chain: the findings it uses, a 3-5 step scenario, the business "
	"impact) and '## Fix Plan' (ordered, most urgent first). attack_chains lists the chains of "
	"your assessment (at most 20; leave the key out to keep the given ones). Use only the "
	"findings given; do not invent any.";

/* The user message: the findings (evidence cut; it is redacted already) and the local chains. */
static char *build_prompt(const char *run_id, const struct finding *findings, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n && i < PROMPT_FINDINGS_MAX; i++) {
		const struct finding *f = &findings[i];
		char ev[PROMPT_EVIDENCE_MAX + 1];
		snprintf(ev, sizeof(ev), "%s", f->evidence ? f->evidence : "");
		json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "severity",
						      severity_name(f->severity), "category",
						      report_json_string(f->category), "check",
						      report_json_string(f->check), "title",
						      report_json_string(f->title), "target",
						      report_json_string(f->target), "location",
						      report_json_string(f->location), "evidence",
						      report_json_string(ev)));
	}
	json_t *msg = json_pack("{s:s, s:I, s:o, s:o}", "run_id", run_id, "total_findings",
				(json_int_t)n, "findings", list, "attack_chains",
				analysis_chains(findings, n));
	char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	return text;
}

static size_t answer_write(char *data, size_t size, size_t n, void *ud)
{
	return buf_append(ud, data, size * n) ? 0 : size * n;
}

/*
 * The assessment inside a Messages API answer: content[0] must be a text block holding one JSON
 * object with a "content" string that has the four sections, an integer "risk_score" 0-100 and
 * optionally "attack_chains" over the findings (analysis_chains_given); without them, the local
 * rules' chains.
 */
static int parse_answer(const char *body, size_t len, const struct finding *findings, size_t n,
			struct run_analysis *out, char *err, size_t errlen)
{
	json_t *doc = json_loadb(body, len, 0, NULL), *inner = NULL;
	int rc = SS_EINVAL;
	json_t *block = json_array_get(json_object_get(doc, "content"), 0);
	const char *text = json_string_value(json_object_get(block, "text"));
	if (!text) {
		snprintf(err, errlen, "the answer has no text block");
		goto out;
	}
	inner = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const char *md = json_string_value(json_object_get(inner, "content"));
	json_t *score = json_object_get(inner, "risk_score");
	if (!json_is_object(inner) || !md || !json_is_integer(score) || json_integer_value(score) < 0 ||
	    json_integer_value(score) > 100) {
		snprintf(err, errlen, "the model's text is not {\"content\": string, \"risk_score\": 0-100}");
		goto out;
	}
	const char *sections[] = {"# Security Assessment", "## Executive Summary", "## Attack Chains",
				  "## Fix Plan"};
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (!strstr(md, sections[i])) {
			snprintf(err, errlen, "the assessment lacks the section '%s'", sections[i]);
			goto out;
		}
	json_t *given = json_object_get(inner, "attack_chains");
	json_t *chains = given ? analysis_chains_given(given, findings, n, err, errlen)
			       : analysis_chains(findings, n);
	if (!chains)
		goto out;
	out->chains = json_dumps(chains, JSON_COMPACT);
	json_decref(chains);
	out->content = xstrdup(md);
	out->risk_score = json_integer_value(score);
	rc = 0;
out:
	json_decref(inner);
	json_decref(doc);
	return rc;
}

static int anthropic_analyze(const struct analysis_options *o, const char *run_id,
			     const struct finding *findings, size_t n, struct run_analysis *out,
			     char *err, size_t errlen)
{
	const char *key = o && o->api_key && *o->api_key ? o->api_key : getenv("ANTHROPIC_API_KEY");
	if (!o || !key || !*key || !o->base_url || !o->model) {
		snprintf(err, errlen, "no API key (set [analysis] api_key or ANTHROPIC_API_KEY)");
		return SS_EINVAL;
	}
	char *prompt = build_prompt(run_id, findings, n);
	json_t *req = json_pack("{s:s, s:i, s:s, s:[{s:s, s:s}]}", "model", o->model, "max_tokens",
				MAX_TOKENS, "system", system_prompt, "messages", "role", "user",
				"content", prompt);
	free(prompt);
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	char *url = xasprintf("%s/v1/messages", o->base_url);
	char *auth = xasprintf("x-api-key: %s", key);
	struct curl_slist *hdrs = curl_slist_append(NULL, auth);
	hdrs = curl_slist_append(hdrs, "anthropic-version: " ANTHROPIC_VERSION);
	hdrs = curl_slist_append(hdrs, "content-type: application/json");
	struct buf answer;
	buf_init(&answer, ANSWER_MAX);
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, answer_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 60000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	int rc = SS_EIO;
	if (cc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_easy_strerror(cc));
	else if (status != 200)
		snprintf(err, errlen, "the Messages API answered %ld", status);
	else
		rc = parse_answer(answer.data ? answer.data : "", answer.len, findings, n, out, err,
				  errlen);
	if (rc == 0)
		out->model = xstrdup(o->model);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	buf_release(&answer);
	free(auth);
	free(url);
	free(body);
	return rc;
}

const struct analysis_provider analysis_anthropic = {"anthropic", anthropic_analyze};
