#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/clock.h"
#include "modules/tls_probe.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

/* Broken TLS servers on loopback, one behaviour each: the prober must end every probe with a
 * clear error, within its timeout, and never accept anything. ALERT and HANGUP refuse every
 * hello (handshake_failure, or a close without a byte): the bound on retries. */
enum mode { GARBAGE, TRUNCATED, SILENT, ENDLESS, ALERT, HANGUP };

struct fake {
	enum mode mode;
	int lfd;
	struct sockaddr_in addr;
	volatile bool stop;
	pthread_t thread;
};

static void serve_one(struct fake *f, int fd)
{
	char in[4096];
	/* Wait for the ClientHello first, as a real server would. */
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 2000) <= 0 || recv(fd, in, sizeof(in), 0) <= 0)
		return;
	switch (f->mode) {
	case GARBAGE: {
		const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
		send(fd, http, sizeof(http) - 1, MSG_NOSIGNAL);
		break;
	}
	case TRUNCATED: {
		const uint8_t part[] = {22, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3, 1, 2, 3};
		send(fd, part, sizeof(part), MSG_NOSIGNAL);
		break;
	}
	case SILENT:
		while (!f->stop && poll(&p, 1, 50) >= 0 && !(p.revents & (POLLHUP | POLLERR))) {
			if (p.revents & POLLIN && recv(fd, in, sizeof(in), 0) <= 0)
				break;
		}
		break;
	case ALERT: {
		const uint8_t alert[] = {21, 3, 1, 0, 2, 2, 40};
		send(fd, alert, sizeof(alert), MSG_NOSIGNAL);
		break;
	}
	case HANGUP:
		break;
	case ENDLESS: {
		/* A ServerHello that never ends, one byte per record, until the client hangs up. */
		const uint8_t head[] = {22, 3, 3, 0, 4, 2, 0, 0x1f, 0x40};
		const uint8_t tiny[] = {22, 3, 3, 0, 1, 0};
		if (send(fd, head, sizeof(head), MSG_NOSIGNAL) < 0)
			break;
		while (!f->stop && send(fd, tiny, sizeof(tiny), MSG_NOSIGNAL) > 0)
			;
		break;
	}
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	while (!f->stop) {
		struct pollfd p = {f->lfd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(f, fd);
		close(fd);
	}
	return NULL;
}

static void fake_start(struct fake *f, enum mode mode)
{
	socklen_t len = sizeof(f->addr);
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	f->addr.sin_family = AF_INET;
	f->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&f->addr, sizeof(f->addr)), 0);
	assert_int_equal(listen(f->lfd, 64), 0);
	getsockname(f->lfd, (struct sockaddr *)&f->addr, &len);
	pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_stop(struct fake *f)
{
	f->stop = true;
	pthread_join(f->thread, NULL);
	close(f->lfd);
}

static void enumerate(struct fake *f, long timeout_ms, struct tls_enum *e)
{
	struct tls_probe_config cfg = {.addr = (struct sockaddr *)&f->addr, .addrlen = sizeof(f->addr),
				       .timeout_ms = timeout_ms, .parallel = 4};
	assert_int_equal(tls_enumerate(&cfg, e), 0);
}

static void assert_nothing_accepted(const struct tls_enum *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(e->v); i++)
		assert_false(e->v[i].accepted);
	assert_int_equal(e->failures, e->probes);
	assert_true(e->probes >= 5);
}

/* Enumerates against a fake in mode; every probe must fail with an error holding expect. */
static int64_t expect_failure(enum mode mode, long timeout_ms, const char *expect)
{
	struct fake f;
	struct tls_enum e;
	fake_start(&f, mode);
	int64_t t0 = clock_mono_ms();
	enumerate(&f, timeout_ms, &e);
	int64_t took = clock_mono_ms() - t0;
	fake_stop(&f);
	assert_nothing_accepted(&e);
	if (!strstr(e.error, expect))
		fail_msg("error \"%s\" lacks \"%s\"", e.error, expect);
	tls_enum_release(&e);
	return took;
}

static void garbage_answer_is_a_clear_error(void **state)
{
	expect_failure(GARBAGE, 2000, "did not answer with TLS");
}

static void truncated_record_is_a_clear_error(void **state)
{
	expect_failure(TRUNCATED, 2000, "closed the connection in the middle");
}

static void silent_server_times_out(void **state)
{
	/* The fake serves one connection at a time; the others wait in its backlog. */
	assert_true(expect_failure(SILENT, 300, "no answer before the timeout") < 3000);
}

static void endless_stream_is_cut(void **state)
{
	expect_failure(ENDLESS, 5000, "no ServerHello within the size limit");
}

static void refused_port_is_a_clear_error(void **state)
{
	struct fake f;
	struct tls_enum e;
	fake_start(&f, GARBAGE);
	fake_stop(&f); /* the port is closed again */
	enumerate(&f, 2000, &e);
	assert_nothing_accepted(&e);
	assert_non_null(strstr(e.error, "refused"));
	tls_enum_release(&e);
}

/* Refusals with an alert are never retried: one probe per version, and the SSLv2 one. */
static void enumerate_fake(enum mode mode, struct tls_enum *e)
{
	struct fake f;
	fake_start(&f, mode);
	enumerate(&f, 2000, e);
	fake_stop(&f);
}

static void alerts_are_not_retried(void **state)
{
	struct tls_enum e;
	enumerate_fake(ALERT, &e);
	assert_int_equal(e.probes, 5 + 1);
	assert_int_equal(e.retries, 0);
	assert_int_equal(e.failures, 0);
	assert_false(e.ssl2);
	for (size_t i = 0; i < ARRAY_SIZE(e.v); i++)
		assert_false(e.v[i].accepted || e.v[i].compact);
	tls_enum_release(&e);
}

/* Hang-ups without a byte: each version whose full hello is large (all but TLS 1.3 without a
 * host name: 252 bytes, 5 suites) is retried once with a compact hello, then given up. */
static void hangups_cost_one_retry_per_version(void **state)
{
	struct tls_enum e;
	enumerate_fake(HANGUP, &e);
	assert_int_equal(e.retries, 4);
	assert_int_equal(e.probes, 5 + 1 + 4);
	for (size_t i = 0; i < ARRAY_SIZE(e.v); i++) {
		assert_false(e.v[i].accepted);
		assert_int_equal(e.v[i].compact, e.v[i].version != TLS_V_13);
	}
	tls_enum_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(garbage_answer_is_a_clear_error),
		cmocka_unit_test(truncated_record_is_a_clear_error),
		cmocka_unit_test(silent_server_times_out),
		cmocka_unit_test(endless_stream_is_cut),
		cmocka_unit_test(refused_port_is_a_clear_error),
		cmocka_unit_test(alerts_are_not_retried),
		cmocka_unit_test(hangups_cost_one_retry_per_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
