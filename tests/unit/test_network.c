#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/clock.h"
#include "base/portscan.h"
#include "base/ssrf.h"
#include "modules/netprobe.h"
#include "../../fuzz/fuzz_netprobe.c"
#include <netinet/in.h>
#include <unistd.h>

static struct buf mkbuf(const void *d, size_t n)
{
	struct buf b;
	buf_init(&b, NP_MAX_ANSWER);
	buf_append(&b, d, n);
	return b;
}

static void port_lists_parse(void **state)
{
	uint16_t *p;
	size_t n;
	assert_int_equal(portscan_parse_list("22, 80,8000-8002,80", &p, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(p[0], 22);
	assert_int_equal(p[1], 80);
	assert_int_equal(p[4], 8002);
	free(p);
	assert_int_equal(portscan_parse_list("1-65535", &p, &n), 0);
	assert_int_equal(n, 65535);
	free(p);
	const char *bad[] = {"", "0", "65536", "80-22", "22,", "a", "1-", "22;80", "-5", "99999999999999"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(portscan_parse_list(bad[i], &p, &n), SS_EINVAL);
}

static void addresses_parse(void **state)
{
	struct sock_addr a;
	char out[80];
	assert_int_equal(sock_addr_parse(&a, "127.0.0.1:5353", 53), 0);
	sock_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:5353");
	assert_int_equal(sock_addr_parse(&a, "9.9.9.9", 53), 0);
	assert_int_equal(sock_addr_port(&a), 53);
	assert_int_equal(sock_addr_parse(&a, "[::1]:8053", 53), 0);
	sock_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "[::1]:8053");
	assert_int_equal(sock_addr_parse(&a, "::1", 53), 0);
	assert_int_equal(sock_addr_port(&a), 53);
	const char *bad[] = {"", "dns.google", "1.2.3.4:0", "1.2.3.4:70000", "[::1", "[::1]x", "1.2.3.4:",
			     "300.1.1.1"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(sock_addr_parse(&a, bad[i], 53), SS_EINVAL);
}

static void listed_addresses_pass(void **state)
{
	struct sock_addr a;
	const char *list[] = {"10.0.0.5", "::1", NULL};
	assert_int_equal(sock_addr_from_ip(&a, "10.0.0.5", 80), 0);
	assert_true(ssrf_address_listed((const struct sockaddr *)&a.ss, list));
	assert_int_equal(sock_addr_from_ip(&a, "0:0:0:0:0:0:0:1", 80), 0); /* another spelling of ::1 */
	assert_true(ssrf_address_listed((const struct sockaddr *)&a.ss, list));
	assert_int_equal(sock_addr_from_ip(&a, "10.0.0.6", 80), 0);
	assert_false(ssrf_address_listed((const struct sockaddr *)&a.ss, list));
	assert_false(ssrf_address_listed((const struct sockaddr *)&a.ss, NULL));
}

static int listen_on(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	listen(fd, 8);
	*port = ntohs(a.sin_port);
	return fd;
}

static void scanner_finds_exactly_the_open_ports(void **state)
{
	int p1, p2, p3;
	int f1 = listen_on(&p1), f2 = listen_on(&p2), f3 = listen_on(&p3);
	close(f3); /* p3: just closed, refused */
	uint16_t ports[] = {(uint16_t)p1, (uint16_t)p2, (uint16_t)p3};
	struct sock_addr a;
	assert_int_equal(sock_addr_from_ip(&a, "127.0.0.1", 0), 0);
	struct portscan_options o;
	portscan_options_init(&o);
	o.concurrency = 2; /* fewer slots than ports: slots are reused */
	struct portscan_result r;
	assert_int_equal(portscan_run(&a, ports, 3, &o, &r), 0);
	assert_int_equal(r.scanned, 3);
	assert_int_equal(r.nopen, 2);
	assert_int_equal(r.open[0], MIN(p1, p2));
	assert_int_equal(r.open[1], MAX(p1, p2));
	portscan_result_release(&r);
	/* a deadline already passed stops at once */
	o.deadline_ms = clock_mono_ms() - 1;
	assert_int_equal(portscan_run(&a, ports, 3, &o, &r), SS_ETIMEOUT);
	portscan_result_release(&r);
	close(f1);
	close(f2);
}

static void banners_are_identified(void **state)
{
	struct np_result r;
	np_result_init(&r);
	const char ssh[] = "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n";
	assert_int_equal(np_banner_identify(ssh, strlen(ssh), &r), 0);
	assert_string_equal(r.service, "ssh");
	assert_string_equal(r.product, "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7");
	assert_true(np_ssh_outdated("OpenSSH_7.4p1 Debian", "OpenSSH", "8.0"));
	assert_false(np_ssh_outdated("OpenSSH_9.2p1", "OpenSSH", "8.0"));
	assert_false(np_ssh_outdated("OpenSSH_8.0", "OpenSSH", "8.0"));
	assert_true(np_ssh_outdated("dropbear_2019.78", "dropbear", "2020.79"));
	assert_false(np_ssh_outdated("libssh_0.9", "OpenSSH", "8.0"));
	np_result_release(&r);

	np_result_init(&r);
	assert_int_equal(np_banner_identify("SSH-2.0\r\n", 9, &r), SS_EINVAL);
	assert_non_null(strstr(r.error, "SSH"));
	np_result_release(&r);

	np_result_init(&r);
	const char ftp[] = "220-Welcome\r\n220 ProFTPD ready\r\n";
	struct buf b = mkbuf(ftp, strlen(ftp));
	assert_true(np_banner_complete(&b, NULL));
	assert_int_equal(np_ftp_reply_code(&b), 220);
	assert_int_equal(np_banner_identify(ftp, strlen(ftp), &r), 0);
	assert_string_equal(r.service, "ftp");
	buf_release(&b);
	np_result_release(&r);

	/* an FTP multi-line reply without its last line is not complete */
	b = mkbuf("220-Welcome\r\nmore\r\n", 19);
	assert_false(np_banner_complete(&b, NULL));
	assert_int_equal(np_ftp_reply_code(&b), 0);
	buf_release(&b);
	b = mkbuf("2x0 hi\r\n", 8);
	assert_int_equal(np_ftp_reply_code(&b), SS_EINVAL);
	buf_release(&b);

	np_result_init(&r);
	assert_int_equal(np_banner_identify("220 mx.example.com ESMTP Postfix\r\n", 34, &r), 0);
	assert_string_equal(r.service, "smtp");
	np_result_release(&r);

	/* MySQL greeting: length 0x17, sequence 0, protocol 10, version */
	static const uint8_t my[] = "\x17\x00\x00\x00\x0a" "8.0.36\x00" "\x01\x02\x03\x04" "abcdefgh\x00" "\xff\xf7";
	np_result_init(&r);
	b = mkbuf(my, 4 + 0x17);
	assert_true(np_banner_complete(&b, NULL));
	assert_int_equal(np_banner_identify((const char *)my, 4 + 0x17, &r), 0);
	assert_string_equal(r.service, "mysql");
	assert_string_equal(r.product, "MySQL 8.0.36");
	buf_release(&b);
	np_result_release(&r);
	/* the same greeting cut short waits, and reads as malformed if that is all */
	b = mkbuf(my, 10);
	assert_false(np_banner_complete(&b, NULL));
	buf_release(&b);

	np_result_init(&r);
	assert_int_equal(np_banner_identify("\xff\xfd\x18\xff\xfd\x20", 6, &r), 0);
	assert_string_equal(r.service, "telnet");
	np_result_release(&r);

	np_result_init(&r);
	assert_int_equal(np_banner_identify("hello there\n", 12, &r), SS_ENOTFOUND);
	np_result_release(&r);
}

static void endless_or_garbage_banners_stay_incomplete(void **state)
{
	/* no line end, no protocol framing: the reader runs into its maximum (an error), never a crash */
	struct buf b;
	buf_init(&b, NP_MAX_ANSWER);
	while (b.len < b.max)
		buf_appendc(&b, 'A');
	assert_false(np_banner_complete(&b, NULL));
	assert_false(np_redis_complete(&b, NULL));
	buf_release(&b);
	/* random bytes through every parser: the fuzz harness, run on random inputs */
	uint8_t junk[512];
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk));
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rand();
		if (n > 4 && (round & 1)) /* plausible lengths so that parsers go deeper */
			junk[0] = (uint8_t)n, junk[1] = junk[2] = junk[3] = 0;
		LLVMFuzzerTestOneInput(junk, n);
	}
}

