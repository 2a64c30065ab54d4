#ifndef MODULES_MCP_H
#define MODULES_MCP_H
#include "base/common.h"
#include "base/buf.h"
#include "modules/jsx.h"

/*
 * Reading Model Context Protocol answers (JSON-RPC 2.0 over streamable HTTP: a JSON body, or an
 * event stream whose data: lines hold the messages; over the legacy HTTP+SSE transport, the
 * events of its stream). Pure functions of untrusted text.
 */

/* What an initialize answer says of the server. */
struct mcp_init {
	char name[64];     /* serverInfo.name ("" if absent) */
	char version[32];  /* serverInfo.version */
	char protocol[32]; /* protocolVersion */
	bool tools;        /* capabilities.tools present */
};

/*
 * Parses the answer to an initialize request with JSON-RPC id: 0 when it is a result (not an
 * error) naming a protocolVersion, else SS_EINVAL. Bodies over 1 MiB are refused.
 */
int mcp_parse_initialize(const char *body, size_t len, long id, struct mcp_init *out);
/* Whether the text (as mcp_parse_initialize reads it) holds the JSON-RPC answer to request id. */
bool mcp_has_answer(const char *body, size_t len, long id);
/*
 * The legacy HTTP+SSE transport (protocol 2024-11-05): the first event of the stream opened by a
 * GET must be "endpoint", its data the URL to POST messages to. Copies that data into out (n
 * bytes): 0; SS_EINVAL when the first event (the first that carries data) is another or its data
 * does not fit; SS_ENOTFOUND when text does not hold a whole event yet.
 */
int mcp_sse_endpoint(const char *text, size_t len, char *out, size_t n);
/* Adds the names of the tools of a tools/list result with JSON-RPC id into names; 0, or SS_EINVAL if it is none. */
int mcp_parse_tools(const char *body, size_t len, long id, struct jsx_list *names);
/*
 * Whether a tool name reads as dangerous: one of its words (split at _ - . space and lower-to-upper
 * case changes, compared case-insensitively) is in words (n of them); the word goes into why.
 */
bool mcp_tool_dangerous(const char *name, char *const *words, size_t n, char *why, size_t whysz);

#endif
