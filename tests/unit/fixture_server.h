#ifndef TESTS_FIXTURE_SERVER_H
#define TESTS_FIXTURE_SERVER_H
/*
 * A small threaded HTTP/1.1 server on 127.0.0.1 for the engine's tests: one thread per
 * connection, Connection: close, routes below. It counts concurrent /slow requests so that tests
 * can check the scheduler's per-host cap.
 */
#include "base/common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

struct fx_server {
	int fd;
	int port;
	pthread_t thread;
	atomic_int active, max_active, live, hits;
	atomic_bool stop;
};

struct fx_conn {
	struct fx_server *s;
	int fd;
};

static const unsigned char fx_gzip_body[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9,
	0xc9, 0x57, 0x48, 0xaf, 0xca, 0x2c, 0x50, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0x51, 0xc8,
	0x18, 0x15, 0xa0, 0x54, 0x00, 0x00, 0x0a, 0x5c, 0xf0, 0xea, 0x54, 0x01, 0x00, 0x00};

static inline void fx_send(int fd, int status, const char *headers, const void *body, size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d Fixture\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
			 len, headers);
	if (write(fd, head, (size_t)n) < 0)
		return;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, (const char *)body + off, len - off);
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* Sleeps ms milliseconds unless the server stops first. */
static inline void fx_nap(struct fx_server *s, int ms)
{
	for (int i = 0; i < ms / 10 && !atomic_load(&s->stop); i++)
		usleep(10000);
}

static inline void fx_route(struct fx_server *s, int fd, const char *method, const char *path)
{
	char hdr[512];
	if (!strcmp(path, "/hello")) {
		fx_send(fd, 200, "X-Test: a\r\nContent-Type: text/plain\r\nX-Test: b\r\n", "hello", 5);
	} else if (!strcmp(path, "/")) {
		fx_send(fd, 200,
			"Server: nginx/1.18.0\r\nX-Powered-By: Express\r\nSet-Cookie: connect.sid=abc; Path=/\r\n",
			"<html>home</html>", 17);
	} else if (!strcmp(path, "/slow")) {
		int now = atomic_fetch_add(&s->active, 1) + 1;
		int seen = atomic_load(&s->max_active);
		while (now > seen && !atomic_compare_exchange_weak(&s->max_active, &seen, now))
			;
		fx_nap(s, 300);
		atomic_fetch_sub(&s->active, 1);
		fx_send(fd, 200, "", "slow", 4);
	} else if (!strcmp(path, "/hang")) {
		fx_nap(s, 5000);
	} else if (!strcmp(path, "/stream")) {
		/* an event stream: one event at once, then (maybe) another after a long pause */
		static const char head[] = "HTTP/1.1 200 Fixture\r\nContent-Type: text/event-stream\r\n"
					   "Connection: close\r\n\r\nevent: one\ndata: 1\n\n";
		if (write(fd, head, sizeof(head) - 1) > 0) {
			fx_nap(s, 5000);
			if (write(fd, "data: late\n\n", 12) < 0)
				return;
		}
	} else if (!strcmp(path, "/big")) {
		size_t n = 200000;
		char *big = malloc(n);
		memset(big, 'x', n);
		fx_send(fd, 200, "", big, n);
		free(big);
	} else if (!strcmp(path, "/gzip")) {
		fx_send(fd, 200, "Content-Encoding: gzip\r\n", fx_gzip_body, sizeof(fx_gzip_body));
	} else if (!strcmp(path, "/r1")) {
		fx_send(fd, 302, "Location: /r2\r\n", "", 0);
	} else if (!strcmp(path, "/r2")) {
		snprintf(hdr, sizeof(hdr), "Location: http://127.0.0.1:%d/hello\r\n", s->port);
		fx_send(fd, 301, hdr, "", 0);
	} else if (!strcmp(path, "/to-private")) {
		snprintf(hdr, sizeof(hdr), "Location: http://127.0.0.2:%d/hello\r\n", s->port);
		fx_send(fd, 302, hdr, "", 0);
	} else if (!strcmp(path, "/loop")) {
		fx_send(fd, 302, "Location: /loop\r\n", "", 0);
	} else if (!strcmp(path, "/to-ftp")) {
		fx_send(fd, 302, "Location: ftp://files.example/x\r\n", "", 0);
	} else if (!strcmp(path, "/post303")) {
		fx_send(fd, 303, "Location: /method\r\n", "", 0);
	} else if (!strcmp(path, "/method")) {
		fx_send(fd, 200, "", method, strlen(method));
	} else {
		fx_send(fd, 404, "", "not found", 9);
	}
}

static inline void *fx_conn_main(void *arg)
{
	struct fx_conn *c = arg;
	char req[8192], method[16] = "", path[1024] = "";
	size_t len = 0;
	while (len < sizeof(req) - 1) {
		ssize_t r = read(c->fd, req + len, sizeof(req) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		req[len] = '\0';
		if ((unsigned char)req[0] == 0x16)
			break; /* a TLS ClientHello: hang up, as a plain-HTTP server would fail it */
		char *end = strstr(req, "\r\n\r\n");
		if (end) {
			/* a request body (POST) is read as far as Content-Length says */
			const char *cl = strcasestr(req, "\r\ncontent-length:");
			long want = cl ? strtol(cl + 17, NULL, 10) : 0;
			if ((long)(len - (size_t)(end + 4 - req)) >= want)
				break;
		}
	}
	req[len] = '\0';
	if (sscanf(req, "%15s %1023s", method, path) == 2) {
		atomic_fetch_add(&c->s->hits, 1);
		fx_route(c->s, c->fd, method, path);
	}
	close(c->fd);
	atomic_fetch_sub(&c->s->live, 1);
	free(c);
	return NULL;
}

static inline void *fx_accept_main(void *arg)
{
	struct fx_server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		struct fx_conn *c = malloc(sizeof(*c));
		pthread_t t;
		c->s = s;
		c->fd = fd;
		atomic_fetch_add(&s->live, 1);
		if (pthread_create(&t, NULL, fx_conn_main, c) == 0) {
			pthread_detach(t);
		} else {
			atomic_fetch_sub(&s->live, 1);
			close(fd);
			free(c);
		}
	}
	return NULL;
}

static inline int fx_start(struct fx_server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int one = 1;
	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) || listen(s->fd, 64) ||
	    getsockname(s->fd, (struct sockaddr *)&a, &alen))
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->thread, NULL, fx_accept_main, s);
}

static inline void fx_stop(struct fx_server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	close(s->fd);
	while (atomic_load(&s->live) > 0)
		usleep(5000);
}

#endif
