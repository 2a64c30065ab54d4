#include "base/common.h"
#include "base/http.h"
#include "cli/commands.h"
#include "engine/catalogue.h"
#include <jansson.h>
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	bool catalogue; /* loaded before the command runs; else the command loads it when it needs it */
};

static const struct command commands[] = {
	{"scan", cmd_scan, "scan a site in-process and print its findings", true},
	/* most secrets runs find nothing: parsing the catalogue would cost more than a 10 MB scan */
	{"secrets", cmd_secrets, "find leaked keys in files and directories", false},
	{"serve", cmd_serve, "serve the REST API and run scans", true},
	{"keys", cmd_keys, "create, list and revoke API keys", true},
	{NULL, NULL, NULL, false},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: secscan <command> [options]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\n'secscan <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("secscan %s\n", SECSCAN_VERSION);
		return 0;
	}
	/* Process-wide set-up, before any thread exists. */
	http_global_init();
	json_object_seed(0);
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(argv[1], c->name))
			continue;
		if (c->catalogue && catalogue_load(NULL)) {
			fprintf(stderr, "secscan: the built-in check catalogue is invalid: %s\n", catalogue_last_error());
			return 2;
		}
		return c->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "secscan: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
