/*
 * The network module's connect scanner alone, as `nmap -sT` is: scans ADDR over a port list and
 * prints the open ports, comma-separated. Built by run.sh against build/libsecscan_core.a.
 * usage: portscan_bench ADDR PORTS [CONCURRENCY]
 */
#include "base/common.h"
#include "base/portscan.h"
#include "base/str.h"

int main(int argc, char **argv)
{
	struct sock_addr a;
	uint16_t *ports;
	size_t n;
	struct portscan_options o;
	struct portscan_result r;
	long conc;
	if (argc < 3 || sock_addr_from_ip(&a, argv[1], 0) || portscan_parse_list(argv[2], &ports, &n)) {
		fprintf(stderr, "usage: portscan_bench ADDR PORTS [CONCURRENCY]\n");
		return 2;
	}
	portscan_options_init(&o);
	if (argc > 3 && str_to_long(argv[3], 1, 65535, &conc) == 0)
		o.concurrency = (int)conc;
	int rc = portscan_run(&a, ports, n, &o, &r);
	for (size_t i = 0; i < r.nopen; i++)
		printf("%s%u", i ? "," : "", r.open[i]);
	printf("\n");
	portscan_result_release(&r);
	free(ports);
	return rc ? 1 : 0;
}
