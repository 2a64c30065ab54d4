/* libFuzzer harness for the answer parsers of the TLS prober (see README.md): the ServerHello /
 * alert parser and the SSLv2 SERVER-HELLO parser, on the same bytes. */
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

	struct tls_ssl2_answer s2;
	why = NULL;
	rc = tls_ssl2_answer_parse(data, size, &s2, &why);
	if (rc && !why)
		__builtin_trap();
	if (!rc && s2.kind == TLS_SSL2_HELLO && (s2.nkinds > TLS_SSL2_KINDS_MAX || !s2.cert_len))
		__builtin_trap();
	return 0;
}
