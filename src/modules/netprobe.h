#ifndef MODULES_NETPROBE_H
#define MODULES_NETPROBE_H
#include "base/common.h"
#include "base/buf.h"

/*
 * Read-only protocol probes of the network module: the bytes each probe sends and bounded parsers
 * of what services answer. Nothing here changes state on a server: the requests are greetings,
 * version and status queries, and listings. Every parser takes untrusted bytes and a length.
 */

/* The most a probe reads of one answer; more is an error ("endless banner"). */
#define NP_MAX_ANSWER 16384

enum np_auth {
	NP_AUTH_UNKNOWN = 0,
	NP_AUTH_OPEN,     /* answered a data or admin request without credentials */
	NP_AUTH_REQUIRED, /* asked for credentials */
};

struct np_result {
	char service[32];   /* "redis", "ssh", ... ; "" when not identified */
	char product[96];   /* version or product string when the service tells it */
	enum np_auth auth;
	struct buf evidence;/* what the service said, trimmed and redacted */
	char error[160];    /* why an answer could not be read */
	int vnc_minor;      /* RFB minor version, for the security-type step */
	uint32_t rdp_protocol; /* protocol the RDP server selected (0 standard, 1 TLS, 2 CredSSP) */
};
void np_result_init(struct np_result *r);
void np_result_release(struct np_result *r);
/* Sets r->error from a format (the last error wins). */
void np_fail(struct np_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when a server greeting in b is complete (a line, an FTP reply, a MySQL packet, telnet options). */
bool np_banner_complete(const struct buf *b, void *ud);
/*
 * Identifies a server-first greeting (SSH, FTP, SMTP, POP3, IMAP, MySQL, VNC, Telnet): 0 when
 * identified, SS_ENOTFOUND when unknown, SS_EINVAL when it claims a protocol but is malformed.
 */
int np_banner_identify(const char *data, size_t len, struct np_result *r);
/* True when an SSH software version is older than the minimums of rules/ports ("OpenSSH_7.4p1" vs "8.0"). */
bool np_ssh_outdated(const char *software, const char *product, const char *minimum);

/* Redis: the request, the completeness test of one reply, and its reading (0, SS_ENOTFOUND, SS_EINVAL). */
extern const char np_redis_request[];
bool np_redis_complete(const struct buf *b, void *ud);
int np_redis_parse(const char *data, size_t len, struct np_result *r);

/* Memcached "stats". */
extern const char np_memcached_request[];
bool np_memcached_complete(const struct buf *b, void *ud);
int np_memcached_parse(const char *data, size_t len, struct np_result *r);

/* MongoDB OP_MSG: builds {hello:1} (list false) or {listDatabases:1, nameOnly:true}; returns the length. */
size_t np_mongo_request(uint8_t *out, size_t cap, int32_t request_id, bool list);
bool np_mongo_complete(const struct buf *b, void *ud);
/* Reads a hello answer (list false) or a listDatabases answer (list true). */
int np_mongo_parse(const uint8_t *data, size_t len, bool list, struct np_result *r);

/* PostgreSQL StartupMessage for user postgres; returns the length. */
size_t np_pg_request(uint8_t *out, size_t cap);
bool np_pg_complete(const struct buf *b, void *ud);
/* Reads the first server message: an authentication request or an error. */
int np_pg_parse(const uint8_t *data, size_t len, struct np_result *r);

/* VNC: the client version echoed after the server's, then the security types answer. */
size_t np_vnc_client_version(int minor, char *out, size_t cap);
bool np_vnc_complete(const struct buf *b, void *ud);
int np_vnc_parse_security(const uint8_t *data, size_t len, struct np_result *r);

/* FTP: the code of the last line of a complete reply in b, 0 while incomplete, SS_EINVAL if malformed. */
int np_ftp_reply_code(const struct buf *b);
bool np_ftp_complete(const struct buf *b, void *ud);

/* SMB negotiate (SMB1 header offering SMB2 dialects) and the check of its answer. */
size_t np_smb_request(uint8_t *out, size_t cap);
bool np_smb_complete(const struct buf *b, void *ud);
int np_smb_parse(const uint8_t *data, size_t len, struct np_result *r);

/* RDP X.224 connection request with a negotiation request, and its answer. */
size_t np_rdp_request(uint8_t *out, size_t cap);
bool np_rdp_complete(const struct buf *b, void *ud);
int np_rdp_parse(const uint8_t *data, size_t len, struct np_result *r);

/*
 * HTTP APIs: given the answer to GET path (status, body), identifies Elasticsearch/OpenSearch,
 * CouchDB, Docker, Kubernetes, kubelet, etcd or RabbitMQ and whether it answered without
 * credentials. 0 when this answer identified or qualified the service, SS_ENOTFOUND otherwise.
 */
int np_http_identify(const char *path, long status, const char *body, size_t len, struct np_result *r);

/* Appends printable text of data to the evidence (control bytes as spaces), redacting secrets. */
void np_evidence_add(struct np_result *r, const char *data, size_t len);
/* A copy of s (caller frees) with the values of password/secret/token/key-like fields replaced by "[redacted]". */
char *np_redact(const char *s);

#endif
