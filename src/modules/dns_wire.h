#ifndef MODULES_DNS_WIRE_H
#define MODULES_DNS_WIRE_H
#include "base/common.h"
#include "base/buf.h"
#include "base/sock.h"

/*
 * DNS messages on the wire (RFC 1035): a query builder, a bounded parser for answers from
 * untrusted servers (name compression with loop and length limits, every length checked), the
 * rdata helpers the dns module needs, and a zone transfer (AXFR over TCP) client.
 */

enum {
	DNS_A = 1, DNS_NS = 2, DNS_CNAME = 5, DNS_SOA = 6, DNS_MX = 15, DNS_TXT = 16,
	DNS_AAAA = 28, DNS_DS = 43, DNS_DNSKEY = 48, DNS_AXFR = 252, DNS_CAA = 257,
};
enum { DNS_RCODE_NOERROR = 0, DNS_RCODE_SERVFAIL = 2, DNS_RCODE_NXDOMAIN = 3, DNS_RCODE_REFUSED = 5 };

/* A name in presentation form, lower case, without the final dot ("" is the root). */
#define DNS_NAME_MAX 1024
/* Resource records kept per message; more is SS_ETOOBIG. */
#define DNS_MAX_RRS 4096

struct dns_rr {
	char name[DNS_NAME_MAX];
	uint16_t type;
	uint16_t class;
	uint32_t ttl;
	size_t rdoff;   /* offset of the rdata in the message */
	uint16_t rdlen;
	int section;    /* 1 answer, 2 authority, 3 additional */
};

/* A parsed message; rrs points into nothing (names copied), rdata is read from pkt by offset. */
struct dns_msg {
	const uint8_t *pkt; /* borrowed: the caller keeps the packet alive while using the message */
	size_t len;
	uint16_t id;
	uint16_t flags;
	int rcode;
	char qname[DNS_NAME_MAX];
	uint16_t qtype;
	struct dns_rr *rrs;
	size_t nrrs;
};

/* Writes a query for name/type (RD set when rd) into out; returns its length or SS_EINVAL/SS_ETOOBIG. */
int dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t type, bool rd);
/* Parses pkt (one message, at most 65535 bytes); 0 or SS_EINVAL / SS_ETOOBIG. Release with dns_msg_release. */
int dns_msg_parse(const uint8_t *pkt, size_t len, struct dns_msg *m);
void dns_msg_release(struct dns_msg *m);
/* Reads a possibly compressed name at *off of pkt into out, advancing *off past it; 0 or SS_EINVAL. */
int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, char out[DNS_NAME_MAX]);
/* The domain name at byte skip of rr's rdata (NS/CNAME: 0, MX: 2, SOA mname: 0); 0 or SS_EINVAL. */
int dns_rr_name(const struct dns_msg *m, const struct dns_rr *rr, size_t skip, char out[DNS_NAME_MAX]);
/* Appends the character-strings of a TXT rdata, concatenated, to out; 0, SS_EINVAL or SS_ETOOBIG. */
int dns_rr_txt(const struct dns_msg *m, const struct dns_rr *rr, struct buf *out);
/* The tag ("issue", "iodef"...) of a CAA rdata into tag (at least 32 bytes); 0 or SS_EINVAL. */
int dns_rr_caa_tag(const struct dns_msg *m, const struct dns_rr *rr, char *tag, size_t n);
/* True when a and b are the same name (case-insensitive, final dots ignored). */
bool dns_name_equal(const char *a, const char *b);
/* True when name is zone or below it. */
bool dns_name_under(const char *name, const char *zone);

/* The outcome of a zone transfer attempt. */
enum dns_axfr_status { DNS_AXFR_REFUSED, DNS_AXFR_ALLOWED, DNS_AXFR_ERROR };
struct dns_axfr_result {
	enum dns_axfr_status status;
	size_t records;      /* records received (ALLOWED) */
	struct buf names;    /* a few distinct owner names, comma-separated, for evidence */
	char error[160];     /* why, for REFUSED (rcode) and ERROR */
	int soas;            /* SOA records seen: the second one closes the transfer */
	size_t msgs;
};
/* Limits of one transfer: bytes over all messages and messages. */
#define DNS_AXFR_MAX_BYTES (4u << 20)
#define DNS_AXFR_MAX_MSGS 2048
/*
 * Asks server for a transfer of zone over TCP and reads at most the limits above until the closing
 * SOA or the deadline. Fills r (release with dns_axfr_result_release); returns 0 unless arguments
 * are invalid.
 */
int dns_axfr(const struct sock_addr *server, const char *zone, int64_t deadline_ms,
	     struct dns_axfr_result *r);
/* Starts r empty (dns_axfr does it itself). */
void dns_axfr_result_init(struct dns_axfr_result *r);
/*
 * Consumes one message of a transfer of zone into r: 1 when the transfer is complete, 0 when more
 * should follow, or SS_EINVAL when it failed or was refused (r->status and r->error say why).
 */
int dns_axfr_message(const uint8_t *msg, size_t len, const char *zone, struct dns_axfr_result *r);
void dns_axfr_result_release(struct dns_axfr_result *r);

#endif
