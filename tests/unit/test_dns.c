#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/clock.h"
#include "base/sock.h"
#include "modules/dns_anchor.h"
#include "modules/dns_policy.h"
#include "modules/dns_wire.h"
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>

/* A message builder for the tests: header, then records appended by hand. */
struct pkt {
	uint8_t b[4096];
	size_t n;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void put16(struct pkt *p, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(p, b, 2);
}

static void header(struct pkt *p, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

/* Appends a name given as "\3www\7example\3com" (with the final zero). */
static void name(struct pkt *p, const char *wire)
{
	put(p, wire, strlen(wire) + 1);
}

static void rr_head(struct pkt *p, unsigned type, unsigned rdlen)
{
	put16(p, type);
	put16(p, 1);
	put16(p, 0);
	put16(p, 300);
	put16(p, rdlen);
}

static void query_is_wire_format(void **state)
{
	uint8_t q[512];
	int n = dns_query_build(q, sizeof(q), 0xbeef, "www.Example.com.", DNS_TXT, true);
	assert_int_equal(n, 12 + 17 + 4);
	assert_int_equal(q[0], 0xbe);
	assert_int_equal(q[2], 0x01);
	assert_memory_equal(q + 12, "\3www\7Example\3com\0", 17);
	assert_int_equal(q[12 + 17 + 1], DNS_TXT);
	assert_int_equal(dns_query_build(q, sizeof(q), 1, "a..b", DNS_A, true), SS_EINVAL);
	char label[80];
	memset(label, 'a', 64);
	label[64] = '\0';
	assert_int_equal(dns_query_build(q, sizeof(q), 1, label, DNS_A, true), SS_EINVAL);
	assert_int_equal(dns_query_build(q, 20, 1, "example.com", DNS_A, true), SS_ETOOBIG);
}

static void answer_with_compression_parses(void **state)
{
	struct pkt p;
	header(&p, 0x8180, 1, 2, 0, 0);
	name(&p, "\3www\7example\3com");
	put16(&p, DNS_CNAME);
	put16(&p, 1);
	/* www.example.com CNAME shop.herokuapp.com, owner compressed to offset 12 */
	put(&p, "\xc0\x0c", 2);
	rr_head(&p, DNS_CNAME, 20);
	name(&p, "\4shop\11herokuapp\3com");
	/* example.com TXT "v=spf1 " "-all" (owner points into the question) */
	put(&p, "\xc0\x10", 2);
	rr_head(&p, DNS_TXT, 13);
	put(&p, "\7v=spf1 \4-all", 13);
	struct dns_msg m;
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), 0);
	assert_string_equal(m.qname, "www.example.com");
	assert_int_equal(m.nrrs, 2);
	assert_string_equal(m.rrs[0].name, "www.example.com");
	char target[DNS_NAME_MAX];
	assert_int_equal(dns_rr_name(&m, &m.rrs[0], 0, target), 0);
	assert_string_equal(target, "shop.herokuapp.com");
	assert_string_equal(m.rrs[1].name, "example.com");
	struct buf txt;
	buf_init(&txt, 100);
	assert_int_equal(dns_rr_txt(&m, &m.rrs[1], &txt), 0);
	assert_string_equal(buf_str(&txt), "v=spf1 -all");
	buf_release(&txt);
	dns_msg_release(&m);
}

