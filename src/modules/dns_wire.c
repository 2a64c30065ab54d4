#include "base/common.h"
#include "modules/dns_wire.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include <unistd.h>

#define HDR_LEN 12
/* Compression pointers followed per name: more means a loop or a hostile message. */
#define MAX_POINTERS 64

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t type, bool rd)
{
	size_t nlen = strlen(name);
	if (nlen && name[nlen - 1] == '.')
		nlen--;
	/* header + labels (each label byte + content = nlen + 1 + root) + qtype/qclass */
	if (nlen > 253)
		return SS_EINVAL;
	size_t need = HDR_LEN + nlen + 2 + 4;
	if (cap < need)
		return SS_ETOOBIG;
	memset(out, 0, HDR_LEN);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = rd ? 0x01 : 0x00;
	out[5] = 1; /* QDCOUNT */
	size_t o = HDR_LEN;
	size_t start = 0;
	while (start < nlen) {
		const char *dot = memchr(name + start, '.', nlen - start);
		size_t l = dot ? (size_t)(dot - (name + start)) : nlen - start;
		if (l == 0 || l > 63)
			return SS_EINVAL;
		out[o++] = (uint8_t)l;
		memcpy(out + o, name + start, l);
		o += l;
		start += l + 1;
	}
	out[o++] = 0;
	out[o++] = (uint8_t)(type >> 8);
	out[o++] = (uint8_t)type;
	out[o++] = 0;
	out[o++] = 1; /* IN */
	return (int)o;
}

static void put_label_char(char *out, size_t *w, uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*') {
		out[(*w)++] = (char)c;
	} else if (c >= 'A' && c <= 'Z') {
		out[(*w)++] = (char)(c - 'A' + 'a');
	} else {
		snprintf(out + *w, 5, "\\%03u", c);
		*w += 4;
	}
}

int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, char out[DNS_NAME_MAX])
{
	size_t pos = *off;
	size_t after = 0;      /* where the caller continues: just past the first pointer */
	bool jumped = false;
	int pointers = 0;
	size_t wire = 1;       /* octets of the uncompressed name, root included */
	size_t w = 0;
	for (;;) {
		if (pos >= len)
			return SS_EINVAL;
		uint8_t l = pkt[pos];
		if ((l & 0xC0) == 0xC0) {
			if (pos + 1 >= len || ++pointers > MAX_POINTERS)
				return SS_EINVAL;
			size_t target = (size_t)(l & 0x3F) << 8 | pkt[pos + 1];
			/* Only backward pointers: forward ones are how loops are built. */
			if (target >= pos)
				return SS_EINVAL;
			if (!jumped)
				after = pos + 2;
			jumped = true;
			pos = target;
			continue;
		}
		if (l & 0xC0)
			return SS_EINVAL; /* extended label types are obsolete */
		if (l == 0) {
			pos++;
			break;
		}
		if (pos + 1 + l > len)
			return SS_EINVAL;
		wire += 1u + l;
		if (wire > 255)
			return SS_EINVAL;
		if (w)
			out[w++] = '.';
		for (size_t i = 0; i < l; i++)
			put_label_char(out, &w, pkt[pos + 1 + i]);
		pos += 1u + l;
	}
	out[w] = '\0';
	*off = jumped ? after : pos;
	return 0;
}

int dns_msg_parse(const uint8_t *pkt, size_t len, struct dns_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < HDR_LEN || len > 65535)
		return SS_EINVAL;
	m->pkt = pkt;
	m->len = len;
	m->id = rd16(pkt);
	m->flags = rd16(pkt + 2);
	m->rcode = m->flags & 0x0F;
	uint16_t qd = rd16(pkt + 4);
	size_t counts[3] = {rd16(pkt + 6), rd16(pkt + 8), rd16(pkt + 10)};
	size_t total = counts[0] + counts[1] + counts[2];
	if (qd > 1)
		return SS_EINVAL;
	if (total > DNS_MAX_RRS)
		return SS_ETOOBIG;
	/* Every record takes at least 11 bytes: a count beyond that is a lie. */
	if (total * 11 > len)
		return SS_EINVAL;
	size_t off = HDR_LEN;
	if (qd) {
		if (dns_name_read(pkt, len, &off, m->qname) < 0 || off + 4 > len)
			return SS_EINVAL;
		m->qtype = rd16(pkt + off);
		off += 4;
	}
	m->rrs = total ? xcalloc(total, sizeof(*m->rrs)) : NULL;
	for (int s = 0; s < 3; s++) {
		for (size_t i = 0; i < counts[s]; i++) {
			struct dns_rr *rr = &m->rrs[m->nrrs];
			if (dns_name_read(pkt, len, &off, rr->name) < 0 || off + 10 > len)
				goto bad;
			rr->type = rd16(pkt + off);
			rr->class = rd16(pkt + off + 2);
			rr->ttl = rd32(pkt + off + 4);
			rr->rdlen = rd16(pkt + off + 8);
			off += 10;
			if (off + rr->rdlen > len)
				goto bad;
			rr->rdoff = off;
			rr->section = s + 1;
			off += rr->rdlen;
			m->nrrs++;
		}
	}
	return 0;
