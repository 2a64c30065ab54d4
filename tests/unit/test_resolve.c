#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/resolve.h"

/* Only IP literals and --resolve overrides: a unit test never asks a DNS server. */

static void override_pins_the_address(void **state)
{
	const char *const over[] = {"app.example.test:8443:127.0.0.1", "v6.example.test:443:[::1]", NULL};
	struct sock_addr a;
	char ip[64];
	assert_int_equal(resolve_host("app.example.test", 8443, over, true, &a, ip, sizeof(ip)), 0);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(sock_addr_port(&a), 8443);
	assert_int_equal(resolve_host("APP.example.test", 8443, over, true, &a, ip, sizeof(ip)), 0);
	assert_int_equal(resolve_host("v6.example.test", 443, over, true, &a, ip, sizeof(ip)), 0);
	assert_string_equal(ip, "::1");
}

static void ssrf_guard_refuses_private_addresses(void **state)
{
	const char *const over[] = {"app.example.test:443:10.1.2.3", NULL};
	struct sock_addr a;
	char ip[64];
	assert_int_equal(resolve_host("127.0.0.1", 443, NULL, false, &a, ip, sizeof(ip)), SS_EDENIED);
	assert_int_equal(resolve_host("::1", 443, NULL, false, &a, ip, sizeof(ip)), SS_EDENIED);
	assert_int_equal(resolve_host("169.254.169.254", 80, NULL, false, &a, NULL, 0), SS_EDENIED);
	/* An override is checked like a resolved address. */
	assert_int_equal(resolve_host("app.example.test", 443, over, false, &a, ip, sizeof(ip)), SS_EDENIED);
	assert_int_equal(resolve_host("127.0.0.1", 443, NULL, true, &a, ip, sizeof(ip)), 0);
	assert_int_equal(sock_addr_port(&a), 443);
}

static void overrides_apply_per_port_and_numerically(void **state)
{
	/* An override for another port does not apply; a non-numeric override address fails
	 * instead of turning into a DNS lookup. */
	const char *const over[] = {"127.0.0.1:80:10.0.0.1", "127.0.0.1:443:not-an-ip", NULL};
	struct sock_addr a;
	char ip[64];
	assert_int_equal(resolve_host("127.0.0.1", 443, over, true, &a, ip, sizeof(ip)), SS_ENOTFOUND);
	assert_int_equal(resolve_host("127.0.0.1", 8080, over, true, &a, ip, sizeof(ip)), 0);
	assert_string_equal(ip, "127.0.0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(override_pins_the_address),
		cmocka_unit_test(ssrf_guard_refuses_private_addresses),
		cmocka_unit_test(overrides_apply_per_port_and_numerically),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
