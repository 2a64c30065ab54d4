/* libFuzzer harness for the network module's answer parsers (see README.md). */
#include "base/common.h"
#include "modules/netprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct buf b;
	buf_init(&b, NP_MAX_ANSWER);
	if (buf_append(&b, data, size) < 0)
		return 0;
	struct np_result r;
	np_result_init(&r);
	r.vnc_minor = size && (data[0] & 1) ? 8 : 3;
	np_banner_complete(&b, NULL);
	np_redis_complete(&b, NULL);
	np_memcached_complete(&b, NULL);
	np_mongo_complete(&b, NULL);
	np_pg_complete(&b, NULL);
	np_vnc_complete(&b, &r);
	np_smb_complete(&b, NULL);
	np_rdp_complete(&b, NULL);
	np_ftp_reply_code(&b);
	int rc = np_banner_identify(text, size, &r);
	if (rc == SS_EINVAL && !r.error[0])
		__builtin_trap();
	np_redis_parse(text, size, &r);
	np_memcached_parse(text, size, &r);
	np_mongo_parse(data, size, false, &r);
	np_mongo_parse(data, size, true, &r);
	np_pg_parse(data, size, &r);
	np_vnc_parse_security(data, size, &r);
	np_smb_parse(data, size, &r);
	np_rdp_parse(data, size, &r);
	np_http_identify("/", 200, text, size, &r);
	np_http_identify("/version", 401, text, size, &r);
	/* the evidence never outgrows its cap */
	if (r.evidence.len > r.evidence.max)
		__builtin_trap();
	char *s = xstrndup(text, size);
	free(np_redact(s));
	free(s);
	np_result_release(&r);
	buf_release(&b);
	return 0;
}
