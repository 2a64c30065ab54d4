#include "base/common.h"
#include "base/utf8.h"
#include "secrets/secrets_int.h"

/* Decoders turning encoded text back into what a rule can match. Output is capped by out->max. */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int sdec_base64(const char *in, size_t len, struct buf *out)
{
	while (len && in[len - 1] == '=')
		len--;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0)
			return SS_EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (buf_appendc(out, (char)((acc >> bits) & 0xff)) < 0)
				return SS_ETOOBIG;
		}
	}
	return 0;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t sdec_percent(const char *in, size_t len, struct buf *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%' && i + 2 < len && hex_value((unsigned char)in[i + 1]) >= 0 && hex_value((unsigned char)in[i + 2]) >= 0) {
			c = (char)(hex_value((unsigned char)in[i + 1]) * 16 + hex_value((unsigned char)in[i + 2]));
			i += 2;
			n++;
		}
		if (buf_appendc(out, c) < 0)
			break;
	}
	return n;
}

/* Parses ndigits hex digits at p into *v; false if any is not hex. */
static bool parse_hex(const char *p, int ndigits, uint32_t *v)
{
	*v = 0;
	for (int k = 0; k < ndigits; k++) {
		int h = hex_value((unsigned char)p[k]);
		if (h < 0)
			return false;
		*v = *v * 16 + (uint32_t)h;
	}
	return true;
}

/* The character a one-letter escape stands for, or -1 when the letter stands for itself. */
static int js_simple_escape(char e)
{
	switch (e) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'v': return '\v';
	case '0': return '\0';
	default: return -1;
	}
}

size_t sdec_js(const char *in, size_t len, struct buf *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] != '\\' || i + 1 >= len) {
			buf_appendc(out, in[i]);
			continue;
		}
		char e = in[i + 1];
		uint32_t v;
		if (e == 'u' && i + 5 < len && parse_hex(in + i + 2, 4, &v)) {
			utf8_append(out, v);
			i += 5;
		} else if (e == 'x' && i + 3 < len && parse_hex(in + i + 2, 2, &v)) {
			utf8_append(out, v);
			i += 3;
		} else if (js_simple_escape(e) >= 0) {
			buf_appendc(out, (char)js_simple_escape(e));
			i += 1;
		} else {
			/* \" \' \\ \/ and unknown escapes stand for the character itself */
			buf_appendc(out, e);
			i += 1;
		}
		n++;
	}
	return n;
}

double sdec_printable_ratio(const char *s, size_t len)
{
	if (!len)
		return 0;
	size_t ok = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t')
			ok++;
	}
	return (double)ok / (double)len;
}
