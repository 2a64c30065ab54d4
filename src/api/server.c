#include "base/common.h"
#include "api/internal.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include <netdb.h>
#include <sys/socket.h>

/* Finished runs whose answers are kept: bounded to a few MiB. */
#define SCAN_CACHE_ENTRIES 32
#define SCAN_CACHE_MAX_BODY (256 * 1024)
/* Per-connection memory for request headers and MHD's bookkeeping (larger headers: 431). */
#define API_CONNECTION_MEMORY (8 * 1024)

void api_reply_json(struct api_req *r, unsigned status, json_t *body)
{
	free(r->resp);
	r->resp = json_dumps(body, JSON_COMPACT);
	r->resp_len = r->resp ? strlen(r->resp) : 0;
	r->resp_type = "application/json";
	r->status = status;
	json_decref(body);
}

void api_reply_error(struct api_req *r, unsigned status, const char *message)
{
	api_reply_json(r, status, json_pack("{s:s}", "error", message));
}

void api_reply_quota(struct api_req *r, const char *message)
{
	char *url = xasprintf("%s/billing", r->srv->cfg->public_url);
	api_reply_json(r, 402, json_pack("{s:s, s:s}", "error", message, "upgrade_url", url));
	free(url);
}

bool api_id_param(struct api_req *r, int64_t *id)
{
	long v;
	if (str_to_long(r->params[0], 1, LONG_MAX, &v)) {
		api_reply_error(r, 404, "not found");
		return false;
	}
	*id = v;
	return true;
}

void api_reply_text(struct api_req *r, unsigned status, const char *type, char *text, size_t len)
{
	free(r->resp);
	r->resp = text;
	r->resp_len = len;
	r->resp_type = type;
	r->status = status;
}

const char *api_query(struct api_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_t *api_body_object(struct api_req *r, bool empty_ok)
{
	if (r->body.len == 0 && empty_ok)
		return json_object();
	json_error_t jerr;
	json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		char msg[256];
		snprintf(msg, sizeof(msg), "malformed JSON body: %s", jerr.text);
		api_reply_error(r, 400, msg);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(r, 400, "the request body must be a JSON object");
		return NULL;
	}
	return j;
}

