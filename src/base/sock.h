#ifndef BASE_SOCK_H
#define BASE_SOCK_H
#include "base/common.h"
#include "base/buf.h"
#include <sys/socket.h>

/*
 * Blocking-style conversations over non-blocking TCP sockets, every step bounded by an absolute
 * deadline (clock_mono_ms()): for protocol probes that say a few bytes and read a bounded answer.
 * The caller checks the SSRF guard before connecting.
 */

/* A numeric address and port, as getaddrinfo or inet_pton produce it. */
struct sock_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Fills a from a numeric IPv4/IPv6 string and a port; SS_EINVAL if ip is not numeric. */
int sock_addr_from_ip(struct sock_addr *a, const char *ip, int port);
/*
 * Parses a numeric "ADDR[:PORT]" ("127.0.0.1:5353", "[::1]:53", "::1", "9.9.9.9") into a, with
 * default_port when none is given; SS_EINVAL for names or bad ports.
 */
int sock_addr_parse(struct sock_addr *a, const char *text, int default_port);
/* Sets the port of a. */
void sock_addr_set_port(struct sock_addr *a, int port);
/* The port of a. */
int sock_addr_port(const struct sock_addr *a);
/* "1.2.3.4" or "::1" into out (at least 64 bytes). */
void sock_addr_ip(const struct sock_addr *a, char *out, size_t n);
/* "1.2.3.4:80" or "[::1]:80" into out (at least 72 bytes). */
void sock_addr_format(const struct sock_addr *a, char *out, size_t n);

/* Connects a TCP socket; returns the descriptor or SS_EIO (refused, unreachable) / SS_ETIMEOUT. */
int sock_connect(const struct sock_addr *a, int64_t deadline_ms);
/* Sends all of data; 0, SS_EIO or SS_ETIMEOUT. */
int sock_send_all(int fd, const void *data, size_t len, int64_t deadline_ms);
/*
 * Appends what arrives to b until done(b, ud) says the answer is complete, the peer closes,
 * b reaches its maximum or the deadline passes. Returns 0 when done() was satisfied, 1 when the
 * peer closed first, SS_ETOOBIG, SS_ETIMEOUT or SS_EIO. done may be NULL (read until close).
 */
int sock_recv_until(int fd, struct buf *b, bool (*done)(const struct buf *b, void *ud), void *ud,
		    int64_t deadline_ms);
/* Reads exactly len bytes into out; 0, SS_EIO (closed early), SS_ETIMEOUT. */
int sock_recv_exact(int fd, void *out, size_t len, int64_t deadline_ms);

/* Waits until fd is ready for events (POLLIN, POLLOUT); 0, SS_ETIMEOUT or SS_EIO. For callers that
 * drive their own protocol engine (OpenSSL) over a socket from sock_connect. */
int sock_wait(int fd, short events, int64_t deadline_ms);

#endif
