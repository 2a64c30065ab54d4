#include "base/common.h"
#include "api/internal.h"
#include "base/str.h"

static const char scan_body[] =
	"{\"type\":\"object\",\"required\":[\"host\"],\"properties\":{"
	"\"host\":{\"type\":\"string\",\"description\":\"URL or hostname (with or without scheme) or IP\"},"
	"\"label\":{\"type\":\"string\",\"description\":\"Free-text label (e.g. production)\"}}}";
static const char key_body[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"label\":{\"type\":\"string\",\"description\":\"Free-text label of the key\"}}}";

static const struct route_query scan_query[] = {
	{"since", "integer", "Only findings with a sequence number greater than this"},
	{"format", "string", "json (default), sarif (a SARIF 2.1.0 log) or junit (JUnit XML)"},
	{"fail_on", "string", "junit: a check fails at or above this severity (default HIGH)"},
	{"compare", "string", "previous (the last completed run of the same target) or a run id: "
			      "marks findings new or unchanged and lists the fixed ones"},
	{NULL, NULL, NULL},
};
static const struct route_query fix_query[] = {
	{"target", "string", "Only this target's findings (multi-target runs)"},
	{"format", "string", "auto (security-fix/v1 front matter, default) or legacy (no front matter)"},
	{NULL, NULL, NULL},
};

#define JSON "application/json"

/* The one table that drives both dispatch and GET /v1/openapi.json. */
const struct route api_routes[] = {
	{"POST", "/v1/scan", h_scan_start, "startScan", "Start a scan of a URL, hostname or IP", true,
	 201, JSON, scan_body, "400 402", NULL},
	{"GET", "/v1/scan/{run_id}", h_scan_get, "getScan", "Scan status, summary and findings so far",
	 true, 200, JSON, NULL, "400 404", scan_query},
	{"GET", "/v1/scan/{run_id}/events", h_scan_events, "streamScanEvents",
	 "Server-sent events of a run: finding, status and done (resume with Last-Event-ID)", true, 200,
	 "text/event-stream", NULL, "400 404", NULL},
	{"POST", "/v1/scan/{run_id}/analyze", h_scan_analyze, "analyzeScan",
	 "Analysis of a finished run: assessment, attack chains, fix plan, risk score (cached)", true,
	 200, JSON, NULL, "402 404 409", NULL},
	{"POST", "/v1/scan/{run_id}/abort", h_scan_abort, "abortScan", "Abort a running scan", true,
	 200, JSON, NULL, "404 409", NULL},
	{"GET", "/v1/scan/{run_id}/fix", h_scan_fix, "getFixFile", "Download SECURITY-FIX.md of a run",
	 true, 200, "text/markdown", NULL, "400 404", fix_query},
	{"GET", "/v1/runs", h_runs_list, "listRuns", "The last 50 runs, newest first", true, 200, JSON,
	 NULL, "", NULL},
	{"GET", "/v1/targets", h_targets_list, "listTargets", "List targets", true, 200, JSON, NULL, "",
	 NULL},
	{"POST", "/v1/targets", h_targets_create, "createTarget", "Add a target", true, 201, JSON,
	 scan_body, "400 402 409", NULL},
	{"DELETE", "/api/targets/{id}", h_targets_delete, "deleteTarget", "Remove a target", true, 200,
	 JSON, NULL, "404", NULL},
	{"GET", "/v1/keys", h_keys_list, "listKeys", "List API keys (never their secrets)", true, 200,
	 JSON, NULL, "", NULL},
	{"POST", "/v1/keys", h_keys_create, "createKey", "Create an API key (shown once)", true, 201,
	 JSON, key_body, "400", NULL},
	{"DELETE", "/v1/keys/{id}", h_keys_revoke, "revokeKey", "Revoke an API key", true, 200, JSON,
	 NULL, "404", NULL},
	{"GET", "/v1/openapi.json", h_openapi, "getOpenApi", "This OpenAPI 3.1 document", false, 200,
	 JSON, NULL, "", NULL},
	{"GET", "/healthz", h_healthz, "health", "Liveness check", false, 200, JSON, NULL, "", NULL},
};
const size_t api_nroutes = ARRAY_SIZE(api_routes);

/* Matches path against pattern, capturing {name} segments into params. */
static bool path_matches(const char *pattern, const char *path,
			 char params[API_MAX_PARAMS][API_PARAM_MAX])
{
	int np = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '{') {
			const char *pend = strchr(p, '}');
			size_t n = strcspn(s, "/");
			if (!pend || n == 0 || n >= API_PARAM_MAX || np == API_MAX_PARAMS)
				return false;
			memcpy(params[np], s, n);
			params[np++][n] = '\0';
			p = pend + 1;
			s += n;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return !*p && !*s;
}

enum route_match routes_match(const char *method, const char *path, const struct route **route,
			      char params[API_MAX_PARAMS][API_PARAM_MAX], char *allow, size_t allowlen)
{
	char scratch[API_MAX_PARAMS][API_PARAM_MAX];
	bool path_known = false;
	size_t used = 0;

	allow[0] = '\0';
	/* HEAD is answered as GET without a body (libmicrohttpd drops it). */
	if (!strcmp(method, "HEAD"))
		method = "GET";
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];
		if (!path_matches(rt->pattern, path, scratch))
			continue;
		if (!strcmp(rt->method, method)) {
			memcpy(params, scratch, sizeof(scratch));
			*route = rt;
			return ROUTE_FOUND;
		}
		path_known = true;
		int n = snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", rt->method);
		if (n > 0 && (size_t)n < allowlen - used)
			used += (size_t)n;
	}
	return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

void api_routes_write(FILE *out)
{
	for (size_t i = 0; i < api_nroutes; i++)
		fprintf(out, "%s %s %s\n", api_routes[i].method, api_routes[i].pattern,
			api_routes[i].operation_id);
}
