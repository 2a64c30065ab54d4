#include "base/common.h"
#include "base/sock.h"
#include "base/clock.h"
#include "base/str.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

int sock_addr_from_ip(struct sock_addr *a, const char *ip, int port)
{
	memset(a, 0, sizeof(*a));
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		a->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		a->len = sizeof(*v6);
	} else {
		return SS_EINVAL;
	}
	sock_addr_set_port(a, port);
	return 0;
}

int sock_addr_parse(struct sock_addr *a, const char *text, int default_port)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t n;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || (end[1] && end[1] != ':'))
			return SS_EINVAL;
		n = (size_t)(end - text - 1);
		text++;
		port = end[1] ? end + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		/* one colon: IPv4 with a port; more: a bare IPv6 address */
		if (colon && !strchr(colon + 1, ':')) {
			n = (size_t)(colon - text);
			port = colon + 1;
		} else {
			n = strlen(text);
		}
	}
	if (n == 0 || n >= sizeof(ip))
		return SS_EINVAL;
	memcpy(ip, text, n);
	ip[n] = '\0';
	long p = default_port;
	if (port && str_to_long(port, 1, 65535, &p) < 0)
		return SS_EINVAL;
	return sock_addr_from_ip(a, ip, (int)p);
}

void sock_addr_set_port(struct sock_addr *a, int port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
}

int sock_addr_port(const struct sock_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

void sock_addr_ip(const struct sock_addr *a, char *out, size_t n)
{
	const void *src = a->ss.ss_family == AF_INET
		? (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr
		: (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	if (!inet_ntop(a->ss.ss_family, src, out, (socklen_t)n) && n)
		out[0] = '\0';
}

void sock_addr_format(const struct sock_addr *a, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	sock_addr_ip(a, ip, sizeof(ip));
	if (a->ss.ss_family == AF_INET6)
		snprintf(out, n, "[%s]:%d", ip, sock_addr_port(a));
	else
		snprintf(out, n, "%s:%d", ip, sock_addr_port(a));
}

/* Waits for events on fd until the deadline: 1 when ready, SS_ETIMEOUT, SS_EIO. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms - clock_mono_ms();
		if (left <= 0)
			return SS_ETIMEOUT;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)MIN(left, INT_MAX));
		if (n > 0)
			return 1;
		if (n == 0)
			return SS_ETIMEOUT;
		if (errno != EINTR)
			return SS_EIO;
	}
}

int sock_connect(const struct sock_addr *a, int64_t deadline_ms)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return SS_EIO;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		return fd;
	int rc = SS_EIO;
	if (errno != EINPROGRESS)
		goto fail;
	rc = wait_fd(fd, POLLOUT, deadline_ms);
	if (rc < 0)
		goto fail;
	int err = 0;
	socklen_t elen = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
		rc = SS_EIO;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}

int sock_send_all(int fd, const void *data, size_t len, int64_t deadline_ms)
{
	const char *p = data;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline_ms);
			if (rc < 0)
				return rc;
			continue;
		}
		return SS_EIO;
	}
	return 0;
}

/* Receives up to len bytes, waiting until the deadline: the count, 0 when the peer closed, or SS_E*. */
static ssize_t recv_some(int fd, void *p, size_t len, int64_t deadline_ms)
{
	for (;;) {
		ssize_t n = recv(fd, p, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return SS_EIO;
		int rc = wait_fd(fd, POLLIN, deadline_ms);
		if (rc < 0)
			return rc;
	}
}

int sock_recv_until(int fd, struct buf *b, bool (*done)(const struct buf *b, void *ud), void *ud,
		    int64_t deadline_ms)
{
	char chunk[4096];
	for (;;) {
		if (done && done(b, ud))
			return 0;
		if (b->len >= b->max)
			return SS_ETOOBIG;
		ssize_t n = recv_some(fd, chunk, MIN(sizeof(chunk), b->max - b->len), deadline_ms);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return done && done(b, ud) ? 0 : 1;
		buf_append(b, chunk, (size_t)n);
	}
}

int sock_recv_exact(int fd, void *out, size_t len, int64_t deadline_ms)
{
	char *p = out;
	while (len) {
		ssize_t n = recv_some(fd, p, len, deadline_ms);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return SS_EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sock_wait(int fd, short events, int64_t deadline_ms)
{
	int rc = wait_fd(fd, events, deadline_ms);
	return rc > 0 ? 0 : rc;
}
