#include "base/common.h"
#include "api/internal.h"
#include "version.h"

static const struct {
	const char *code;
	const char *description;
} error_docs[] = {
	{"400", "Invalid input (missing field, bad URL, malformed JSON)"},
	{"401", "Missing or invalid API key"},
	{"402", "Plan limit reached"},
	{"404", "Not found, or not your resource"},
	{"409", "Conflict with the current state"},
	{"413", "Request body too large"},
	{"429", "Rate limit; retry after the given seconds"},
};

static json_t *error_response(const char *description)
{
	return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content",
			 "application/json", "schema", "$ref", "#/components/schemas/Error");
}

static void add_error(json_t *responses, const char *code)
{
	for (size_t i = 0; i < ARRAY_SIZE(error_docs); i++)
		if (!strcmp(error_docs[i].code, code))
			json_object_set_new(responses, code, error_response(error_docs[i].description));
}

static json_t *operation(const struct route *rt)
{
	json_t *op = json_pack("{s:s, s:s}", "operationId", rt->operation_id, "summary", rt->summary);
	json_t *params = json_array();

	/* Path parameters, in the order of the pattern. */
	for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		char *name = xstrndup(p + 1, (size_t)(end - p - 1));
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in",
							"path", "required", 1, "schema", "type",
							"string"));
		free(name);
	}
	for (const struct route_query *q = rt->query; q && q->name; q++)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", q->name,
							"in", "query", "required", 0, "description",
							q->description, "schema", "type", q->type));
	if (json_array_size(params))
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);

	if (rt->body_schema) {
		json_t *schema = json_loads(rt->body_schema, 0, NULL);
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b, s:{s:{s:o}}}", "required", strstr(rt->body_schema, "required") != NULL,
					      "content", "application/json", "schema", schema));
	}

	json_t *responses = json_object();
	char code[8];
	snprintf(code, sizeof(code), "%d", rt->ok_status);
	json_object_set_new(responses, code,
			    json_pack("{s:s, s:{s:{s:{}}}}", "description", "OK", "content", rt->ok_type,
				      "schema"));
	char errors[64];
	snprintf(errors, sizeof(errors), "%s%s%s", rt->errors, rt->auth ? " 401 429" : "",
		 rt->body_schema ? " 400 413" : "");
	for (char *save = NULL, *tok = strtok_r(errors, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		add_error(responses, tok);
	json_object_set_new(op, "responses", responses);
	json_object_set_new(op, "security", rt->auth ? json_pack("[{s:[]}]", "bearerAuth") : json_array());
	return op;
}

char *openapi_build(const char *public_url)
{
	json_t *paths = json_object();
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];
		json_t *item = json_object_get(paths, rt->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, rt->pattern, item);
		}
		char method[16];
		snprintf(method, sizeof(method), "%s", rt->method);
		for (char *m = method; *m; m++)
			*m = (char)(*m - 'A' + 'a');
		json_object_set_new(item, method, operation(rt));
	}
	json_t *doc = json_pack(
		"{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:{s:{s:{s:s, s:s, s:s}}, s:{s:{s:s, s:[s], s:{s:{s:s}, s:{s:s}, s:{s:s}}}}}, s:o}",
		"openapi", "3.1.0",
		"info", "title", "secscan API", "version", SECSCAN_VERSION, "description",
		"Self-hosted security scanning: start a scan, poll its findings, download SECURITY-FIX.md.",
		"servers", "url", public_url,
		"components", "securitySchemes", "bearerAuth", "type", "http", "scheme", "bearer",
		"description", "An API key: Authorization: Bearer sk-sec-...",
		"schemas", "Error", "type", "object", "required", "error", "properties", "error", "type",
		"string", "upgrade_url", "type", "string", "retry_after", "type", "integer",
		"paths", paths);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	return text;
}
