/*
 * libFuzzer harness for what the exposure and disclosure modules do with a response body: every
 * probe's content matcher and evidence (redacted keys included), the soft-404 digest and the
 * <meta> reader (see README.md).
 */
#include "base/common.h"
#include "base/buf.h"
#include "engine/rules_embedded.h"
#include "modules/matcher.h"
#include "modules/modutil.h"
#include "modules/soft404.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct probe_list lists[2];

static void load(void)
{
	const char *files[] = {"probes/exposure.json", "probes/disclosure.json"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		size_t len;
		const char *text = modutil_rule(files[i], &len);
		if (!text || probe_list_parse(&lists[i], text, len, NULL, 0))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!lists[0].n)
		load();
	const char *body = (const char *)data;
	struct buf ev;
	buf_init(&ev, 1 << 20);
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l].n; i++) {
			const struct probe *p = &lists[l].items[i];
			buf_reset(&ev);
			if (matcher_test(&p->match, 200, body, size))
				probe_report(p, 200, "text/plain", body, size, &ev);
		}
	buf_reset(&ev);
	matcher_redacted_keys(body, size, 8, &ev);
	buf_reset(&ev);
	modutil_html_meta(body, size, "http-equiv", "content-security-policy", &ev);
	struct soft404 s = {0};
	soft404_learn(&s, "/x", 200, body, size);
	if (!soft404_matches(&s, "/x", 200, body, size))
		__builtin_trap();
	buf_release(&ev);
	return 0;
}
