/* libFuzzer harness for the DNS message parser and the zone-transfer reader (see README.md). */
#include "base/common.h"
#include "modules/dns_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg m;
	if (dns_msg_parse(data, size, &m) == 0) {
		char name[DNS_NAME_MAX], tag[32];
		struct buf txt;
		buf_init(&txt, 4096);
		for (size_t i = 0; i < m.nrrs; i++) {
			const struct dns_rr *rr = &m.rrs[i];
			/* every record lies inside the message */
			if (rr->rdoff + rr->rdlen > size)
				__builtin_trap();
			if (dns_rr_name(&m, rr, 0, name) == 0 && strlen(name) >= DNS_NAME_MAX)
				__builtin_trap();
			dns_rr_txt(&m, rr, &txt);
			dns_rr_caa_tag(&m, rr, tag, sizeof(tag));
		}
		buf_release(&txt);
		dns_msg_release(&m);
	}
	struct dns_axfr_result r;
	dns_axfr_result_init(&r);
	int rc = dns_axfr_message(data, size, "example.com", &r);
	/* a failed message always says why */
	if (rc < 0 && !r.error[0])
		__builtin_trap();
	dns_axfr_result_release(&r);
	return 0;
}
