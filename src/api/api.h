#ifndef API_API_H
#define API_API_H
#include "base/common.h"
#include "service/config.h"
#include "service/runs.h"
#include "store/store.h"

/*
 * The REST API of `secscan serve` (spec/api-reference.txt) on libmicrohttpd: a route table that
 * drives both dispatch and GET /v1/openapi.json, bearer-key authentication, per-key rate limits,
 * plan quotas, and the spec's JSON error shapes.
 */

struct api_server;

/* Listens on cfg->listen and serves until api_server_stop. store, runs and cfg must outlive the
 * server. NULL (reason logged) when it cannot listen. */
struct api_server *api_server_start(struct store *store, struct runs *runs,
				    const struct service_config *cfg);
/* Stops accepting, finishes the requests in flight and frees the server. */
void api_server_stop(struct api_server *srv);

/* Writes "METHOD PATH operationId" for every route the router knows, one per line. */
void api_routes_write(FILE *out);

#endif
