#include "base/common.h"
#include "api/api.h"
#include "base/log.h"
#include "cli/commands.h"
#include "service/config.h"
#include "service/keys.h"
#include "service/runs.h"
#include "store/store.h"
#include <getopt.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

static void serve_usage(FILE *out)
{
	fprintf(out,
		"usage: secscan serve [--listen ADDR:PORT] [--db PATH] [--config FILE]\n"
		"                     [--allow-private] [--public-url URL] [--log-level LEVEL]\n"
		"                     [--resolver ADDR[:PORT]] [--trust-anchor FILE]\n"
		"\n"
		"Serves the REST API (GET /v1/openapi.json describes it) and runs scans in-process.\n"
		"The first start creates an \"admin\" account on the unlimited plan and prints its\n"
		"API key once, with a curl quickstart.\n"
		"\n"
		"  --listen ADDR:PORT   address to listen on (default 127.0.0.1:8080)\n"
		"  --db PATH            SQLite database (default ./data/secscan.db)\n"
		"  --config FILE        configuration file (default $SECSCAN_CONFIG)\n"
		"  --allow-private      let scans reach loopback and private addresses (SSRF guard off)\n"
		"  --public-url URL     base URL clients use (default http://LISTEN)\n"
		"  --log-level LEVEL    debug, info, warn, error or quiet\n"
		"  --resolver ADDR[:PORT]\n"
		"                       DNS server the dns module of every scan asks (default: the\n"
		"                       system's)\n"
		"  --trust-anchor FILE  DS or DNSKEY records (zone-file format) the dns module of every\n"
		"                       scan also validates DNSSEC from\n"
		"  --print-routes       print the router's routes and exit\n"
		"\n"
		"Flags override SECSCAN_* environment variables, which override the config file.\n");
}

/* Creates the directory that will hold the database file when it does not exist yet. */
static void make_db_dir(const char *db)
{
	char *copy = xstrdup(db);
	const char *dir = dirname(copy);
	if (mkdir(dir, 0700) && errno != EEXIST)
		log_warn("cannot create %s: %s", dir, strerror(errno));
	free(copy);
}

/* The first start: an admin account and its key, shown once with the quickstart filled in. */
static int first_start(struct store *store, const struct service_config *cfg)
{
	int64_t n;
	int rc = store_account_count(store, &n);
	if (rc || n > 0)
		return rc;
	struct account admin;
	rc = keys_account_ensure(store, "admin", "unlimited", &admin, NULL);
	if (rc)
		return rc;
	char key[KEYS_LEN + 1];
	int64_t id;
	rc = keys_create(store, admin.id, "admin (first start)", key, &id);
	account_release(&admin);
	if (rc)
		return rc;
	const char *u = cfg->public_url;
	printf("secscan: first start: created the account \"admin\" (plan unlimited).\n"
	       "Its API key is shown only this once; store it now:\n"
	       "\n"
	       "API key: %s\n"
	       "\n"
	       "Quickstart (scan to fix in 3 calls):\n"
	       "\n"
	       "# 1. Trigger a scan\n"
	       "curl -X POST %s/v1/scan \\\n"
	       "  -H \"Authorization: Bearer %s\" \\\n"
	       "  -H \"Content-Type: application/json\" \\\n"
	       "  -d '{\"host\": \"https://myapp.com\"}'\n"
	       "\n"
	       "# 2. Poll for results (RUN_ID is the run_id of step 1)\n"
	       "curl %s/v1/scan/RUN_ID \\\n"
	       "  -H \"Authorization: Bearer %s\"\n"
	       "\n"
	       "# 3. Download the fix file\n"
	       "curl %s/v1/scan/RUN_ID/fix \\\n"
	       "  -H \"Authorization: Bearer %s\" \\\n"
	       "  -o SECURITY-FIX.md\n"
	       "\n"
	       "More keys: secscan keys create --account NAME --db %s\n",
	       key, u, key, u, key, u, key, cfg->db);
	fflush(stdout);
	memset(key, 0, sizeof(key));
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	enum { O_LISTEN = 256, O_DB, O_CONFIG, O_ALLOW, O_PUBLIC, O_LOG, O_RESOLVER, O_ANCHOR, O_ROUTES,
	       O_HELP };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"db", required_argument, NULL, O_DB},
		{"config", required_argument, NULL, O_CONFIG},
		{"allow-private", no_argument, NULL, O_ALLOW},
		{"public-url", required_argument, NULL, O_PUBLIC},
		{"log-level", required_argument, NULL, O_LOG},
		{"resolver", required_argument, NULL, O_RESOLVER},
		{"trust-anchor", required_argument, NULL, O_ANCHOR},
		{"print-routes", no_argument, NULL, O_ROUTES},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	/* Flags are applied after the file and the environment: they win. */
	const char *flag_section[O_HELP - O_LISTEN] = {0};
	const char *flag_key[O_HELP - O_LISTEN] = {0};
	const char *flag_val[O_HELP - O_LISTEN] = {0};
	const char *config_path = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
		case O_DB:
		case O_PUBLIC:
		case O_LOG:
			flag_val[c - O_LISTEN] = optarg;
			flag_section[c - O_LISTEN] = "server";
			flag_key[c - O_LISTEN] = c == O_LISTEN ? "listen" : c == O_DB ? "db"
					       : c == O_PUBLIC ? "public_url" : "log_level";
			break;
		case O_ALLOW:
			flag_val[c - O_LISTEN] = "yes";
			flag_section[c - O_LISTEN] = "server";
			flag_key[c - O_LISTEN] = "allow_private";
			break;
		case O_RESOLVER:
		case O_ANCHOR:
			flag_val[c - O_LISTEN] = optarg;
			flag_section[c - O_LISTEN] = "dns";
			flag_key[c - O_LISTEN] = c == O_RESOLVER ? "resolver" : "trust_anchor";
			break;
		case O_CONFIG:
			config_path = optarg;
			break;
		case O_ROUTES:
			api_routes_write(stdout);
			return 0;
		case O_HELP:
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "secscan serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	struct service_config cfg;
	char err[512];
	int rc = 1;
	struct store *store = NULL;
	struct runs *runs = NULL;
	struct api_server *srv = NULL;

	service_config_init(&cfg);
	if (service_config_load(&cfg, config_path, err, sizeof(err)))
		goto bad_config;
	for (size_t i = 0; i < ARRAY_SIZE(flag_key); i++)
		if (flag_key[i] && service_config_set(&cfg, flag_section[i], flag_key[i], flag_val[i],
						      err, sizeof(err)))
			goto bad_config;
	service_config_finish(&cfg);
	log_set_level(cfg.log_level);
	if (cfg.allow_private)
		log_warn("SSRF guard off: scans may reach loopback and private addresses");

	/* Signals are taken by sigwait below; every thread started from here on inherits the mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	make_db_dir(cfg.db);
	store = store_open(cfg.db);
	if (!store)
		goto out;
	if (first_start(store, &cfg)) {
		log_error("cannot create the admin account");
		goto out;
	}
	runs = runs_new(store, &cfg);
	if (!runs)
		goto out;
	srv = api_server_start(store, runs, &cfg);
	if (!srv)
		goto out;

	int sig = 0;
	sigwait(&stop, &sig);
	log_info("received %s; stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = 0;
out:
	/* New requests stop first, then running scans end as aborted, then the store closes. */
	api_server_stop(srv);
	runs_free(runs);
	if (store)
		store_close(store);
	service_config_release(&cfg);
	return rc;
bad_config:
	fprintf(stderr, "secscan serve: %s\n", err);
	service_config_release(&cfg);
	return 2;
}
