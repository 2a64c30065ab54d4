#include "base/common.h"
#include "api/internal.h"
#include "service/targets.h"

static json_t *target_json(const struct target *t)
{
	return json_pack("{s:o, s:s, s:s, s:o}", "id", api_id_json(t->id), "host", t->host, "label",
			 t->label ? t->label : "", "created_at", api_time_json(t->created_at));
}

int h_targets_list(struct api_req *r)
{
	struct target *targets = NULL;
	size_t n = 0;
	int rc = store_target_list(r->srv->store, r->who.account_id, &targets, &n);
	if (rc)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, target_json(&targets[i]));
	target_array_free(targets, n);
	api_reply_json(r, 200, json_pack("{s:o}", "targets", items));
	return 0;
}

int h_targets_create(struct api_req *r)
{
	struct api_server *srv = r->srv;
	struct account account = {0};
	struct target t = {0};
	const char *input, *label;
	char *host = NULL;
	char err[512] = "";
	int64_t id = 0;
	int rc = 0;

	json_t *body = api_body_object(r, false);
	if (!body)
		return 0;
	if (api_member_string(r, body, "host", TARGETS_INPUT_MAX, &input) ||
	    api_member_string(r, body, "label", TARGETS_LABEL_MAX, &label))
		goto out;
	if (!input) {
		api_reply_error(r, 400, "missing field: host (a URL, hostname or IP address)");
		goto out;
	}
	if (targets_normalize(input, srv->cfg->allow_private, &host, err, sizeof(err))) {
		api_reply_error(r, 400, err);
		goto out;
	}
	rc = store_account_get(srv->store, r->who.account_id, &account);
	if (rc)
		goto out;
	const struct plan *plan = service_config_plan(srv->cfg, account.plan);
	if (!plan) {
		snprintf(err, sizeof(err), "the account's plan '%s' is not configured", account.plan);
		rc = SS_EDENIED;
	} else {
		rc = targets_add(srv->store, plan, account.id, host, label, &id, err, sizeof(err));
	}
	if (rc == SS_EEXIST) {
		api_reply_json(r, 409, json_pack("{s:s, s:o}", "error", "target exists", "target_id",
						 api_id_json(id)));
		rc = 0;
	} else if (rc == SS_EDENIED) {
		api_reply_quota(r, err);
		rc = 0;
	} else if (rc == 0) {
		rc = store_target_get(srv->store, account.id, id, &t);
		if (rc == 0)
			api_reply_json(r, 201, target_json(&t));
	}
out:
	target_release(&t);
	account_release(&account);
	free(host);
	json_decref(body);
	return rc;
}

int h_targets_delete(struct api_req *r)
{
	int64_t id;
	if (!api_id_param(r, &id))
		return 0;
	int rc = store_target_delete(r->srv->store, r->who.account_id, id);
	if (rc == SS_ENOTFOUND) {
		api_reply_error(r, 404, "not found");
		return 0;
	}
	if (rc)
		return rc;
	api_reply_json(r, 200, json_pack("{s:o, s:b}", "id", api_id_json(id), "deleted", 1));
	return 0;
}
