#include "base/common.h"
#include "base/resolve.h"
#include "base/ssrf.h"
#include "base/str.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

bool resolve_override_ok(const char *s)
{
	const char *c1 = strchr(s, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char port[8];
	long v;
	if (!c1 || !c2 || c1 == s || !c2[1] || (size_t)(c2 - c1 - 1) >= sizeof(port))
		return false;
	memcpy(port, c1 + 1, (size_t)(c2 - c1 - 1));
	port[c2 - c1 - 1] = '\0';
	return str_to_long(port, 1, 65535, &v) == 0;
}

/* The address of a "HOST:PORT:ADDR" override for host and port, copied to addr; false if none. */
static bool override_for(const char *const *overrides, const char *host, int port, char *addr,
			 size_t n)
{
	size_t hlen = strlen(host);
	for (; overrides && *overrides; overrides++) {
		const char *o = *overrides, *colon;
		if (strncasecmp(o, host, hlen) || o[hlen] != ':')
			continue;
		colon = strchr(o + hlen + 1, ':');
		if (!colon)
			continue;
		char num[8];
		long p;
		size_t plen = (size_t)(colon - (o + hlen + 1));
		if (plen >= sizeof(num))
			continue;
		memcpy(num, o + hlen + 1, plen);
		num[plen] = '\0';
		if (str_to_long(num, 1, 65535, &p) || p != port)
			continue;
		const char *a = colon + 1;
		size_t alen = strlen(a);
		if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
			a++;
			alen -= 2;
		}
		if (alen >= n)
			continue;
		memcpy(addr, a, alen);
		addr[alen] = '\0';
		return true;
	}
	return false;
}

int resolve_host(const char *host, int port, const char *const *overrides, bool allow_private,
		 struct sock_addr *out, char *ip, size_t iplen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *name = host;
	struct addrinfo hints = {0}, *res = NULL;
	int err = SS_ENOTFOUND;

	if (override_for(overrides, host, port, addr, sizeof(addr)))
		name = addr;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = name == addr ? AI_NUMERICHOST : 0;
	if (getaddrinfo(name, NULL, &hints, &res) || !res)
		return SS_ENOTFOUND;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(out->ss))
			continue;
		if (!ssrf_address_allowed(ai->ai_addr, allow_private)) {
			err = SS_EDENIED;
			continue;
		}
		memset(out, 0, sizeof(*out));
		memcpy(&out->ss, ai->ai_addr, ai->ai_addrlen);
		out->len = (socklen_t)ai->ai_addrlen;
		sock_addr_set_port(out, port);
		if (ip)
			sock_addr_ip(out, ip, iplen);
		err = 0;
		break;
	}
	freeaddrinfo(res);
	return err;
}
