#include "base/common.h"
#include "modules/tls_cert.h"
#include "base/clock.h"
#include "base/sock.h"
#include "base/str.h"
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

/* --- what the verification said --- */

struct verify_notes {
	int first_err;    /* the first error that is about trust (not dates), 0 if none */
	int first_depth;
	bool self_signed_leaf;
	bool issuer_missing;
	X509 *issuer_missing_cert; /* the certificate whose issuer could not be found (borrowed) */
};

static int verify_notes_idx = -1;
static pthread_once_t verify_once = PTHREAD_ONCE_INIT;

static void verify_idx_init(void)
{
	verify_notes_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* Records every verification error and lets the handshake go on: a scanner wants the chain of
 * a server with a bad certificate too. Date errors are judged from the leaf's own fields. */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (ok)
		return 1;
	SSL *ssl = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct verify_notes *vn = ssl ? SSL_get_ex_data(ssl, verify_notes_idx) : NULL;
	int err = X509_STORE_CTX_get_error(ctx), depth = X509_STORE_CTX_get_error_depth(ctx);
	if (!vn)
		return 1;
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (depth == 0)
			return 1;
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		vn->self_signed_leaf = true;
		return 1;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		if (!vn->issuer_missing) {
			vn->issuer_missing = true;
			vn->issuer_missing_cert = X509_STORE_CTX_get_current_cert(ctx);
		}
		break;
	default:
		break;
	}
	if (!vn->first_err) {
		vn->first_err = err;
		vn->first_depth = depth;
	}
	return 1;
}

/* --- formatting --- */

static void name_text(const X509_NAME *name, char *out, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	out[0] = '\0';
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		long len = BIO_get_mem_data(b, &data);
		if (len > 0) {
			size_t k = MIN((size_t)len, n - 1);
			memcpy(out, data, k);
			out[k] = '\0';
		}
	}
	BIO_free(b);
}

static void asn1_time_text(const ASN1_TIME *t, char *out)
{
	struct tm tm;
	out[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm))
		clock_iso8601(timegm(&tm), out);
}

static void sans_text(X509 *cert, char *out, size_t n)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char item[300] = "";
		if (g->type == GEN_DNS) {
			const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
			int l = ASN1_STRING_length(g->d.dNSName);
			snprintf(item, sizeof(item), "DNS:%.*s", MIN(l, 253), (const char *)s);
		} else if (g->type == GEN_IPADD) {
			char ip[INET6_ADDRSTRLEN] = "?";
			int l = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *s = ASN1_STRING_get0_data(g->d.iPAddress);
			if (l == 4 || l == 16)
				inet_ntop(l == 4 ? AF_INET : AF_INET6, s, ip, sizeof(ip));
			snprintf(item, sizeof(item), "IP:%s", ip);
		} else {
			continue;
		}
		int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", item);
		if (w < 0 || (size_t)w >= n - len)
			break; /* the evidence is cut anyway */
		len += (size_t)w;
	}
	GENERAL_NAMES_free(gens);
}

static bool has_ca_issuers_url(X509 *cert)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
	bool found = false;
	for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++)
		found |= OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, i)->method) == NID_ad_ca_issuers;
	AUTHORITY_INFO_ACCESS_free(aia);
	return found;
}

static void judge_key(X509 *leaf, struct tls_cert_report *r)
{
	EVP_PKEY *pk = X509_get0_pubkey(leaf);
	if (!pk)
		return;
	int bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
	case EVP_PKEY_DSA:
	case EVP_PKEY_DH:
		snprintf(r->key, sizeof(r->key), "%s %d", EVP_PKEY_get0_type_name(pk), bits);
		r->weak_key = bits < 2048;
		break;
	case EVP_PKEY_EC: {
		char group[32] = "";
		size_t glen = 0;
		EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen);
		snprintf(r->key, sizeof(r->key), "EC %s %d", group, bits);
		/* Browsers trust P-256, P-384 and P-521 only; smaller curves are weak. */
		r->weak_key = strcmp(group, "prime256v1") && strcmp(group, "secp384r1") &&
			      strcmp(group, "secp521r1");
		break;
	}
	default:
		snprintf(r->key, sizeof(r->key), "%s %d", EVP_PKEY_get0_type_name(pk), bits);
		break;
	}
}

/* Notes the first certificate of the chain (self-signed roots excepted: their own signature
 * is never checked) that is signed with SHA-1 or MD5. */
static void judge_signatures(STACK_OF(X509) *chain, struct tls_cert_report *r)
{
	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);
		int md = NID_undef, pk = NID_undef;
		if (i > 0 && X509_check_issued(c, c) == X509_V_OK)
			continue;
		if (!OBJ_find_sigid_algs(X509_get_signature_nid(c), &md, &pk))
			continue;
		if (md == NID_sha1 || md == NID_md5) {
			snprintf(r->weak_sig, sizeof(r->weak_sig), "%s (%s)", md == NID_sha1 ? "SHA-1" : "MD5",
				 i == 0 ? "leaf certificate" : "intermediate certificate");
			return;
		}
	}
}

