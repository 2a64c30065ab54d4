#ifndef API_INTERNAL_H
#define API_INTERNAL_H
/* Shared by the files of src/api only: the request, the route table, handlers and helpers. */
#include "base/common.h"
#include "base/buf.h"
#include "api/api.h"
#include "api/auth.h"
#include "api/scan_cache.h"
#include <jansson.h>
#include <microhttpd.h>

#define API_MAX_PARAMS 2
#define API_PARAM_MAX 64

struct api_server {
	struct MHD_Daemon *daemon;
	struct store *store;
	struct runs *runs;
	const struct service_config *cfg;
	struct auth_cache *auth;
	struct scan_cache *scan_cache; /* answers of finished runs */
	char *openapi; /* the document, built once at start */
	size_t openapi_len;
	char *scanner; /* public host for SECURITY-FIX.md ("secscan.example.com") */
	struct sse_hub *sse; /* the open event streams */
};

/* Event streams (sse.c): the heartbeat thread and the list of open streams. */
struct sse_hub *sse_hub_new(struct api_server *srv);
/* Ends every stream (resuming parked connections, as libmicrohttpd must not stop with any). */
void sse_hub_shutdown(struct sse_hub *h);
/* Frees the hub once libmicrohttpd has released every stream. */
void sse_hub_free(struct sse_hub *h);

struct api_req;
typedef int (*api_handler)(struct api_req *r);

struct route_query {
	const char *name;
	const char *type; /* JSON schema type */
	const char *description;
};

struct route {
	const char *method;
	const char *pattern; /* "/v1/scan/{run_id}": a {name} segment captures a path parameter */
	api_handler fn;
	const char *operation_id;
	const char *summary;
	bool auth;
	int ok_status;
	const char *ok_type;      /* content type of the success answer */
	const char *body_schema;  /* JSON schema text of the request body, or NULL */
	const char *errors;       /* extra error statuses the route answers, e.g. "400 402" */
	const struct route_query *query; /* terminated by a NULL name; may be NULL */
};

extern const struct route api_routes[];
extern const size_t api_nroutes;

enum route_match { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/*
 * Finds the route for method and path, filling params with the path parameters. On
 * ROUTE_BAD_METHOD, allow receives the methods the path accepts ("GET, POST").
 */
enum route_match routes_match(const char *method, const char *path, const struct route **route,
			      char params[API_MAX_PARAMS][API_PARAM_MAX], char *allow, size_t allowlen);

/* The OpenAPI 3.1 document of the route table, as compact JSON; caller frees. */
char *openapi_build(const char *public_url);

struct api_req {
	struct api_server *srv;
	struct MHD_Connection *conn;
	const struct route *route;
	char params[API_MAX_PARAMS][API_PARAM_MAX];
	struct buf body;
	bool body_too_large;
	struct auth_identity who;
	/* the answer */
	unsigned status;
	char *resp;
	size_t resp_len;
	const char *resp_type;
	char retry_after[24];
	char allow[64];
	struct MHD_Response *stream; /* a streamed answer (200) instead of resp, when set */
};

/* Answers with a JSON value (reference stolen). */
void api_reply_json(struct api_req *r, unsigned status, json_t *body);
/* Answers {"error": message}. */
void api_reply_error(struct api_req *r, unsigned status, const char *message);
/* Answers 402 in the spec's shape: the reason and where to upgrade (PUBLIC_URL/billing). */
void api_reply_quota(struct api_req *r, const char *message);
/* Parses the numeric id path parameter; false (after answering 404) when it is not one. */
bool api_id_param(struct api_req *r, int64_t *id);
/* Answers with text (ownership taken) of the given content type. */
void api_reply_text(struct api_req *r, unsigned status, const char *type, char *text, size_t len);
/* A query-string argument, or NULL. */
const char *api_query(struct api_req *r, const char *name);
/*
 * Decodes the request body as a JSON object (duplicate keys rejected). NULL after answering 400
 * when it is not one. An empty body gives an empty object when empty_ok.
 */
json_t *api_body_object(struct api_req *r, bool empty_ok);
/*
 * Reads an optional string member; answers 400 and returns SS_EINVAL when it is present but not a
 * string or longer than max bytes. *out is NULL when absent.
 */
int api_member_string(struct api_req *r, json_t *obj, const char *name, size_t max, const char **out);
/* Reads the account's run of the {run_id} parameter; SS_ENOTFOUND after answering 404. */
int api_get_run(struct api_req *r, struct run *run);
/* "2026-04-12T10:00:00+00:00" as a JSON string, or null for 0. */
json_t *api_time_json(int64_t t);
/* An id as the API shows ids: a JSON string of the number. */
json_t *api_id_json(int64_t id);

/* Handlers (one per route). */
int h_scan_start(struct api_req *r);
int h_scan_get(struct api_req *r);
/* GET /v1/scan/{run_id}?format=sarif|junit (h_scan_ci.c). */
int h_scan_get_ci(struct api_req *r, const char *format);
/* GET /v1/scan/{run_id}?compare=previous|RUN_ID (h_scan_compare.c). */
int h_scan_get_compare(struct api_req *r, const char *compare, int64_t since);
int h_scan_abort(struct api_req *r);
/* POST /v1/scan/{run_id}/analyze (h_analyze.c). */
int h_scan_analyze(struct api_req *r);
/* GET /v1/scan/{run_id}/events (sse.c). */
int h_scan_events(struct api_req *r);
int h_scan_fix(struct api_req *r);
int h_runs_list(struct api_req *r);
int h_targets_list(struct api_req *r);
int h_targets_create(struct api_req *r);
int h_targets_delete(struct api_req *r);
int h_keys_list(struct api_req *r);
int h_keys_create(struct api_req *r);
int h_keys_revoke(struct api_req *r);
int h_openapi(struct api_req *r);
int h_healthz(struct api_req *r);

#endif
