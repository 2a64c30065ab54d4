#include "base/common.h"
#include "base/portscan.h"
#include "base/clock.h"
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

void portscan_options_init(struct portscan_options *o)
{
	o->concurrency = 256;
	o->connect_timeout_ms = 1500;
	o->deadline_ms = 0;
}

void portscan_result_release(struct portscan_result *r)
{
	free(r->open);
	r->open = NULL;
	r->nopen = 0;
}

/* Leaves room under the descriptor limit for the rest of the process (probes, HTTP, store). */
static int cap_concurrency(int want)
{
	struct rlimit rl;
	if (want < 1)
		want = 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		long room = (long)rl.rlim_cur / 2 - 32;
		if (room < 8)
			room = 8;
		if (want > room)
			want = (int)room;
	}
	return want;
}

static void add_open(struct portscan_result *r, size_t *cap, uint16_t port)
{
	r->open = xgrow(r->open, cap, r->nopen + 1, sizeof(*r->open));
	r->open[r->nopen++] = port;
}

static int cmp_port(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

struct slot {
	int fd;          /* -1 when free */
	uint16_t port;
	int64_t until;
};

int portscan_run(const struct sock_addr *addr, const uint16_t *ports, size_t nports,
		 const struct portscan_options *o, struct portscan_result *r)
{
	memset(r, 0, sizeof(*r));
	size_t cap = 0;
	int conc = cap_concurrency(o->concurrency);
	if ((size_t)conc > nports)
		conc = nports ? (int)nports : 1;
	struct slot *slots = xcalloc((size_t)conc, sizeof(*slots));
	struct pollfd *pfds = xcalloc((size_t)conc, sizeof(*pfds));
	int *map = xcalloc((size_t)conc, sizeof(*map));
	for (int i = 0; i < conc; i++)
		slots[i].fd = -1;
	size_t next = 0, inflight = 0;
	int rc = 0;
	struct sock_addr a = *addr;
	while (next < nports || inflight) {
		int64_t now = clock_mono_ms();
		if (o->deadline_ms && now >= o->deadline_ms) {
			rc = SS_ETIMEOUT;
			break;
		}
		/* Fill free slots; on loopback most connects finish inside connect() itself. */
		for (int i = 0; i < conc && next < nports; i++) {
			if (slots[i].fd >= 0)
				continue;
			uint16_t port = ports[next++];
			sock_addr_set_port(&a, port);
			int fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				next--; /* out of descriptors for now: retry once a slot frees */
				if (!inflight)
					rc = SS_EIO;
				break;
			}
			if (connect(fd, (const struct sockaddr *)&a.ss, a.len) == 0) {
				add_open(r, &cap, port);
				r->scanned++;
				close(fd);
				continue;
			}
			if (errno != EINPROGRESS) {
				r->scanned++;
				close(fd);
				continue;
			}
			slots[i] = (struct slot){.fd = fd, .port = port, .until = now + o->connect_timeout_ms};
			inflight++;
		}
		if (rc < 0)
			break;
		if (!inflight)
			continue;
		int64_t wake = INT64_MAX;
		nfds_t n = 0;
		for (int i = 0; i < conc; i++) {
			if (slots[i].fd < 0)
				continue;
			pfds[n] = (struct pollfd){.fd = slots[i].fd, .events = POLLOUT};
			map[n++] = i;
			wake = MIN(wake, slots[i].until);
		}
		if (o->deadline_ms)
			wake = MIN(wake, o->deadline_ms);
		int64_t wait = wake - clock_mono_ms();
		int got = poll(pfds, n, wait < 0 ? 0 : (int)MIN(wait, 1000));
		if (got < 0 && errno != EINTR) {
			rc = SS_EIO;
			break;
		}
		now = clock_mono_ms();
		for (nfds_t k = 0; k < n; k++) {
			struct slot *s = &slots[map[k]];
			bool done = false;
			if (got > 0 && pfds[k].revents) {
				int err = 0;
				socklen_t elen = sizeof(err);
				if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
					add_open(r, &cap, s->port);
				done = true;
			} else if (now >= s->until) {
				done = true; /* filtered: no answer */
			}
			if (done) {
				close(s->fd);
				s->fd = -1;
				inflight--;
				r->scanned++;
			}
		}
	}
	for (int i = 0; i < conc; i++)
		if (slots[i].fd >= 0)
			close(slots[i].fd);
	free(slots);
	free(pfds);
	free(map);
	if (r->nopen)
		qsort(r->open, r->nopen, sizeof(*r->open), cmp_port);
	return rc;
}

/* Parses one port number at *p, advancing it. */
static int parse_port(const char **p, long *out)
{
	const char *s = *p;
	long v = 0;
	if (*s < '0' || *s > '9')
		return SS_EINVAL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return SS_EINVAL;
		s++;
	}
	if (v < 1)
		return SS_EINVAL;
	*p = s;
	*out = v;
	return 0;
}

int portscan_parse_list(const char *spec, uint16_t **ports, size_t *n)
{
	*ports = NULL;
	*n = 0;
	/* A bitmap of the 65536 ports makes duplicates and order free. */
	uint8_t *seen = xcalloc(65536 / 8, 1);
	const char *p = spec;
	int rc = SS_EINVAL;
	size_t count = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		long lo, hi;
		if (parse_port(&p, &lo) < 0)
			goto out;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_port(&p, &hi) < 0 || hi < lo)
				goto out;
		}
		for (long v = lo; v <= hi; v++) {
			if (!(seen[v >> 3] & (1u << (v & 7))))
				count++;
			seen[v >> 3] |= (uint8_t)(1u << (v & 7));
		}
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',')
			goto out;
		p++;
	}
	*ports = xmalloc(count * sizeof(**ports));
	for (long v = 1; v <= 65535; v++)
		if (seen[v >> 3] & (1u << (v & 7)))
			(*ports)[(*n)++] = (uint16_t)v;
	rc = 0;
out:
	free(seen);
	return rc;
}