static void malformed_messages_are_rejected(void **state)
{
	struct dns_msg m;
	struct pkt p;
	/* too short for a header */
	assert_int_equal(dns_msg_parse((const uint8_t *)"\0\0\0", 3, &m), SS_EINVAL);
	/* a pointer to itself */
	header(&p, 0x8180, 1, 0, 0, 0);
	put(&p, "\xc0\x0c\0\1\0\1", 6);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), SS_EINVAL);
	/* a forward pointer */
	header(&p, 0x8180, 1, 0, 0, 0);
	put(&p, "\xc0\x20\0\1\0\1", 6);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), SS_EINVAL);
	/* a label running past the end */
	header(&p, 0x8180, 1, 0, 0, 0);
	put(&p, "\x3f" "abc", 4);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), SS_EINVAL);
	/* counts announcing more records than the packet can hold */
	header(&p, 0x8180, 0, 60000, 0, 0);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), SS_ETOOBIG);
	header(&p, 0x8180, 0, 50, 0, 0);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), SS_EINVAL);
	/* rdata longer than the packet */
	header(&p, 0x8180, 0, 1, 0, 0);
	name(&p, "\1a");
	rr_head(&p, DNS_A, 400);
	put(&p, "\1\2\3\4", 4);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), SS_EINVAL);
	/* a name longer than 255 octets made of valid labels */
	header(&p, 0x8180, 1, 0, 0, 0);
	for (int i = 0; i < 5; i++) {
		uint8_t l = 60;
		put(&p, &l, 1);
		char lab[60];
		memset(lab, 'x', sizeof(lab));
		put(&p, lab, sizeof(lab));
	}
	put(&p, "\0\0\1\0\1", 5);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), SS_EINVAL);
	/* odd bytes in labels are escaped, not copied */
	header(&p, 0x8180, 1, 0, 0, 0);
	put(&p, "\3a.\x01\0\0\1\0\1", 9);
	assert_int_equal(dns_msg_parse(p.b, p.n, &m), 0);
	assert_string_equal(m.qname, "a\\046\\001");
	dns_msg_release(&m);
}

static void garbage_never_crashes_the_parser(void **state)
{
	uint8_t junk[600];
	struct dns_msg m;
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk));
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rand();
		if (n >= 12) { /* make the counts small so that parsing goes deep */
			junk[4] = 0;
			junk[5] = (uint8_t)(junk[5] & 1);
			junk[6] = junk[8] = junk[10] = 0;
			junk[7] &= 3;
			junk[9] &= 3;
			junk[11] &= 3;
		}
		if (dns_msg_parse(junk, n, &m) == 0) {
			char out[DNS_NAME_MAX];
			struct buf b;
			buf_init(&b, 64);
			for (size_t i = 0; i < m.nrrs; i++) {
				dns_rr_name(&m, &m.rrs[i], 0, out);
				dns_rr_txt(&m, &m.rrs[i], &b);
				dns_rr_caa_tag(&m, &m.rrs[i], out, 32);
			}
			buf_release(&b);
			dns_msg_release(&m);
		}
	}
}

static void names_compare_as_dns_does(void **state)
{
	assert_true(dns_name_equal("Example.COM.", "example.com"));
	assert_false(dns_name_equal("example.com", "example.co"));
	assert_true(dns_name_under("www.example.com", "example.com"));
	assert_true(dns_name_under("example.com", "example.com."));
	assert_false(dns_name_under("badexample.com", "example.com"));
	assert_true(dns_name_under("anything", ""));
}

static void spf_terms_are_counted(void **state)
{
	struct dns_spf s;
	assert_int_equal(dns_spf_parse("v=spf1 include:_spf.google.com a mx:mail.x ptr exists:%{i}.x ip4:1.2.3.4 ~all", &s), 0);
	assert_int_equal(s.lookups, 5);
	assert_int_equal(s.all, '~');
	assert_int_equal(s.ntargets, 1);
	assert_string_equal(s.targets[0], "_spf.google.com");
	dns_spf_release(&s);
	assert_int_equal(dns_spf_parse("v=spf1 +all", &s), 0);
	assert_int_equal(s.all, '+');
	dns_spf_release(&s);
	assert_int_equal(dns_spf_parse("v=spf1 all", &s), 0);
	assert_int_equal(s.all, '+');
	dns_spf_release(&s);
	assert_int_equal(dns_spf_parse("v=spf1 ?all", &s), 0);
	assert_int_equal(s.all, '?');
	dns_spf_release(&s);
	assert_int_equal(dns_spf_parse("v=spf1 redirect=_spf.example.net", &s), 0);
	assert_true(s.redirect);
	assert_int_equal(s.all, 0);
	assert_string_equal(s.targets[0], "_spf.example.net");
	dns_spf_release(&s);
	assert_int_equal(dns_spf_parse("v=spf10 -all", &s), SS_EINVAL);
	assert_int_equal(dns_spf_parse("google-site-verification=abc", &s), SS_EINVAL);
	assert_false(dns_spf_is_spf("v=spf1x"));
	assert_true(dns_spf_is_spf("V=SPF1"));
}

