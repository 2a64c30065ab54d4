#include "base/common.h"
#include "base/ssrf.h"
#include <arpa/inet.h>
#include <netinet/in.h>

struct v4_range {
	uint32_t net;
	int bits;
};

/* IPv4 ranges that are not public unicast (IANA special-purpose registry). */
static const struct v4_range v4_denied[] = {
	{0x00000000, 8},  /* 0.0.0.0/8 "this network" */
	{0x0A000000, 8},  /* 10.0.0.0/8 private */
	{0x64400000, 10}, /* 100.64.0.0/10 CGNAT */
	{0x7F000000, 8},  /* 127.0.0.0/8 loopback */
	{0xA9FE0000, 16}, /* 169.254.0.0/16 link-local, cloud metadata */
	{0xAC100000, 12}, /* 172.16.0.0/12 private */
	{0xC0000000, 24}, /* 192.0.0.0/24 IETF protocol assignments */
	{0xC0000200, 24}, /* 192.0.2.0/24 TEST-NET-1 */
	{0xC0586300, 24}, /* 192.88.99.0/24 6to4 relay anycast */
	{0xC0A80000, 16}, /* 192.168.0.0/16 private */
	{0xC6120000, 15}, /* 198.18.0.0/15 benchmarking */
	{0xC6336400, 24}, /* 198.51.100.0/24 TEST-NET-2 */
	{0xCB007100, 24}, /* 203.0.113.0/24 TEST-NET-3 */
	{0xE0000000, 4},  /* 224.0.0.0/4 multicast */
	{0xF0000000, 4},  /* 240.0.0.0/4 reserved, incl. 255.255.255.255 broadcast */
};

static bool v4_allowed(uint32_t a)
{
	for (size_t i = 0; i < ARRAY_SIZE(v4_denied); i++) {
		uint32_t mask = 0xFFFFFFFFu << (32 - v4_denied[i].bits);
		if ((a & mask) == v4_denied[i].net)
			return false;
	}
	return true;
}

static uint32_t v4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

struct v6_range {
	uint8_t prefix[16];
	int bits;
};

/* IPv6 ranges refused outright (those embedding an IPv4 address are handled in v6_allowed). */
static const struct v6_range v6_denied[] = {
	{{0}, 96},                                   /* ::/96 unspecified, loopback, IPv4-compatible */
	{{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48},  /* 64:ff9b:1::/48 local-use NAT64 */
	{{0x01, 0x00}, 64},                          /* 100::/64 discard */
	{{0x20, 0x01, 0x00, 0x00}, 23},              /* 2001::/23 IETF: Teredo, benchmarking, ORCHID */
	{{0x20, 0x01, 0x0d, 0xb8}, 32},              /* 2001:db8::/32 documentation */
	{{0x3f, 0xff}, 20},                          /* 3fff::/20 documentation */
	{{0xfc}, 7},                                 /* fc00::/7 unique local */
	{{0xfe, 0x80}, 10},                          /* fe80::/10 link-local */
	{{0xfe, 0xc0}, 10},                          /* fec0::/10 site-local (deprecated) */
	{{0xff}, 8},                                 /* ff00::/8 multicast */
};

static bool v6_in(const uint8_t *a, const struct v6_range *r)
{
	int full = r->bits / 8, rest = r->bits % 8;
	if (memcmp(a, r->prefix, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFF << (8 - rest));
	return (a[full] & mask) == (r->prefix[full] & mask);
}

static bool v6_allowed(const uint8_t *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	/* Forms that carry an IPv4 address reach that address: judge it instead. */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_allowed(v4_at(a + 12));
	if (a[0] == 0x20 && a[1] == 0x02) /* 2002::/16 6to4 */
		return v4_allowed(v4_at(a + 2));
	for (size_t i = 0; i < ARRAY_SIZE(v6_denied); i++)
		if (v6_in(a, &v6_denied[i]))
			return false;
	return true;
}

bool ssrf_address_allowed(const struct sockaddr *sa, bool allow_private)
{
	if (!sa)
		return false;
	if (allow_private)
		return true;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return v4_allowed(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return v6_allowed(in6->sin6_addr.s6_addr);
	}
	return false;
}

bool ssrf_ip_string_allowed(const char *ip, bool allow_private)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	if (!ip)
		return false;
	if (inet_pton(AF_INET, ip, &in.sin_addr) == 1)
		return ssrf_address_allowed((const struct sockaddr *)&in, allow_private);
	if (inet_pton(AF_INET6, ip, &in6.sin6_addr) == 1)
		return ssrf_address_allowed((const struct sockaddr *)&in6, allow_private);
	return false;
}

bool ssrf_address_listed(const struct sockaddr *sa, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++) {
		uint8_t bin[16];
		if (sa->sa_family == AF_INET && inet_pton(AF_INET, list[i], bin) == 1 &&
		    !memcmp(bin, &((const struct sockaddr_in *)sa)->sin_addr, 4))
			return true;
		if (sa->sa_family == AF_INET6 && inet_pton(AF_INET6, list[i], bin) == 1 &&
		    !memcmp(bin, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16))
			return true;
	}
	return false;
}
