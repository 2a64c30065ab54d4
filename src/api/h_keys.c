#include "base/common.h"
#include "api/internal.h"
#include "service/keys.h"

#define KEY_LABEL_MAX 200

int h_keys_list(struct api_req *r)
{
	struct api_key *keys = NULL;
	size_t n = 0;
	int rc = store_key_list(r->srv->store, r->who.account_id, &keys, &n);
	if (rc)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct api_key *k = &keys[i];
		json_array_append_new(
			items, json_pack("{s:o, s:s, s:s, s:o, s:o, s:o, s:b}", "id", api_id_json(k->id),
					 "prefix", k->prefix, "label", k->label ? k->label : "",
					 "created_at", api_time_json(k->created_at), "last_used_at",
					 api_time_json(k->last_used_at), "revoked_at",
					 api_time_json(k->revoked_at), "revoked", k->revoked_at != 0));
	}
	api_key_array_free(keys, n);
	api_reply_json(r, 200, json_pack("{s:o}", "keys", items));
	return 0;
}

int h_keys_create(struct api_req *r)
{
	const char *label;
	char key[KEYS_LEN + 1];
	int64_t id;
	int rc = 0;

	json_t *body = api_body_object(r, true);
	if (!body)
		return 0;
	if (api_member_string(r, body, "label", KEY_LABEL_MAX, &label))
		goto out;
	rc = keys_create(r->srv->store, r->who.account_id, label, key, &id);
	if (rc)
		goto out;
	char prefix[KEYS_DISPLAY_LEN + 1];
	memcpy(prefix, key, KEYS_DISPLAY_LEN);
	prefix[KEYS_DISPLAY_LEN] = '\0';
	api_reply_json(r, 201, json_pack("{s:o, s:s, s:s, s:s, s:s}", "id", api_id_json(id), "key", key,
					 "prefix", prefix, "label", label ? label : "", "note",
					 "Store this key now: it is shown only once."));
	memset(key, 0, sizeof(key));
out:
	json_decref(body);
	return rc;
}

int h_keys_revoke(struct api_req *r)
{
	int64_t id;
	if (!api_id_param(r, &id))
		return 0;
	int rc = store_key_revoke(r->srv->store, r->who.account_id, id);
	if (rc == SS_ENOTFOUND) {
		api_reply_error(r, 404, "not found");
		return 0;
	}
	if (rc)
		return rc;
	auth_forget_key(r->srv->auth, id);
	api_reply_json(r, 200, json_pack("{s:o, s:b}", "id", api_id_json(id), "revoked", 1));
	return 0;
}
