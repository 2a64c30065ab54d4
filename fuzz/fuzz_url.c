/* libFuzzer harness for the URL parser, reference resolution and target normalization (see README.md). */
#include "base/common.h"
#include "base/url.h"
#include "engine/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed URL formats to text that parses back to the same text. */
static void check_round_trip(const struct url *u)
{
	struct url again;
	char *text = url_format(u);
	if (url_parse(text, &again))
		__builtin_trap();
	char *text2 = url_format(&again);
	if (strcmp(text, text2))
		__builtin_trap();
	free(text);
	free(text2);
	url_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* input: "base\nref" */
	char *in = xstrndup((const char *)data, size);
	char *nl = strchr(in, '\n');
	const char *ref = "";
	struct url base;
	if (nl) {
		*nl = '\0';
		ref = nl + 1;
	}
	if (url_parse(in, &base) == 0) {
		check_round_trip(&base);
		char *r = url_resolve(&base, ref);
		struct url ru;
		if (r) {
			if (url_parse(r, &ru))
				__builtin_trap();
			check_round_trip(&ru);
			url_release(&ru);
		}
		free(r);
		url_release(&base);
	}
	char *host = NULL, *start = NULL, *err = NULL;
	if (scan_normalize_target(in, &host, &start, &err) == 0) {
		if (!host || !start || err || url_parse(start, &base))
			__builtin_trap();
		url_release(&base);
	} else if (!err) {
		__builtin_trap();
	}
	free(host);
	free(start);
	free(err);
	free(in);
	return 0;
}
