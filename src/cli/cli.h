/* cli.h - shared pieces of the triwatch command-line tool: strict argument parsing and the
 * exit-code convention (0 ok, 1 runtime failure, 2 bad usage or input). */
#ifndef TW_CLI_H
#define TW_CLI_H

#include <stdio.h>

#define TW_EXIT_OK 0
#define TW_EXIT_FAIL 1
#define TW_EXIT_USAGE 2

/* Print "triwatch: <message>" to stderr; returns TW_EXIT_USAGE for `return cli_usage(...)`. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a whole string as a finite double; 0 on success, -1 otherwise. */
int cli_parse_double(const char *s, double *out);
/* Parse "A,B" as two finite doubles; 0 on success, -1 otherwise. */
int cli_parse_pair(const char *s, double *a, double *b);
/* Parse a whole string as a non-negative integer that fits an unsigned long long. */
int cli_parse_uint(const char *s, unsigned long long *out);

int cmd_traj(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int demo_offline(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_records(int argc, char **argv);
int cmd_pki(int argc, char **argv);

struct tw_sim;
struct tw_eval;
/* Print what sharing gains nation a: a table of its own times beside everyone's. */
void print_sharing_gain(const struct tw_eval *a, const struct tw_eval *all);
/* Print each sensor's first detection of each launch (used by sim and demo). */
void print_first_detections(FILE *f, const struct tw_sim *sim);

#endif