static void dmarc_policy_is_read(void **state)
{
	char p[16];
	assert_int_equal(dns_dmarc_policy("v=DMARC1; p=none; rua=mailto:x@y", p, sizeof(p)), 0);
	assert_string_equal(p, "none");
	assert_int_equal(dns_dmarc_policy("v=DMARC1;p = Reject ", p, sizeof(p)), 0);
	assert_string_equal(p, "reject");
	/* pct= and sp= are not p= */
	assert_int_equal(dns_dmarc_policy("v=DMARC1; pct=100; sp=reject", p, sizeof(p)), SS_EINVAL);
	assert_int_equal(dns_dmarc_policy("v=spf1 -all", p, sizeof(p)), SS_EINVAL);
	assert_int_equal(dns_dmarc_policy("v=DMARC1; p=quarantinequarantine", p, 8), SS_EINVAL);
}

static void takeover_fingerprints_match(void **state)
{
	struct dns_takeover_set set = {0};
	assert_int_equal(dns_takeover_load_embedded(&set), 0);
	assert_true(set.n >= 10);
	const struct dns_takeover_provider *p = dns_takeover_match(&set, "old-shop.herokuapp.com");
	assert_non_null(p);
	assert_string_equal(p->name, "Heroku");
	assert_true(p->nxdomain);
	p = dns_takeover_match(&set, "assets.s3.amazonaws.com");
	assert_non_null(p);
	const char page[] = "<Error><Code>NoSuchBucket</Code></Error>";
	assert_true(dns_takeover_page_matches(p, page, sizeof(page) - 1));
	assert_false(dns_takeover_page_matches(p, "<html>ok</html>", 15));
	assert_non_null(dns_takeover_match(&set, "MyApp.AzureWebsites.net"));
	assert_null(dns_takeover_match(&set, "herokuapp.com.evil.example"));
	assert_null(dns_takeover_match(&set, "www.example.com"));
	dns_takeover_set_release(&set);

	struct dns_takeover_set bad = {0};
	assert_int_equal(dns_takeover_load(&bad, "{\"providers\": [{\"name\": \"x\"}]}", 31, "test"), SS_EINVAL);
	assert_int_equal(dns_takeover_load(&bad, "[", 1, "test"), SS_EINVAL);
	assert_int_equal(bad.n, 0);
	dns_takeover_set_release(&bad);
}

/* An SOA or A record of zone example.com, for transfer streams. */
static void axfr_msg(struct pkt *p, int nsoa_first, int na, int nsoa_last)
{
	header(p, 0x8400, 0, (unsigned)(nsoa_first + na + nsoa_last), 0, 0);
	for (int i = 0; i < nsoa_first + na + nsoa_last; i++) {
		bool soa = i < nsoa_first || i >= nsoa_first + na;
		if (soa) {
			name(p, "\7example\3com");
			rr_head(p, DNS_SOA, 22);
			put(p, "\2ns\xc0\x0c\xc0\x0c\0\0\0\1\0\0\0\1\0\0\0\1\0\0\0\1", 22);
		} else {
			name(p, "\5admin\7example\3com");
			rr_head(p, DNS_A, 4);
			put(p, "\x7f\0\0\1", 4);
		}
	}
}

