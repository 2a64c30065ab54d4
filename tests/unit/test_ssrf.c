#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/ssrf.h"

static void refuses_non_public_addresses(void **state)
{
	static const char *const denied[] = {
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254",
		"127.0.0.1", "127.8.9.10", "169.254.169.254", "169.254.0.1", "172.16.0.1", "172.31.255.255",
		"192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.0.1", "198.18.0.1", "198.19.255.255",
		"198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255",
		"::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::127.0.0.1",
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::1", "2002:c0a8:0101::1",
		"2002:a9fe:a9fe::", "fc00::1", "fd00:ec2::254", "fe80::1", "febf::1", "fec0::1", "ff02::1",
		"100::1", "2001:db8::1", "2001::1", "2001:2::1", "3fff::1",
		NULL,
	};
	for (size_t i = 0; denied[i]; i++) {
		if (ssrf_ip_string_allowed(denied[i], false))
			fail_msg("allowed %s", denied[i]);
		/* the switch turns the guard off */
		if (!ssrf_ip_string_allowed(denied[i], true))
			fail_msg("refused %s with allow_private", denied[i]);
	}
}

static void allows_public_addresses(void **state)
{
	static const char *const allowed[] = {
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255",
		"172.32.0.0", "192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808",
		"2002:0808:0808::1", "2001:4860:4860::8888",
		NULL,
	};
	for (size_t i = 0; allowed[i]; i++)
		if (!ssrf_ip_string_allowed(allowed[i], false))
			fail_msg("refused %s", allowed[i]);
}

static void non_numeric_input_is_refused(void **state)
{
	assert_false(ssrf_ip_string_allowed("localhost", false));
	assert_false(ssrf_ip_string_allowed("", true));
	assert_false(ssrf_ip_string_allowed(NULL, true));
	assert_false(ssrf_ip_string_allowed("127.1", false));
	assert_false(ssrf_ip_string_allowed("[::1]", true));
	assert_false(ssrf_address_allowed(NULL, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_non_public_addresses),
		cmocka_unit_test(allows_public_addresses),
		cmocka_unit_test(non_numeric_input_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
