#include "base/common.h"
#include "base/clock.h"
#include "base/str.h"
#include "cli/commands.h"
#include "service/config.h"
#include "service/keys.h"
#include "store/store.h"
#include <getopt.h>

static void keys_usage(FILE *out)
{
	fprintf(out,
		"usage: secscan keys create --account NAME [--plan PLAN] [--label LABEL] [--db PATH]\n"
		"       secscan keys list [--account NAME] [--db PATH]\n"
		"       secscan keys revoke ID [--db PATH]\n"
		"\n"
		"Administers API keys in the service's database.\n"
		"  create   creates the account if needed (default plan: free) and prints the new key\n"
		"           alone on stdout; it is stored hashed and shown only this once\n"
		"  list     lists keys (never their secrets)\n"
		"  revoke   revokes a key; it fails at once in the API\n"
		"\n"
		"  --db PATH       database (default: as `secscan serve`: config, SECSCAN_DB, ./data/secscan.db)\n"
		"  --config FILE   configuration file (plans, db)\n");
}

struct keys_args {
	const char *account;
	const char *plan;
	const char *label;
	const char *db;
	const char *config;
};

static int parse_args(int argc, char **argv, struct keys_args *a)
{
	enum { O_ACCOUNT = 256, O_PLAN, O_LABEL, O_DB, O_CONFIG, O_HELP };
	static const struct option opts[] = {
		{"account", required_argument, NULL, O_ACCOUNT},
		{"plan", required_argument, NULL, O_PLAN},
		{"label", required_argument, NULL, O_LABEL},
		{"db", required_argument, NULL, O_DB},
		{"config", required_argument, NULL, O_CONFIG},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_ACCOUNT: a->account = optarg; break;
		case O_PLAN: a->plan = optarg; break;
		case O_LABEL: a->label = optarg; break;
		case O_DB: a->db = optarg; break;
		case O_CONFIG: a->config = optarg; break;
		case O_HELP:
		case 'h':
			keys_usage(stdout);
			return 1;
		default:
			keys_usage(stderr);
			return 2;
		}
	}
	return 0;
}

static int keys_create_cmd(struct store *store, const struct service_config *cfg,
			   const struct keys_args *a)
{
	const char *plan = a->plan ? a->plan : "free";
	if (!a->account || !*a->account) {
		fprintf(stderr, "secscan keys create: --account NAME is required\n");
		return 2;
	}
	if (!service_config_plan(cfg, plan)) {
		fprintf(stderr, "secscan keys create: unknown plan '%s' (configured:", plan);
		for (size_t i = 0; i < cfg->nplans; i++)
			fprintf(stderr, " %s", cfg->plans[i].name);
		fprintf(stderr, ")\n");
		return 2;
	}
	struct account acct;
	bool created;
	if (keys_account_ensure(store, a->account, plan, &acct, &created)) {
		fprintf(stderr, "secscan keys create: cannot find or create the account\n");
		return 1;
	}
	if (!created && a->plan && strcmp(acct.plan, a->plan))
		fprintf(stderr, "secscan keys create: account '%s' exists on plan '%s'; --plan ignored\n",
			acct.name, acct.plan);
	char key[KEYS_LEN + 1];
	int64_t id;
	int rc = keys_create(store, acct.id, a->label, key, &id);
	account_release(&acct);
	if (rc) {
		fprintf(stderr, "secscan keys create: %s\n", ss_strerror(rc));
		return 1;
	}
	printf("%s\n", key);
	memset(key, 0, sizeof(key));
	return 0;
}

static void when(int64_t t, char *out)
{
	if (t)
		clock_iso8601((time_t)t, out);
	else
		str_copy(out, 40, "-");
}

static int keys_list_cmd(struct store *store, const struct keys_args *a)
{
	int64_t account_id = -1;
	if (a->account) {
		struct account acct;
		if (store_account_find(store, a->account, &acct)) {
			fprintf(stderr, "secscan keys list: no account '%s'\n", a->account);
			return 1;
		}
		account_id = acct.id;
		account_release(&acct);
	}
	struct api_key *keys = NULL;
	size_t n = 0;
	if (store_key_list(store, account_id, &keys, &n)) {
		fprintf(stderr, "secscan keys list: cannot read the keys\n");
		return 1;
	}
	printf("%-6s %-16s %-12s %-26s %-26s %-8s %s\n", "ID", "ACCOUNT", "PREFIX", "CREATED",
	       "LAST USED", "STATUS", "LABEL");
	for (size_t i = 0; i < n; i++) {
		struct account acct = {0};
		char created[40], used[40];
		when(keys[i].created_at, created);
		when(keys[i].last_used_at, used);
		bool named = store_account_get(store, keys[i].account_id, &acct) == 0;
		printf("%-6" PRId64 " %-16s %-12s %-26s %-26s %-8s %s\n", keys[i].id,
		       named ? acct.name : "?", keys[i].prefix, created, used,
		       keys[i].revoked_at ? "revoked" : "active", keys[i].label ? keys[i].label : "");
		if (named)
			account_release(&acct);
	}
	api_key_array_free(keys, n);
	return 0;
}

static int keys_revoke_cmd(struct store *store, int argc, char **argv)
{
	long id;
	if (optind >= argc || str_to_long(argv[optind], 1, LONG_MAX, &id)) {
		fprintf(stderr, "secscan keys revoke: expected a key ID (see secscan keys list)\n");
		return 2;
	}
	int rc = store_key_revoke(store, -1, id);
	if (rc == SS_ENOTFOUND) {
		fprintf(stderr, "secscan keys revoke: no key %ld\n", id);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "secscan keys revoke: %s\n", ss_strerror(rc));
		return 1;
	}
	fprintf(stderr, "revoked key %ld\n", id);
	return 0;
}

int cmd_keys(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		keys_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *verb = argv[1];
	if (strcmp(verb, "create") && strcmp(verb, "list") && strcmp(verb, "revoke")) {
		fprintf(stderr, "secscan keys: unknown command '%s'\n", verb);
		keys_usage(stderr);
		return 2;
	}
	struct keys_args a = {0};
	int rc = parse_args(argc - 1, argv + 1, &a);
	if (rc)
		return rc == 1 ? 0 : rc;

	struct service_config cfg;
	char err[512];
	service_config_init(&cfg);
	if (service_config_load(&cfg, a.config, err, sizeof(err)) ||
	    (a.db && service_config_set(&cfg, "server", "db", a.db, err, sizeof(err)))) {
		fprintf(stderr, "secscan keys: %s\n", err);
		service_config_release(&cfg);
		return 2;
	}
	struct store *store = store_open(cfg.db);
	if (!store) {
		service_config_release(&cfg);
		return 1;
	}
	if (!strcmp(verb, "create"))
		rc = keys_create_cmd(store, &cfg, &a);
	else if (!strcmp(verb, "list"))
		rc = keys_list_cmd(store, &a);
	else
		rc = keys_revoke_cmd(store, argc - 1, argv + 1);
	store_close(store);
	service_config_release(&cfg);
	return rc;
}
