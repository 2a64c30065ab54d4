#ifndef MODULES_TLS_HELLO_H
#define MODULES_TLS_HELLO_H
#include "base/common.h"
#include "base/buf.h"

/*
 * Hand-built ClientHello records and a parser for what a server answers to them (ServerHello,
 * HelloRetryRequest or alert). No cryptography: enough to learn which protocol version and cipher
 * suite a server accepts, including suites that the local OpenSSL cannot offer (SSLv3, NULL,
 * EXPORT, RC4, DES, 3DES, anonymous).
 */

/* Protocol versions as on the wire. */
#define TLS_V_SSL2 0x0002
#define TLS_V_SSL3 0x0300
#define TLS_V_10 0x0301
#define TLS_V_11 0x0302
#define TLS_V_12 0x0303
#define TLS_V_13 0x0304

/* The versions secscan probes, oldest first. */
extern const int tls_versions[5];
/* "SSLv2", "SSLv3", "TLS 1.0", ... "TLS 1.3"; "unknown" otherwise. */
const char *tls_version_name(int version);

/* What a cipher suite is made of; derived from the suite table's kx/au/enc/mac fields. */
enum tls_suite_flag {
	TLS_SUITE_NULL = 1 << 0,   /* no encryption */
	TLS_SUITE_EXPORT = 1 << 1, /* 40/56-bit export grade */
	TLS_SUITE_RC4 = 1 << 2,
	TLS_SUITE_DES = 1 << 3,    /* single DES */
	TLS_SUITE_3DES = 1 << 4,
	TLS_SUITE_ANON = 1 << 5,   /* no server authentication */
	TLS_SUITE_FS = 1 << 6,     /* ephemeral key exchange: forward secrecy */
	TLS_SUITE_CBC = 1 << 7,    /* block cipher in CBC mode */
	TLS_SUITE_AEAD = 1 << 8,
	TLS_SUITE_RARE = 1 << 9,   /* needs a PSK, SRP, Kerberos, GOST or a static (EC)DH certificate */
};

struct tls_suite {
	uint16_t id;
	char *name;     /* IANA name, e.g. "TLS_RSA_WITH_RC4_128_SHA" */
	char *openssl;  /* OpenSSL name, e.g. "RC4-SHA" */
	int min_version;/* oldest version the suite may be used with */
	unsigned flags; /* enum tls_suite_flag */
	int bits;       /* symmetric key strength */
};

/* The suite table from the embedded rules/tls/ciphers.json, loaded once (thread-safe); *n is set.
 * Owned by the process. NULL (logged) if the rule file is missing or malformed. */
const struct tls_suite *tls_suites(size_t *n);
/* The table entry of a suite id, or NULL when unknown. */
const struct tls_suite *tls_suite_find(uint16_t id);

struct tls_hello_params {
	int version;            /* TLS_V_SSL3 .. TLS_V_13 */
	const uint16_t *suites; /* offered in this order */
	size_t nsuites;
	const char *sni;        /* host name for server_name; NULL or an IP literal: none sent */
	bool compact;           /* short group and signature lists: the retry for servers that choke
				 * on large hellos (the caller also offers at most TLS_COMPACT_SUITES) */
};

/* Largest ClientHello that tls_hello_build writes (one record). */
#define TLS_HELLO_MAX 4096
/* Suites in one compact hello: with the compact extensions, a hello under 256 bytes unless the
 * host name is long (and then padded past 511). */
#define TLS_COMPACT_SUITES 32

/* Appends one ClientHello record to out. A hello whose handshake message would be 256 to 511
 * bytes long gets a padding extension (RFC 7685) that takes it to 512: F5 BIG-IP and other
 * middleboxes hang on that range. SS_EINVAL for an unknown version, no suites or a hello over
 * TLS_HELLO_MAX. */
int tls_hello_build(struct buf *out, const struct tls_hello_params *p);

enum tls_answer_kind {
	TLS_ANSWER_INCOMPLETE = 0, /* more bytes are needed */
	TLS_ANSWER_HELLO,          /* ServerHello (or HelloRetryRequest) parsed */
	TLS_ANSWER_ALERT,          /* the server refused with an alert */
};

struct tls_answer {
	enum tls_answer_kind kind;
	int version;        /* negotiated: supported_versions if present, else the hello's version */
	uint16_t suite;     /* chosen cipher suite */
	bool retry_request; /* a TLS 1.3 HelloRetryRequest (still names version and suite) */
	int alert_level;
	int alert;          /* alert description (40 handshake_failure, 70 protocol_version, ...) */
};

/* The parser looks at no more than this many bytes of an answer. */
#define TLS_ANSWER_MAX (32 * 1024)

/*
 * Parses the first bytes a server sent after a ClientHello. Returns 0 with ans->kind set
 * (TLS_ANSWER_INCOMPLETE when data ends before a ServerHello or alert is complete), or SS_EINVAL
 * for anything malformed (*why, if given, says what, as a static string), or SS_ETOOBIG when
 * len reaches TLS_ANSWER_MAX without an answer.
 */
int tls_answer_parse(const uint8_t *data, size_t len, struct tls_answer *ans, const char **why);

/* --- SSLv2 (DROWN): a CLIENT-HELLO and the SERVER-HELLO that betrays an SSLv2 server --- */

struct tls_ssl2_kind {
	uint32_t id;      /* 3 bytes on the wire, e.g. 0x010080 */
	const char *name; /* OpenSSL's name, e.g. "RC4-MD5" */
};
/* Every SSLv2 cipher kind, all offered by the SSLv2 hello in this order. */
extern const struct tls_ssl2_kind tls_ssl2_kinds[8];
/* The name of an SSLv2 cipher kind, or NULL when unknown. */
const char *tls_ssl2_kind_name(uint32_t kind);

/* Appends an SSLv2 CLIENT-HELLO (2-byte record header, version 0x0002, every kind of
 * tls_ssl2_kinds, no session id, a 16-byte challenge) to out. */
int tls_ssl2_hello_build(struct buf *out);

enum tls_ssl2_kind_of_answer {
	TLS_SSL2_INCOMPLETE = 0, /* more bytes are needed */
	TLS_SSL2_HELLO,          /* an SSLv2 SERVER-HELLO: the server speaks SSLv2 */
	TLS_SSL2_REFUSED,        /* an SSLv2 ERROR message or a TLS alert */
};

/* Cipher kinds kept from a SERVER-HELLO (a real one lists at most the 8 there are). */
#define TLS_SSL2_KINDS_MAX 16

struct tls_ssl2_answer {
	enum tls_ssl2_kind_of_answer kind;
	uint32_t kinds[TLS_SSL2_KINDS_MAX]; /* the cipher kinds the server lists, in its order */
	size_t nkinds;
	size_t cert_len;                    /* bytes of its certificate */
};

/* An SSLv2 answer is one record: 2-byte header and at most 0x7fff bytes. */
#define TLS_SSL2_ANSWER_MAX (2 + 0x7fff)

/*
 * Parses what a server sent after the SSLv2 CLIENT-HELLO: 0 with ans->kind set (incomplete until
 * the record is whole), or SS_EINVAL for anything malformed or not SSLv2 (*why, if given, says
 * what). A SERVER-HELLO must have version 2, a certificate, a connection id of 16 to 32 bytes and
 * field lengths adding up to the record; a 3-byte record header (padding) is not used by servers
 * for it and counts as malformed. Reads at most TLS_SSL2_ANSWER_MAX bytes.
 */
int tls_ssl2_answer_parse(const uint8_t *data, size_t len, struct tls_ssl2_answer *ans, const char **why);

#endif
