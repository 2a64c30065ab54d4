#ifndef MODULES_MCP_H
#define MODULES_MCP_H
#include "base/common.h"
#include "base/buf.h"
#include "modules/jsx.h"

/*
 * Reading Model Context Protocol answers (JSON-RPC 2.0 over streamable HTTP: a JSON body, or an
 * event stream whose data: lines hold the messages). Pure functions of untrusted text.
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
/* Adds the names of the tools of a tools/list result with JSON-RPC id into names; 0, or SS_EINVAL if it is none. */
int mcp_parse_tools(const char *body, size_t len, long id, struct jsx_list *names);
/*
 * Whether a tool name reads as dangerous: one of its words (split at _ - . space and lower-to-upper
 * case changes, compared case-insensitively) is in words (n of them); the word goes into why.
 */
bool mcp_tool_dangerous(const char *name, char *const *words, size_t n, char *why, size_t whysz);

#endif
