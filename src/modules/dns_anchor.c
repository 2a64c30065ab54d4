#include "base/common.h"
#include "base/buf.h"
#include "base/str.h"
#include "engine/rules_embedded.h"
#include "modules/dns_anchor.h"
#include "modules/dns_wire.h"
#include <jansson.h>
#include <unbound.h>

/* An anchor file holds a few keys; anything this large is not one. */
#define ANCHOR_FILE_MAX (1024 * 1024)

int dns_anchor_add_root(struct ub_ctx *ub)
{
	const struct embedded_file *f = rules_embedded_find("dns/root-anchors.json");
	if (!f)
		return SS_ENOTFOUND;
	json_t *root = json_loadb(f->data, f->len, 0, NULL);
	json_t *arr = json_object_get(root, "anchors");
	size_t i, added = 0;
	json_t *a;
	json_array_foreach(arr, i, a) {
		if (json_is_string(a) && ub_ctx_add_ta(ub, json_string_value(a)) == 0)
			added++;
	}
	json_decref(root);
	return added ? 0 : SS_EINVAL;
}

int dns_anchor_add_file(struct ub_ctx *ub, const char *path)
{
	return ub_ctx_add_ta_file(ub, path);
}

/* True when a line of the file (comments after ';' aside) has the type DS or DNSKEY. */
static bool has_anchor_record(char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *semi = strchr(line, ';'), *tsave = NULL;
		if (semi)
			*semi = '\0';
		for (char *tok = strtok_r(line, " \t\r", &tsave); tok; tok = strtok_r(NULL, " \t\r", &tsave))
			if (!strcasecmp(tok, "DS") || !strcasecmp(tok, "DNSKEY"))
				return true;
	}
	return false;
}

/* Lets libunbound read the file, catching its first error message into why. */
static int unbound_reads(const char *path, char *why, size_t whylen)
{
	char logbuf[1024] = "";
	FILE *out = fmemopen(logbuf, sizeof(logbuf) - 1, "w");
	struct ub_ctx *ub = ub_ctx_create();
	if (!ub) {
		if (out)
			fclose(out);
		str_copy(why, whylen, "cannot create a libunbound context");
		return SS_EINVAL;
	}
	if (out)
		ub_ctx_debugout(ub, out);
	struct ub_result *res = NULL;
	int rc = ub_ctx_add_ta_file(ub, path);
	if (!rc)
		rc = ub_resolve(ub, "localhost", DNS_A, 1, &res); /* a local zone: applies the settings, asks no one */
	if (res)
		ub_resolve_free(res);
	/* libunbound's log stream is process-wide: hand it back before ours goes */
	ub_ctx_debugout(ub, stderr);
	ub_ctx_delete(ub);
	if (out)
		fclose(out);
	if (!rc)
		return 0;
	const char *msg = strstr(logbuf, "error: ");
	if (msg) {
		msg += strlen("error: ");
		snprintf(why, whylen, "%.*s", (int)strcspn(msg, "\n"), msg);
	} else {
		str_copy(why, whylen, ub_strerror(rc));
	}
	return SS_EINVAL;
}

int dns_anchor_file_check(const char *path, char *err, size_t errlen)
{
	struct buf b;
	buf_init(&b, ANCHOR_FILE_MAX);
	int rc = buf_read_file(&b, path);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, rc == SS_ETOOBIG ? "larger than 1 MiB" : "cannot be read");
	} else if (!b.len || !has_anchor_record(b.data)) {
		snprintf(err, errlen, "%s: no DS or DNSKEY record", path);
		rc = SS_EINVAL;
	} else {
		char why[400];
		rc = unbound_reads(path, why, sizeof(why));
		if (rc)
			snprintf(err, errlen, "%s: %s", path, why);
	}
	buf_release(&b);
	return rc;
}
