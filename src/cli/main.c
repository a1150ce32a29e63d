/* main.c - the triwatch command-line tool: dispatch to subcommands. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} g_commands[] = {
  {"traj", cmd_traj, "solve and fly a missile trajectory for a site, bearing, apogee and range"},
  {"sim", cmd_sim, "simulate a scenario: true flights and every sensor's reports (JSON lines)"},
  {"eval", cmd_eval, "track a scenario with one nation's sensors (or all) and score it"},
  {"alerts", cmd_alerts, "warn threatened areas for a scenario: CAP 1.2 messages and alerts.json"},
  {"demo", cmd_demo, "the main job: the 2022-10-04 Hwasong-12 flight over Aomori, as a timeline"},
  {"records", cmd_records, "list what a node recorded: samples in/out, share decisions, alerts"},
  {"pki", cmd_pki, "make a development PKI for DDS Security: CAs, identities, signed permissions"},
};

static void usage(FILE *f)
{
  fprintf(f, "usage: triwatch COMMAND [OPTIONS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof g_commands / sizeof g_commands[0]; i++)
    fprintf(f, "  %-8s %s\n", g_commands[i].name, g_commands[i].summary);
  fprintf(f, "\n'triwatch COMMAND --help' describes a command.\n");
}

int cli_usage(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("triwatch: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return TW_EXIT_USAGE;
}

int cli_parse_double(const char *s, double *out)
{
  char *end;
  if (!s || !*s)
    return -1;
  errno = 0;
  double v = strtod(s, &end);
  if (*end != '\0' || errno == ERANGE || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

int cli_parse_pair(const char *s, double *a, double *b)
{
  char buf[128];
  const char *comma = s ? strchr(s, ',') : NULL;
  if (!comma || strlen(s) >= sizeof buf)
    return -1;
  memcpy(buf, s, (size_t)(comma - s));
  buf[comma - s] = '\0';
  return (cli_parse_double(buf, a) == 0 && cli_parse_double(comma + 1, b) == 0) ? 0 : -1;
}

int cli_parse_uint(const char *s, unsigned long long *out)
{
  char *end;
  if (!s || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != '\0' || errno == ERANGE)
    return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return TW_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return TW_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("triwatch 0.1.0\n");
    return TW_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof g_commands / sizeof g_commands[0]; i++)
    if (!strcmp(argv[1], g_commands[i].name))
      return g_commands[i].run(argc - 1, argv + 1);
  cli_usage("unknown command '%s' (try 'triwatch --help')", argv[1]);
  return TW_EXIT_USAGE;
}