bad:
	dns_msg_release(m);
	return SS_EINVAL;
}

void dns_msg_release(struct dns_msg *m)
{
	free(m->rrs);
	m->rrs = NULL;
	m->nrrs = 0;
}

int dns_rr_name(const struct dns_msg *m, const struct dns_rr *rr, size_t skip, char out[DNS_NAME_MAX])
{
	if (skip >= rr->rdlen)
		return SS_EINVAL;
	size_t off = rr->rdoff + skip;
	/* Names in rdata may point back into the message, but must start inside the rdata. */
	int rc = dns_name_read(m->pkt, m->len, &off, out);
	if (rc < 0 || off > rr->rdoff + rr->rdlen)
		return SS_EINVAL;
	return 0;
}

int dns_rr_txt(const struct dns_msg *m, const struct dns_rr *rr, struct buf *out)
{
	const uint8_t *p = m->pkt + rr->rdoff;
	size_t i = 0;
	while (i < rr->rdlen) {
		size_t l = p[i];
		if (i + 1 + l > rr->rdlen)
			return SS_EINVAL;
		int rc = buf_append(out, p + i + 1, l);
		if (rc < 0)
			return rc;
		i += 1 + l;
	}
	return 0;
}

int dns_rr_caa_tag(const struct dns_msg *m, const struct dns_rr *rr, char *tag, size_t n)
{
	const uint8_t *p = m->pkt + rr->rdoff;
	if (rr->rdlen < 2 || p[1] == 0 || (size_t)p[1] + 2 > rr->rdlen || p[1] >= n)
		return SS_EINVAL;
	for (size_t i = 0; i < p[1]; i++) {
		uint8_t c = p[2 + i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return SS_EINVAL;
		tag[i] = (char)(c | 0x20);
	}
	tag[p[1]] = '\0';
	return 0;
}

static size_t name_len(const char *s)
{
	size_t l = strlen(s);
	return l && s[l - 1] == '.' ? l - 1 : l;
}

bool dns_name_equal(const char *a, const char *b)
{
	size_t la = name_len(a), lb = name_len(b);
	return la == lb && strncasecmp(a, b, la) == 0;
}

bool dns_name_under(const char *name, const char *zone)
{
	size_t ln = name_len(name), lz = name_len(zone);
	if (lz == 0)
		return true;
	if (ln < lz || strncasecmp(name + ln - lz, zone, lz) != 0)
		return false;
	return ln == lz || name[ln - lz - 1] == '.';
}

void dns_axfr_result_init(struct dns_axfr_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = DNS_AXFR_ERROR;
	buf_init(&r->names, 200);
}

void dns_axfr_result_release(struct dns_axfr_result *r)
{
	buf_release(&r->names);
}

static const char *rcode_name(int rcode)
{
	static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
				      "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
	return rcode >= 0 && (size_t)rcode < ARRAY_SIZE(names) ? names[rcode] : "rcode?";
}

/* Remembers a few distinct owner names below the zone for the evidence. */
static void note_name(struct dns_axfr_result *r, const char *name)
{
	if (r->names.len && (str_find(r->names.data, r->names.len, name) || r->names.len > 150))
		return;
	if (r->names.len)
		buf_appends(&r->names, ", ");
	buf_appends(&r->names, name);
}

int dns_axfr_message(const uint8_t *msg, size_t len, const char *zone, struct dns_axfr_result *r)
{
	struct dns_msg m;
	r->msgs++;
	if (dns_msg_parse(msg, len, &m) < 0) {
		r->status = DNS_AXFR_ERROR;
		snprintf(r->error, sizeof(r->error), "malformed DNS message %zu in the transfer", r->msgs);
		return SS_EINVAL;
	}
	int rc = 0;
	if (!(m.flags & 0x8000)) {
		r->status = DNS_AXFR_ERROR;
		snprintf(r->error, sizeof(r->error), "the answer is not a DNS response");
		rc = SS_EINVAL;
		goto out;
	}
	if (m.rcode != DNS_RCODE_NOERROR) {
		r->status = r->records ? DNS_AXFR_ALLOWED : DNS_AXFR_REFUSED;
		snprintf(r->error, sizeof(r->error), "server answered %s", rcode_name(m.rcode));
		rc = SS_EINVAL;
		goto out;
	}
	for (size_t i = 0; i < m.nrrs; i++) {
		const struct dns_rr *rr = &m.rrs[i];
		if (rr->section != 1)
			continue;
		if (r->records == 0 && (rr->type != DNS_SOA || !dns_name_equal(rr->name, zone))) {
			r->status = DNS_AXFR_ERROR;
			snprintf(r->error, sizeof(r->error), "the transfer does not start with the SOA of %s",
				 zone);
			rc = SS_EINVAL;
			goto out;
		}
		r->records++;
		if (rr->type == DNS_SOA && dns_name_equal(rr->name, zone) && ++r->soas == 2) {
			r->status = DNS_AXFR_ALLOWED;
			rc = 1;
			goto out;
		}
		if (rr->type != DNS_SOA)
			note_name(r, rr->name);
	}
	if (r->records == 0) {
		r->status = DNS_AXFR_REFUSED;
		snprintf(r->error, sizeof(r->error), "server sent no records");
		rc = SS_EINVAL;
	} else {
		/* Records were already disclosed, whatever happens next. */
		r->status = DNS_AXFR_ALLOWED;
	}
out:
	dns_msg_release(&m);
	return rc;
}

int dns_axfr(const struct sock_addr *server, const char *zone, int64_t deadline_ms,
	     struct dns_axfr_result *r)
{
	dns_axfr_result_init(r);
	uint8_t q[2 + 300];
	uint16_t id;
	crypto_random(&id, sizeof(id));
	int qlen = dns_query_build(q + 2, sizeof(q) - 2, id, zone, DNS_AXFR, false);
	if (qlen < 0)
		return qlen;
	q[0] = (uint8_t)(qlen >> 8);
	q[1] = (uint8_t)qlen;
	int fd = sock_connect(server, deadline_ms);
	if (fd < 0) {
		snprintf(r->error, sizeof(r->error), "%s", fd == SS_ETIMEOUT ? "connection timed out"
			 : "connection refused or unreachable");
		r->status = DNS_AXFR_REFUSED;
		return 0;
	}
	uint8_t *msg = xmalloc(65536);
	size_t total = 0;
	int rc = sock_send_all(fd, q, (size_t)qlen + 2, deadline_ms);
	while (rc == 0) {
		uint8_t lenb[2];
		rc = sock_recv_exact(fd, lenb, 2, deadline_ms);
		if (rc < 0) {
			if (r->records == 0)
				snprintf(r->error, sizeof(r->error), "%s", rc == SS_ETIMEOUT
					 ? "no answer before the deadline" : "server closed the connection");
			break;
		}
		size_t mlen = rd16(lenb);
		total += mlen + 2;
		if (total > DNS_AXFR_MAX_BYTES || r->msgs >= DNS_AXFR_MAX_MSGS) {
			snprintf(r->error, sizeof(r->error), "transfer exceeds %u bytes or %d messages; stopped",
				 DNS_AXFR_MAX_BYTES, DNS_AXFR_MAX_MSGS);
			break;
		}
		rc = sock_recv_exact(fd, msg, mlen, deadline_ms);
		if (rc < 0) {
			snprintf(r->error, sizeof(r->error), "message cut short (%s)", ss_strerror(rc));
			r->status = r->records ? DNS_AXFR_ALLOWED : DNS_AXFR_ERROR;
			break;
		}
		rc = dns_axfr_message(msg, mlen, zone, r);
		if (rc < 0)
			break;
		if (rc == 1)
			break;
		rc = 0;
	}
	/* Closed without a single message: the usual way of saying no. A silent server stays an error. */
	if (r->msgs == 0 && rc != SS_ETIMEOUT)
		r->status = DNS_AXFR_REFUSED;
	free(msg);
	close(fd);
	return 0;
}