static void axfr_stream_is_followed(void **state)
{
	struct dns_axfr_result r;
	struct pkt p;
	dns_axfr_result_init(&r);
	axfr_msg(&p, 1, 2, 0);
	assert_int_equal(dns_axfr_message(p.b, p.n, "example.com", &r), 0);
	axfr_msg(&p, 0, 1, 1);
	assert_int_equal(dns_axfr_message(p.b, p.n, "example.com", &r), 1);
	assert_int_equal(r.status, DNS_AXFR_ALLOWED);
	assert_int_equal(r.records, 5);
	assert_string_equal(buf_str(&r.names), "admin.example.com");
	dns_axfr_result_release(&r);

	/* REFUSED */
	dns_axfr_result_init(&r);
	header(&p, 0x8405, 0, 0, 0, 0);
	assert_int_equal(dns_axfr_message(p.b, p.n, "example.com", &r), SS_EINVAL);
	assert_int_equal(r.status, DNS_AXFR_REFUSED);
	assert_string_equal(r.error, "server answered REFUSED");
	dns_axfr_result_release(&r);

	/* a transfer that starts with something else than the zone's SOA */
	dns_axfr_result_init(&r);
	axfr_msg(&p, 0, 1, 0);
	assert_int_equal(dns_axfr_message(p.b, p.n, "example.com", &r), SS_EINVAL);
	assert_int_equal(r.status, DNS_AXFR_ERROR);
	dns_axfr_result_release(&r);

	/* garbage */
	dns_axfr_result_init(&r);
	assert_int_equal(dns_axfr_message((const uint8_t *)"garbage!garbage!", 16, "example.com", &r),
			 SS_EINVAL);
	assert_int_equal(r.status, DNS_AXFR_ERROR);
	assert_non_null(strstr(r.error, "not a DNS response") ? r.error : strstr(r.error, "malformed"));
	dns_axfr_result_release(&r);
}

/* A one-connection TCP server on loopback: sends head once, then body repeat times (or keeps silent). */
struct fake {
	int lfd;
	int port;
	const uint8_t *head;
	size_t hlen;
	const uint8_t *body;
	size_t blen;
	int repeat;
	bool silent;
	pthread_t th;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int c = accept(f->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	char q[512];
	ssize_t got = recv(c, q, sizeof(q), 0);
	(void)got;
	if (f->silent)
		usleep(400 * 1000); /* until the client gives up */
	if (f->hlen)
		send(c, f->head, f->hlen, MSG_NOSIGNAL);
	for (int i = 0; i < f->repeat; i++)
		if (send(c, f->body, f->blen, MSG_NOSIGNAL) < 0)
			break;
	close(c);
	return NULL;
}

static void fake_start(struct fake *f, const void *head, size_t hlen, const void *body, size_t blen,
		       int repeat)
{
	memset(f, 0, sizeof(*f));
	f->head = head;
	f->hlen = hlen;
	f->body = body;
	f->blen = blen;
	f->repeat = repeat;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(f->lfd, (struct sockaddr *)&a, &al);
	f->port = ntohs(a.sin_port);
	listen(f->lfd, 1);
}

static void fake_run(struct fake *f, struct dns_axfr_result *r, long timeout_ms)
{
	pthread_create(&f->th, NULL, fake_main, f);
	struct sock_addr a;
	assert_int_equal(sock_addr_from_ip(&a, "127.0.0.1", f->port), 0);
	assert_int_equal(dns_axfr(&a, "example.com", clock_mono_ms() + timeout_ms, r), 0);
	pthread_join(f->th, NULL);
	close(f->lfd);
}

/* p framed with its TCP length prefix into out; returns the framed length. */
static size_t frame(const struct pkt *p, uint8_t *out)
{
	out[0] = (uint8_t)(p->n >> 8);
	out[1] = (uint8_t)p->n;
	memcpy(out + 2, p->b, p->n);
	return p->n + 2;
}

static void axfr_against_hostile_servers_ends_in_clear_errors(void **state)
{
	struct fake f;
	struct dns_axfr_result r;
	struct pkt p;
	uint8_t head[4200], body[4200];

	/* a real (tiny) transfer */
	axfr_msg(&p, 1, 1, 1);
	size_t hlen = frame(&p, head);
	fake_start(&f, head, hlen, NULL, 0, 0);
	fake_run(&f, &r, 2000);
	assert_int_equal(r.status, DNS_AXFR_ALLOWED);
	assert_int_equal(r.records, 3);
	dns_axfr_result_release(&r);

	/* a length prefix followed by nonsense */
	static const uint8_t junk[] = "\x00\x10GARBAGEGARBAGE!!";
	fake_start(&f, junk, 18, NULL, 0, 0);
	fake_run(&f, &r, 2000);
	assert_int_equal(r.status, DNS_AXFR_ERROR);
	assert_non_null(strstr(r.error, "DNS"));
	dns_axfr_result_release(&r);

	/* an opening SOA then an endless stream of records: bounded, and still a disclosed zone */
	axfr_msg(&p, 1, 0, 0);
	hlen = frame(&p, head);
	axfr_msg(&p, 0, 100, 0);
	size_t blen = frame(&p, body);
	fake_start(&f, head, hlen, body, blen, 1000000);
	int64_t t0 = clock_mono_ms();
	fake_run(&f, &r, 3000);
	assert_true(clock_mono_ms() - t0 < 3500);
	assert_int_equal(r.status, DNS_AXFR_ALLOWED);
	assert_non_null(strstr(r.error, "exceeds"));
	dns_axfr_result_release(&r);

	/* a silent server: the deadline ends it */
	fake_start(&f, NULL, 0, NULL, 0, 0);
	f.silent = true;
	t0 = clock_mono_ms();
	fake_run(&f, &r, 200);
	assert_true(clock_mono_ms() - t0 < 1000);
	assert_int_equal(r.status, DNS_AXFR_ERROR);
	assert_string_equal(r.error, "no answer before the deadline");
	dns_axfr_result_release(&r);

	/* a server that closes without a word refuses */
	fake_start(&f, NULL, 0, NULL, 0, 0);
	fake_run(&f, &r, 2000);
	assert_int_equal(r.status, DNS_AXFR_REFUSED);
	dns_axfr_result_release(&r);
}

/* dns_anchor_file_check on a file holding text: 0, or SS_EINVAL with err containing want. */
static void anchor_file(const char *text, int rc, const char *want)
{
	char path[] = "/tmp/secscan-anchor-XXXXXX", err[512] = "";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(dns_anchor_file_check(path, err, sizeof(err)), rc);
	if (want) {
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, want));
	}
	unlink(path);
}

