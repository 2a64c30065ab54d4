#ifndef MODULES_TLS_CERT_H
#define MODULES_TLS_CERT_H
#include "base/common.h"
#include "base/sock.h"

/*
 * One full TLS handshake with OpenSSL to read and judge the server's certificate chain: dates,
 * trust (against a configurable trust store), host name (SAN rules, wildcards), chain
 * completeness, key strength, signature hashes and OCSP stapling.
 */

struct tls_cert_params {
	const struct sock_addr *addr; /* already resolved and allowed by the SSRF guard */
	const char *hostname;  /* name (or IP literal) the certificate must match; also the SNI */
	const char *ca_file;   /* PEM trust store; NULL: the system's */
	long timeout_ms;       /* connect and handshake (default 10000) */
	int expiry_warn_days;  /* "expires soon" window */
	time_t now;            /* the time to judge the dates at; 0: now */
};

struct tls_cert_report {
	char error[192];       /* why the handshake failed; "" when it succeeded */
	int version;           /* negotiated protocol version (wire value) */
	char cipher[64];       /* negotiated suite, OpenSSL name */
	char subject[256];
	char issuer[256];
	char sans[512];        /* "DNS:a.example, DNS:*.b.example, IP:1.2.3.4" */
	char not_before[32];   /* ISO 8601 */
	char not_after[32];
	long days_left;        /* whole days until not-after (negative once expired) */
	int chain_len;         /* certificates the server sent */
	bool expired;
	bool not_yet_valid;
	bool expires_soon;     /* within expiry_warn_days */
	bool self_signed;      /* the leaf signs itself */
	bool untrusted;        /* the chain does not lead to a trusted root */
	bool chain_incomplete; /* the server leaves out an intermediate certificate */
	bool hostname_mismatch;
	char trust_detail[160];/* OpenSSL's reason when untrusted or incomplete */
	char key[48];          /* "RSA 2048", "EC prime256v1 256", "ED25519 256" */
	bool weak_key;         /* RSA/DSA/DH < 2048 bits or an EC curve browsers do not trust */
	char weak_sig[128];    /* "SHA1 (leaf)" when a certificate of the chain is signed with SHA-1
				* or MD5; "" otherwise */
	bool ocsp_stapled;
};

/* Connects, handshakes and fills out. Returns 0 when a certificate was read, else SS_EIO or
 * SS_ETIMEOUT with out->error saying why (SS_EINVAL if the trust store cannot be loaded). */
int tls_cert_check(const struct tls_cert_params *p, struct tls_cert_report *out);

#endif
