#include "base/common.h"
#include "api/internal.h"

int h_openapi(struct api_req *r)
{
	api_reply_text(r, 200, "application/json", xstrndup(r->srv->openapi, r->srv->openapi_len),
		       r->srv->openapi_len);
	return 0;
}

int h_healthz(struct api_req *r)
{
	api_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
	return 0;
}