static void trust_anchor_files_are_checked(void **state)
{
	(void)state;
	/* DS and DNSKEY records as keymgr and dnssec-dsfromkey print them, with comments */
	anchor_file("; corp anchors\ncorp.example. DS 17299 13 2 "
		    "d863c0de9be303e77295013d061bfaf4b4655b17aa042c757a1fed818b2301c7 ; KSK 2026\n",
		    0, NULL);
	anchor_file("corp.example. 3600 IN DNSKEY 257 3 13 iyKpr7w8Us6+eIveprWouLCL1wA+IUUciM1oPTkpcyPb3KQMIw+Zq"
		    "3iSU4aGPV5FcsrcWY6d1HGUShUm8/J86Q==\n", 0, NULL);
	anchor_file("", SS_EINVAL, "no DS or DNSKEY record");
	anchor_file("; corp.example. DS 17299 13 2 d863 (a comment, not a record)\n", SS_EINVAL,
		    "no DS or DNSKEY record");
	anchor_file("corp.example. A 192.0.2.1\n", SS_EINVAL, "no DS or DNSKEY record");
	/* libunbound's own reading of the file decides, and its reason is kept */
	anchor_file("corp.example. DS 17299 13 2 zz\n", SS_EINVAL, "hex");
	char err[256];
	assert_int_equal(dns_anchor_file_check("/nonexistent/anchors.ds", err, sizeof(err)), SS_EIO);
	assert_non_null(strstr(err, "cannot be read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_is_wire_format),
		cmocka_unit_test(answer_with_compression_parses),
		cmocka_unit_test(malformed_messages_are_rejected),
		cmocka_unit_test(garbage_never_crashes_the_parser),
		cmocka_unit_test(names_compare_as_dns_does),
		cmocka_unit_test(spf_terms_are_counted),
		cmocka_unit_test(dmarc_policy_is_read),
		cmocka_unit_test(takeover_fingerprints_match),
		cmocka_unit_test(axfr_stream_is_followed),
		cmocka_unit_test(axfr_against_hostile_servers_ends_in_clear_errors),
		cmocka_unit_test(trust_anchor_files_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