static bool is_ip_literal(const char *s)
{
	unsigned char tmp[16];
	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

static void judge(SSL *ssl, const struct tls_cert_params *p, const struct verify_notes *vn,
		  struct tls_cert_report *r)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	time_t now = p->now ? p->now : time(NULL);

	r->version = SSL_version(ssl);
	str_copy(r->cipher, sizeof(r->cipher), SSL_get_cipher_name(ssl));
	r->chain_len = chain ? sk_X509_num(chain) : 0;
	name_text(X509_get_subject_name(leaf), r->subject, sizeof(r->subject));
	name_text(X509_get_issuer_name(leaf), r->issuer, sizeof(r->issuer));
	sans_text(leaf, r->sans, sizeof(r->sans));
	asn1_time_text(X509_get0_notBefore(leaf), r->not_before);
	asn1_time_text(X509_get0_notAfter(leaf), r->not_after);

	r->not_yet_valid = X509_cmp_time(X509_get0_notBefore(leaf), &now) > 0;
	r->expired = X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0;
	int days = 0, secs = 0;
	ASN1_TIME *at_now = ASN1_TIME_set(NULL, now);
	if (at_now && ASN1_TIME_diff(&days, &secs, at_now, X509_get0_notAfter(leaf)))
		r->days_left = days;
	ASN1_TIME_free(at_now);
	r->expires_soon = !r->expired && r->days_left < p->expiry_warn_days;

	r->self_signed = vn->self_signed_leaf;
	if (vn->issuer_missing && vn->issuer_missing_cert &&
	    has_ca_issuers_url(vn->issuer_missing_cert) &&
	    X509_check_issued(vn->issuer_missing_cert, vn->issuer_missing_cert) != X509_V_OK) {
		/* The certificate names where its issuer lives: a CA-issued chain whose intermediate
		 * the server does not send (clients that do not fetch it reject the site). */
		r->chain_incomplete = true;
	} else if (vn->first_err && !r->self_signed) {
		r->untrusted = true;
	}
	if (vn->first_err)
		snprintf(r->trust_detail, sizeof(r->trust_detail), "%s (depth %d)",
			 X509_verify_cert_error_string(vn->first_err), vn->first_depth);

	unsigned flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	if (is_ip_literal(p->hostname))
		r->hostname_mismatch = X509_check_ip_asc(leaf, p->hostname, 0) != 1;
	else
		r->hostname_mismatch = X509_check_host(leaf, p->hostname, 0, flags, NULL) != 1;

	judge_key(leaf, r);
	judge_signatures(chain, r);

	const unsigned char *ocsp = NULL;
	r->ocsp_stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp) > 0 && ocsp;
}

static void ssl_error_text(char *out, size_t n, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[160] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(out, n, "%s%s%s", what, e ? ": " : "", buf);
	ERR_clear_error();
}

int tls_cert_check(const struct tls_cert_params *p, struct tls_cert_report *r)
{
	int64_t deadline = clock_mono_ms() + (p->timeout_ms > 0 ? p->timeout_ms : 10000);
	struct verify_notes vn = {0};
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd = -1, rc = SS_EIO;

	memset(r, 0, sizeof(*r));
	pthread_once(&verify_once, verify_idx_init);
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		ssl_error_text(r->error, sizeof(r->error), "SSL_CTX_new");
		goto out;
	}
	/* Read whatever the server offers: weak keys and old protocols are findings, not errors. */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	/* No anonymous suites: they would leave the certificate unsent. Weak curves are offered so
	 * that a certificate on one can be read (and judged). */
	SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:@SECLEVEL=0");
	SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384:P-521:X448:secp224r1:secp192r1");
	if (p->ca_file ? SSL_CTX_load_verify_locations(ctx, p->ca_file, NULL) != 1
		       : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ssl_error_text(r->error, sizeof(r->error), "cannot load the trust store");
		rc = SS_EINVAL;
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);

	fd = sock_connect(p->addr, deadline);
	if (fd < 0) {
		rc = fd;
		snprintf(r->error, sizeof(r->error), "connect: %s", ss_strerror(rc));
		goto out;
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_ex_data(ssl, verify_notes_idx, &vn);
	if (!is_ip_literal(p->hostname))
		SSL_set_tlsext_host_name(ssl, p->hostname);
	SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);

	for (;;) {
		int ret = SSL_connect(ssl);
		if (ret == 1)
			break;
		int e = SSL_get_error(ssl, ret);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			rc = sock_wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
			if (!rc)
				continue;
			snprintf(r->error, sizeof(r->error), "TLS handshake timed out");
			goto out;
		}
		ssl_error_text(r->error, sizeof(r->error), "TLS handshake failed");
		rc = SS_EIO;
		goto out;
	}
	if (!SSL_get0_peer_certificate(ssl)) {
		snprintf(r->error, sizeof(r->error), "the server sent no certificate");
		rc = SS_EIO;
		goto out;
	}
	judge(ssl, p, &vn, r);
	rc = 0;
out:
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
