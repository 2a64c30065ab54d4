/* libFuzzer harness for the secrets engine: matching, validators and decoders (see README.md). */
#include "base/common.h"
#include "secrets/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hit(void *ud, const struct secret_hit *hit)
{
	size_t *n = ud;
	(*n)++;
	if (!hit->value_len || hit->line < 1 || hit->column < 1 || !strstr(hit->redacted, "chars)"))
		__builtin_trap();
	/* the redacted form never holds a value of 16 bytes or more whole */
	if (hit->value_len >= 16 && memmem(hit->redacted, strlen(hit->redacted), hit->value, hit->value_len))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct secret_scanner *s;
	if (!s && !(s = secret_scanner_new(secret_rules_default())))
		__builtin_trap();
	/* the same bytes in one piece, then split in two at a place the input chooses: fed (copied),
	 * mapped (looked at in place, lines counted back from the start), and read into the scanner's space */
	size_t n = 0, cut = size ? data[0] % (size + 1) : 0;
	secret_scan_buffer(s, data, size, SECRET_FIRST_PARTY, check_hit, &n);
	secret_scanner_begin(s, SECRET_FIRST_PARTY, check_hit, &n);
	secret_scanner_feed(s, data, cut);
	secret_scanner_feed(s, data + cut, size - cut);
	secret_scanner_end(s);
	secret_scanner_begin(s, SECRET_EXAMPLES, check_hit, &n);
	secret_scanner_feed_mapped(s, data, cut);
	secret_scanner_feed_mapped(s, data + cut, size - cut);
	secret_scanner_end(s);
	secret_scanner_begin(s, 0, check_hit, &n);
	memcpy(secret_scanner_space(s, cut), data, cut);
	secret_scanner_commit(s, cut);
	memcpy(secret_scanner_space(s, size - cut), data + cut, size - cut);
	secret_scanner_commit(s, size - cut);
	secret_scanner_end(s);
	return 0;
}