static void redis_answers_are_read(void **state)
{
	const char body[] = "# Server\r\nredis_version:7.0.15\r\nos:Linux 6.1 x86_64\r\nconnected_clients:1\r\n"
			    "# Keyspace\r\ndb0:keys=3,expires=0\r\n";
	char info[256];
	snprintf(info, sizeof(info), "$%zu\r\n%s\r\n", strlen(body), body);
	struct buf b = mkbuf(info, strlen(info));
	assert_true(np_redis_complete(&b, NULL));
	buf_release(&b);
	b = mkbuf(info, 40);
	assert_false(np_redis_complete(&b, NULL));
	buf_release(&b);
	struct np_result r;
	np_result_init(&r);
	assert_int_equal(np_redis_parse(info, strlen(info), &r), 0);
	assert_string_equal(r.service, "redis");
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	assert_string_equal(r.product, "Redis 7.0.15");
	assert_non_null(strstr(r.evidence.data, "db0:keys=3"));
	np_result_release(&r);

	np_result_init(&r);
	assert_int_equal(np_redis_parse("-NOAUTH Authentication required.\r\n", 34, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_REQUIRED);
	np_result_release(&r);

	np_result_init(&r);
	assert_int_equal(np_redis_parse("$zz\r\n", 5, &r), SS_EINVAL);
	assert_int_equal(np_redis_parse("$5\r\nab", 6, &r), SS_EINVAL);
	assert_int_equal(np_redis_parse("HTTP/1.1 400 Bad Request\r\n", 26, &r), SS_ENOTFOUND);
	np_result_release(&r);
}

static void memcached_stats_are_read(void **state)
{
	const char stats[] = "STAT pid 1\r\nSTAT uptime 10\r\nSTAT version 1.6.18\r\nSTAT curr_items 4\r\nEND\r\n";
	struct buf b = mkbuf(stats, strlen(stats));
	assert_true(np_memcached_complete(&b, NULL));
	buf_release(&b);
	struct np_result r;
	np_result_init(&r);
	assert_int_equal(np_memcached_parse(stats, strlen(stats), &r), 0);
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	assert_string_equal(r.product, "Memcached 1.6.18");
	assert_non_null(strstr(r.evidence.data, "curr_items 4"));
	np_result_release(&r);
	np_result_init(&r);
	assert_int_equal(np_memcached_parse("ERROR\r\n", 7, &r), SS_ENOTFOUND);
	np_result_release(&r);
}

/* A BSON document built by hand for the Mongo answers. */
static size_t bson_doc(uint8_t *out, const uint8_t *elems, size_t n)
{
	size_t len = 4 + n + 1;
	out[0] = (uint8_t)len;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, elems, n);
	out[4 + n] = 0;
	return len;
}

