/* libFuzzer harness for the app-layer parsers (baas, MCP, discovery, JS literals; see README.md). */
#include "base/common.h"
#include "base/buf.h"
#include "modules/baas_parse.h"
#include "modules/discover.h"
#include "modules/jsx.h"
#include "modules/mcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_url(void *ud, const char *origin, const char *host)
{
	/* an origin is always http(s) and names its host */
	if ((strncmp(origin, "https://", 8) && strncmp(origin, "http://", 7)) || !strstr(origin, host))
		__builtin_trap();
	(*(size_t *)ud)++;
}

static void check_literal(void *ud, const char *v, size_t n)
{
	/* a literal is bounded and has no raw line break */
	if (n > *(size_t *)ud || memchr(v, '\n', n))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t max = 64;

	/* every parser gets the same bytes: none may read past them or leak */
	struct baas_config c;
	baas_config_init(&c);
	baas_config_scan(&c, text, size);
	if (c.tables.n > BAAS_MAX_TABLES || c.supabase.n > BAAS_MAX_ITEMS)
		__builtin_trap();
	baas_openapi_tables(text, size, &c.tables);
	baas_config_release(&c);

	struct buf out;
	buf_init(&out, 4096);
	baas_rows_columns(text, size, &out);
	static const char *const kinds[] = {"rtdb", "firestore", "storage"};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		buf_reset(&out);
		baas_listing_names(kinds[i], text, size, &out);
	}
	buf_release(&out);

	struct mcp_init mi;
	struct jsx_list tools = {.max = 16};
	mcp_parse_initialize(text, size, 1, &mi);
	mcp_parse_tools(text, size, 2, &tools);
	char ep[512];
	mcp_sse_endpoint(text, size, ep, sizeof(ep));
	char *words[] = {"shell", "file", "sql"};
	char why[16];
	for (size_t i = 0; i < tools.n; i++)
		mcp_tool_dangerous(tools.v[i], words, ARRAY_SIZE(words), why, sizeof(why));
	jsx_list_release(&tools);

	size_t urls = 0;
	discover_urls(text, size, 50, count_url, &urls);
	if (urls > 50)
		__builtin_trap();
	jsx_key_values(text, size, "k", max, check_literal, &max);
	jsx_call_args(text, size, ".from(", true, max, check_literal, &max);
	jsx_strings(text, size, 1, max, check_literal, &max);
	return 0;
}