int api_member_string(struct api_req *r, json_t *obj, const char *name, size_t max, const char **out)
{
	json_t *v = json_object_get(obj, name);
	char msg[128];
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(msg, sizeof(msg), "field '%s' must be a string", name);
		api_reply_error(r, 400, msg);
		return SS_EINVAL;
	}
	if (json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(msg, sizeof(msg), "field '%s' must be at most %zu bytes, without NUL", name, max);
		api_reply_error(r, 400, msg);
		return SS_EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

json_t *api_time_json(int64_t t)
{
	if (!t)
		return json_null();
	char when[40];
	clock_iso8601((time_t)t, when);
	return json_string(when);
}

json_t *api_id_json(int64_t id)
{
	char text[24];
	snprintf(text, sizeof(text), "%" PRId64, id);
	return json_string(text);
}

/* Sends the answer prepared in r. */
static enum MHD_Result send_reply(struct api_req *r)
{
	if (r->stream) {
		enum MHD_Result ret = MHD_queue_response(r->conn, 200, r->stream);
		MHD_destroy_response(r->stream);
		r->stream = NULL;
		return ret;
	}
	if (!r->resp) {
		/* A handler that set no answer is a bug: say so rather than hang the client. */
		log_error("no answer prepared for %s", r->route ? r->route->operation_id : "request");
		api_reply_error(r, 500, "internal");
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->resp_len, r->resp,
								    MHD_RESPMEM_MUST_FREE);
	r->resp = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->resp_type);
	if (r->retry_after[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, r->retry_after);
	if (r->allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	enum MHD_Result ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void dispatch(struct api_req *r, const char *method, const char *url)
{
	struct api_server *srv = r->srv;

	switch (routes_match(method, url, &r->route, r->params, r->allow, sizeof(r->allow))) {
	case ROUTE_NOT_FOUND:
		api_reply_error(r, 404, "not found");
		return;
	case ROUTE_BAD_METHOD:
		api_reply_error(r, 405, "method not allowed");
		return;
	case ROUTE_FOUND:
		break;
	}
	if (r->body_too_large) {
		char msg[96];
		snprintf(msg, sizeof(msg), "request body too large (at most %ld bytes)", srv->cfg->max_body);
		api_reply_error(r, 413, msg);
		return;
	}
	if (r->route->auth) {
		long retry = 0;
		const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
								MHD_HTTP_HEADER_AUTHORIZATION);
		int rc = auth_request(srv->auth, authz, &r->who, &retry);
		if (rc == AUTH_UNAUTHORIZED) {
			api_reply_error(r, 401, "unauthorized");
			return;
		}
		if (rc == AUTH_RATE_LIMITED) {
			snprintf(r->retry_after, sizeof(r->retry_after), "%ld", retry);
			api_reply_json(r, 429, json_pack("{s:s, s:i}", "error", "rate limit", "retry_after",
							 (json_int_t)retry));
			return;
		}
		if (rc < 0) {
			log_error("%s: authentication failed: %s", r->route->operation_id, ss_strerror(rc));
			api_reply_error(r, 500, "internal");
			return;
		}
	}
	int rc = r->route->fn(r);
	if (rc < 0) {
		/* The run id (when the route has one) lets an operator find the failure in the log. */
		log_error("%s %s failed: %s%s%s", method, url, ss_strerror(rc),
			  r->params[0][0] ? " id=" : "", r->params[0]);
		api_reply_error(r, 500, "internal");
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct api_server *srv = cls;
	struct api_req *r = *con_cls;

	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->srv = srv;
		r->conn = conn;
		buf_init(&r->body, (size_t)srv->cfg->max_body);
		*con_cls = r;
		/* A body announced too large is refused before it is read (a deliberate early answer). */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		long n;
		if (cl && str_to_long(cl, 0, LONG_MAX, &n) == 0 && n > srv->cfg->max_body) {
			r->body_too_large = true;
			dispatch(r, method, url);
			return send_reply(r);
		}
		/* Everything else is answered on a later call: answering now would close the connection. */
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->body_too_large && buf_append(&r->body, upload_data, *upload_size))
			r->body_too_large = true;
		*upload_size = 0;
		return MHD_YES;
	}
	dispatch(r, method, url);
	return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct api_req *r = *con_cls;
	if (!r)
		return;
	buf_release(&r->body);
	free(r->resp);
	free(r);
	*con_cls = NULL;
}

/* Resolves "ADDR:PORT" / "[V6]:PORT" into a socket address for the listener. */
static int listen_address(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen || !colon[1])
		return SS_EINVAL;
	size_t hl = (size_t)(colon - listen);
	if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return SS_EINVAL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	if (getaddrinfo(host, colon + 1, &hints, &res) || !res)
		return SS_EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("http: %s", msg);
	free(msg);
}

struct api_server *api_server_start(struct store *store, struct runs *runs,
				    const struct service_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (listen_address(cfg->listen, &ss, &sslen)) {
		log_error("invalid listen address '%s' (expected ADDR:PORT)", cfg->listen);
		return NULL;
	}
	struct api_server *srv = xcalloc(1, sizeof(*srv));
	srv->store = store;
	srv->runs = runs;
	srv->cfg = cfg;
	srv->auth = auth_new(store, cfg->rate, cfg->burst);
	srv->scan_cache = scan_cache_new(SCAN_CACHE_ENTRIES, SCAN_CACHE_MAX_BODY);
	srv->openapi = openapi_build(cfg->public_url);
	srv->openapi_len = strlen(srv->openapi);
	const char *host = strstr(cfg->public_url, "://");
	srv->scanner = xstrdup(host ? host + 3 : cfg->public_url);
	srv->sse = sse_hub_new(srv);

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO |
			 MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		/* libmicrohttpd clears this per-connection pool on every request: 32 KiB (the default)
		 * cost an eighth of the CPU of a cached GET. API requests have small headers. */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONNECTION_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		log_error("cannot listen on %s", cfg->listen);
		api_server_stop(srv);
		return NULL;
	}
	log_info("listening on %s (public URL %s)", cfg->listen, cfg->public_url);
	return srv;
}

void api_server_stop(struct api_server *srv)
{
	if (!srv)
		return;
	if (srv->sse)
		sse_hub_shutdown(srv->sse);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	sse_hub_free(srv->sse);
	auth_free(srv->auth);
	scan_cache_free(srv->scan_cache);
	free(srv->openapi);
	free(srv->scanner);
	free(srv);
}
