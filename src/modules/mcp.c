#include "base/common.h"
#include "modules/mcp.h"
#include "base/str.h"
#include <jansson.h>

#define MCP_BODY_MAX (1024 * 1024)

/* Whether msg is the JSON-RPC 2.0 answer to request id. */
static bool mcp_is_answer(json_t *msg, long id)
{
	json_t *jid = json_object_get(msg, "id");
	return json_is_object(msg) && json_is_integer(jid) && json_integer_value(jid) == id &&
	       json_is_string(json_object_get(msg, "jsonrpc"));
}

/*
 * The JSON-RPC answer to id in a body: the body itself when it is JSON (an object, or a batch
 * array), else the first data: line of an event stream that holds it. New reference or NULL.
 */
static json_t *mcp_answer(const char *body, size_t len, long id)
{
	if (!body || !len || len > MCP_BODY_MAX)
		return NULL;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (doc) {
		if (json_is_array(doc)) {
			for (size_t i = 0; i < json_array_size(doc); i++)
				if (mcp_is_answer(json_array_get(doc, i), id)) {
					json_t *m = json_incref(json_array_get(doc, i));
					json_decref(doc);
					return m;
				}
		} else if (mcp_is_answer(doc, id)) {
			return doc;
		}
		json_decref(doc);
		return NULL;
	}
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - body) : len;
		const char *line = body + pos;
		size_t n = end - pos;
		if (n && line[n - 1] == '\r')
			n--;
		if (n > 5 && memcmp(line, "data:", 5) == 0) {
			json_t *m = json_loadb(line + 5, n - 5, JSON_REJECT_DUPLICATES, NULL);
			if (mcp_is_answer(m, id))
				return m;
			json_decref(m);
		}
		pos = end + 1;
	}
	return NULL;
}

bool mcp_has_answer(const char *body, size_t len, long id)
{
	json_t *m = mcp_answer(body, len, id);
	json_decref(m);
	return m != NULL;
}

int mcp_sse_endpoint(const char *text, size_t len, char *out, size_t n)
{
	char type[32] = "";
	bool data = false;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		if (!nl)
			break; /* the line goes on in bytes not read yet */
		const char *line = text + pos;
		size_t ln = (size_t)(nl - line);
		pos += ln + 1;
		if (ln && line[ln - 1] == '\r')
			ln--;
		if (!ln) { /* an event ends; one without data is not dispatched (comments, keep-alives) */
			if (data)
				return strcmp(type, "endpoint") == 0 ? 0 : SS_EINVAL;
			type[0] = '\0';
			continue;
		}
		if (line[0] == ':')
			continue;
		const char *colon = memchr(line, ':', ln);
		size_t nlen = colon ? (size_t)(colon - line) : ln;
		const char *v = colon ? colon + 1 : line + ln;
		size_t vlen = (size_t)(line + ln - v);
		if (vlen && *v == ' ')
			v++, vlen--;
		if (nlen == 5 && !memcmp(line, "event", 5)) {
			snprintf(type, sizeof(type), "%.*s", (int)MIN(vlen, sizeof(type) - 1), v);
		} else if (nlen == 4 && !memcmp(line, "data", 4)) {
			/* an endpoint is one line; data over several lines is some other event */
			if (data || !vlen || vlen >= n)
				return SS_EINVAL;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			data = true;
		}
	}
	return SS_ENOTFOUND;
}

static void mcp_copy(char *dst, size_t n, json_t *v)
{
	const char *s = json_string_value(v);
	char *cut = str_truncate_utf8(s ? s : "", n - 1);
	str_copy(dst, n, cut);
	free(cut);
}

int mcp_parse_initialize(const char *body, size_t len, long id, struct mcp_init *out)
{
	memset(out, 0, sizeof(*out));
	json_t *m = mcp_answer(body, len, id);
	json_t *res = json_object_get(m, "result");
	int err = SS_EINVAL;
	if (json_is_object(res) && json_is_string(json_object_get(res, "protocolVersion"))) {
		json_t *info = json_object_get(res, "serverInfo");
		mcp_copy(out->name, sizeof(out->name), json_object_get(info, "name"));
		mcp_copy(out->version, sizeof(out->version), json_object_get(info, "version"));
		mcp_copy(out->protocol, sizeof(out->protocol), json_object_get(res, "protocolVersion"));
		out->tools = json_object_get(json_object_get(res, "capabilities"), "tools") != NULL;
		err = 0;
	}
	json_decref(m);
	return err;
}

int mcp_parse_tools(const char *body, size_t len, long id, struct jsx_list *names)
{
	json_t *m = mcp_answer(body, len, id);
	json_t *tools = json_object_get(json_object_get(m, "result"), "tools");
	int err = SS_EINVAL;
	if (json_is_array(tools)) {
		for (size_t i = 0; i < json_array_size(tools); i++) {
			const char *name = json_string_value(json_object_get(json_array_get(tools, i), "name"));
			if (name && *name)
				jsx_list_add(names, name, MIN(strlen(name), 64));
		}
		err = 0;
	}
	json_decref(m);
	return err;
}

static bool mcp_word_in(const char *w, size_t wl, char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(words[i]) == wl && strncasecmp(words[i], w, wl) == 0)
			return true;
	return false;
}

bool mcp_tool_dangerous(const char *name, char *const *words, size_t n, char *why, size_t whysz)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < len;) {
		while (i < len && strchr("_-. /:", name[i]))
			i++;
		size_t s = i;
		/* a word ends at a separator or where lower case turns to upper case (runShell) */
		while (i < len && !strchr("_-. /:", name[i]) &&
		       !(i > s && name[i] >= 'A' && name[i] <= 'Z' && name[i - 1] >= 'a' && name[i - 1] <= 'z'))
			i++;
		if (i > s && mcp_word_in(name + s, i - s, words, n)) {
			snprintf(why, whysz, "%.*s", (int)(i - s), name + s);
			return true;
		}
	}
	return false;
}
