#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

/* Each subcommand: argv[0] is the subcommand's name; returns the process exit code. */
int cmd_scan(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_secrets(int argc, char **argv);

#endif
