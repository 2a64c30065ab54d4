/* libFuzzer harness for the Content-Security-Policy parser and its assessment (see README.md). */
#include "base/common.h"
#include "modules/csp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csp c = {0};
	int rc = csp_parse(&c, (const char *)data, size);
	if (rc && (rc != SS_ETOOBIG || size <= CSP_MAX_LEN || c.n))
		__builtin_trap();
	if (c.n > CSP_MAX_POLICIES)
		__builtin_trap();
	for (size_t i = 0; i < c.n; i++) {
		if (!c.policies[i].ndirs || c.policies[i].ndirs > CSP_MAX_DIRECTIVES)
			__builtin_trap();
		for (size_t j = 0; j < c.policies[i].ndirs; j++)
			if (!*c.policies[i].dirs[j].name || c.policies[i].dirs[j].nsources > CSP_MAX_SOURCES)
				__builtin_trap();
	}
	struct csp_assessment a;
	csp_assess(&c, &a);
	if ((a.unsafe_inline || a.unsafe_eval || a.loose_source) && !a.restricts_scripts)
		__builtin_trap();
	csp_release(&c);
	return 0;
}
