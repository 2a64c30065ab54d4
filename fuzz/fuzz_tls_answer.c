/* libFuzzer harness for the ServerHello / alert parser of the TLS prober (see README.md). */
#include "base/common.h"
#include "modules/tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_answer a;
	const char *why = NULL;
	int rc = tls_answer_parse(data, size, &a, &why);
	/* Every failure names its reason; every success is a known kind. */
	if (rc && !why)
		__builtin_trap();
	if (!rc && a.kind != TLS_ANSWER_INCOMPLETE && a.kind != TLS_ANSWER_HELLO &&
	    a.kind != TLS_ANSWER_ALERT)
		__builtin_trap();
	return 0;
}