static size_t op_msg(uint8_t *out, const uint8_t *doc, size_t dl)
{
	size_t len = 21 + dl;
	memset(out, 0, 21);
	out[0] = (uint8_t)len;
	out[12] = 0xdd; /* 2013 */
	out[13] = 0x07;
	memcpy(out + 21, doc, dl);
	return len;
}

static void mongo_answers_are_read(void **state)
{
	uint8_t req[256];
	size_t n = np_mongo_request(req, sizeof(req), 7, true);
	assert_true(n > 21);
	assert_int_equal(req[0], n);
	assert_int_equal(req[12], 0xdd);
	assert_non_null(memmem(req, n, "listDatabases", 13));

	/* {ok: 1.0, databases: [{name: "shop"}]} */
	uint8_t inner[64], arr[64], elems[200], doc[256], msg[300];
	size_t il = bson_doc(inner, (const uint8_t *)"\x02name\0\x05\0\0\0shop\0", 15);
	uint8_t arr_el[80] = "\x03" "0";
	memcpy(arr_el + 3, inner, il);
	size_t al = bson_doc(arr, arr_el, 3 + il);
	size_t e = 0;
	memcpy(elems + e, "\x01ok\0\0\0\0\0\0\0\xf0\x3f", 12);
	e += 12;
	memcpy(elems + e, "\x04" "databases\0", 11);
	e += 11;
	memcpy(elems + e, arr, al);
	e += al;
	size_t dl = bson_doc(doc, elems, e);
	size_t ml = op_msg(msg, doc, dl);
	struct buf b = mkbuf(msg, ml);
	assert_true(np_mongo_complete(&b, NULL));
	buf_release(&b);
	struct np_result r;
	np_result_init(&r);
	assert_int_equal(np_mongo_parse(msg, ml, true, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	assert_non_null(strstr(r.evidence.data, "shop"));
	np_result_release(&r);

	/* {ok: 0.0, errmsg: "...requires authentication", code: 13} */
	e = 0;
	memcpy(elems + e, "\x01ok\0\0\0\0\0\0\0\0\0", 12);
	e += 12;
	static const char em[] = "\x02" "errmsg\0\x2a\0\0\0command listDatabases requires authentication\0";
	memcpy(elems + e, em, sizeof(em) - 1);
	e += sizeof(em) - 1;
	memcpy(elems + e, "\x10" "code\0\x0d\0\0\0", 10);
	e += 10;
	dl = bson_doc(doc, elems, e);
	ml = op_msg(msg, doc, dl);
	np_result_init(&r);
	assert_int_equal(np_mongo_parse(msg, ml, true, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_REQUIRED);
	np_result_release(&r);

	/* a string length pointing past the document */
	e = 0;
	memcpy(elems + e, "\x02" "errmsg\0\xff\0\0\0x\0", 13);
	e += 13;
	dl = bson_doc(doc, elems, e);
	ml = op_msg(msg, doc, dl);
	np_result_init(&r);
	assert_int_equal(np_mongo_parse(msg, ml, true, &r), SS_EINVAL);
	np_result_release(&r);
}

static void postgres_answers_are_read(void **state)
{
	uint8_t req[128];
	size_t n = np_pg_request(req, sizeof(req));
	assert_int_equal(req[3], n);
	assert_int_equal(req[5], 3);
	struct np_result r;
	/* AuthenticationMD5Password */
	static const uint8_t md5[] = "R\0\0\0\x0c\0\0\0\x05\1\2\3\4";
	np_result_init(&r);
	assert_int_equal(np_pg_parse(md5, 13, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_REQUIRED);
	assert_non_null(strstr(r.evidence.data, "MD5"));
	np_result_release(&r);
	/* AuthenticationOk, ParameterStatus server_version, ReadyForQuery */
	static const uint8_t ok[] = "R\0\0\0\x08\0\0\0\0" "S\0\0\0\x18server_version\0" "15.6\0" "Z\0\0\0\x05I";
	size_t okl = sizeof(ok) - 1;
	struct buf b = mkbuf(ok, 9);
	assert_false(np_pg_complete(&b, NULL));
	buf_release(&b);
	b = mkbuf(ok, okl);
	assert_true(np_pg_complete(&b, NULL));
	buf_release(&b);
	np_result_init(&r);
	assert_int_equal(np_pg_parse(ok, okl, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	assert_string_equal(r.product, "PostgreSQL 15.6");
	np_result_release(&r);
	/* an error with a message */
	static const uint8_t err[] = "E\0\0\0\x22SFATAL\0Mno pg_hba.conf entry\0\0";
	np_result_init(&r);
	assert_int_equal(np_pg_parse(err, sizeof(err) - 1, &r), 0);
	assert_non_null(strstr(r.evidence.data, "pg_hba"));
	np_result_release(&r);
	/* a length of 2: malformed */
	np_result_init(&r);
	assert_int_equal(np_pg_parse((const uint8_t *)"R\0\0\0\2", 5, &r), SS_EINVAL);
	np_result_release(&r);
}

static void vnc_security_types_are_read(void **state)
{
	struct np_result r;
	np_result_init(&r);
	assert_int_equal(np_banner_identify("RFB 003.008\n", 12, &r), 0);
	assert_int_equal(r.vnc_minor, 8);
	char v[16];
	np_vnc_client_version(r.vnc_minor, v, sizeof(v));
	assert_string_equal(v, "RFB 003.008\n");
	assert_int_equal(np_vnc_parse_security((const uint8_t *)"\2\2\1", 3, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	assert_non_null(strstr(r.evidence.data, "None"));
	np_result_release(&r);

	np_result_init(&r);
	np_banner_identify("RFB 003.003\n", 12, &r);
	assert_int_equal(np_vnc_parse_security((const uint8_t *)"\0\0\0\2", 4, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_REQUIRED);
	np_result_release(&r);

	np_result_init(&r);
	np_banner_identify("RFB 003.008\n", 12, &r);
	assert_int_equal(np_vnc_parse_security((const uint8_t *)"\5\1", 2, &r), SS_EINVAL);
	assert_string_equal(r.error, "VNC security type list cut short (1 of 5 bytes)");
	np_result_release(&r);

	np_result_init(&r);
	assert_int_equal(np_banner_identify("RFB 00x.008\n", 12, &r), SS_EINVAL);
	np_result_release(&r);
}

static void smb_and_rdp_answers_are_read(void **state)
{
	uint8_t req[128];
	size_t n = np_smb_request(req, sizeof(req));
	assert_int_equal(req[3], n - 4);
	assert_memory_equal(req + 4, "\xffSMB\x72", 5);
	struct np_result r;
	np_result_init(&r);
	assert_int_equal(np_smb_parse((const uint8_t *)"\0\0\0\x40\xfeSMB", 8, &r), 0);
	assert_string_equal(r.product, "SMB 2/3");
	np_result_release(&r);

	n = np_rdp_request(req, sizeof(req));
	assert_int_equal(n, 19);
	static const uint8_t cc[] = "\3\0\0\x13\x0e\xd0\0\0\x12\x34\0\2\0\x08\0\0\0\0\0";
	np_result_init(&r);
	assert_int_equal(np_rdp_parse(cc, 19, &r), 0);
	assert_int_equal(r.rdp_protocol, 0);
	assert_non_null(strstr(r.product, "standard RDP security"));
	np_result_release(&r);
}

static void http_apis_are_identified(void **state)
{
	struct np_result r;
	const char es[] = "{\"name\":\"n1\",\"cluster_name\":\"prod\",\"version\":{\"number\":\"8.11.1\"},"
			  "\"tagline\":\"You Know, for Search\"}";
	np_result_init(&r);
	assert_int_equal(np_http_identify("/", 200, es, strlen(es), &r), 0);
	assert_string_equal(r.service, "elasticsearch");
	assert_string_equal(r.product, "Elasticsearch 8.11.1");
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	np_result_release(&r);

	const char docker[] = "{\"Version\":\"24.0.7\",\"ApiVersion\":\"1.43\",\"Os\":\"linux\"}";
	np_result_init(&r);
	assert_int_equal(np_http_identify("/", 404, "{\"message\":\"page not found\"}", 28, &r), SS_ENOTFOUND);
	assert_int_equal(np_http_identify("/version", 200, docker, strlen(docker), &r), 0);
	assert_string_equal(r.service, "docker");
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	np_result_release(&r);

	const char couch[] = "{\"couchdb\":\"Welcome\",\"version\":\"3.3.3\"}";
	np_result_init(&r);
	assert_int_equal(np_http_identify("/", 200, couch, strlen(couch), &r), 0);
	assert_string_equal(r.service, "couchdb");
	assert_int_equal(r.auth, NP_AUTH_UNKNOWN);
	assert_int_equal(np_http_identify("/_all_dbs", 200, "[\"_users\",\"orders\"]", 19, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_OPEN);
	np_result_release(&r);

	np_result_init(&r);
	assert_int_equal(np_http_identify("/version", 200, "{\"major\":\"1\",\"gitVersion\":\"v1.29.0\"}", 35, &r), 0);
	assert_string_equal(r.service, "kubernetes");
	assert_int_equal(np_http_identify("/api/v1/pods?limit=5", 403, "{\"kind\":\"Status\"}", 17, &r), 0);
	assert_int_equal(r.auth, NP_AUTH_REQUIRED);
	np_result_release(&r);
}

static void evidence_is_redacted(void **state)
{
	char *s = np_redact("user=admin password=hunter2 \"api_key\": \"sk-123\", keys=4 token:abc&x=1");
	assert_string_equal(s, "user=admin password=[redacted] \"api_key\": \"[redacted]\", keys=4 token:[redacted]&x=1");
	free(s);
	s = np_redact("{\"key\": \"/config\", \"privateKey\": \"abc\"}");
	assert_string_equal(s, "{\"key\": \"/config\", \"privateKey\": \"[redacted]\"}");
	free(s);
	s = np_redact("requirepass:s3cret\r\nmasterauth:x\r\n");
	assert_string_equal(s, "requirepass:[redacted]\r\nmasterauth:[redacted]\r\n");
	free(s);
	struct np_result r;
	np_result_init(&r);
	char big[2000];
	memset(big, 'x', sizeof(big));
	np_evidence_add(&r, big, sizeof(big));
	np_evidence_add(&r, "\x01\x02secret=abc", 12);
	assert_true(r.evidence.len < 460);
	np_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_lists_parse),
		cmocka_unit_test(addresses_parse),
		cmocka_unit_test(listed_addresses_pass),
		cmocka_unit_test(scanner_finds_exactly_the_open_ports),
		cmocka_unit_test(banners_are_identified),
		cmocka_unit_test(endless_or_garbage_banners_stay_incomplete),
		cmocka_unit_test(redis_answers_are_read),
		cmocka_unit_test(memcached_stats_are_read),
		cmocka_unit_test(mongo_answers_are_read),
		cmocka_unit_test(postgres_answers_are_read),
		cmocka_unit_test(vnc_security_types_are_read),
		cmocka_unit_test(smb_and_rdp_answers_are_read),
		cmocka_unit_test(http_apis_are_identified),
		cmocka_unit_test(evidence_is_redacted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
