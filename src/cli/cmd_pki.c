/* cmd_pki.c - `triwatch pki init`: make the development PKI of the sharing fabric (pki.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "triwatch/error.h"
#include "triwatch/pki.h"

static const char g_pki_help[] =
  "usage: triwatch pki init --partners A,B[,C...] [--links A-B,C-B... | --mesh] [--hub NATION]\n"
  "                         [--domain N] [--days N] --out DIR\n"
  "\n"
  "Makes a development PKI for DDS Security in DIR: an identity CA and a permissions CA\n"
  "(EC P-256), governance.xml/.p7s for the domain (everything authenticated and encrypted),\n"
  "and for each partner DIR/<NATION>/ with identity.pem, identity.key (mode 0600),\n"
  "permissions.xml and permissions.p7s granting the partitions of docs/fabric.md.\n"
  "\n"
  "  --partners  2 to 16 nation codes (2 to 7 of A-Z, 0-9), e.g. USA,JPN,KOR\n"
  "  --links     the links, e.g. JPN-USA,KOR-USA; default: a hub (USA if a partner, else\n"
  "              the first, or --hub) linked to every other partner\n"
  "  --mesh      a link between every pair of partners\n"
  "  --hub       the hub of the default topology\n"
  "  --domain    DDS domain id, 0..230 (default 42)\n"
  "  --days      validity of certificates and permissions in days (default 365)\n"
  "  --out       output directory; created if missing, must not hold a PKI already\n"
  "\n"
  "Keys are not encrypted: copy DIR/<NATION>/ only to that nation's node. Exit 2 for bad\n"
  "arguments, 1 when the files cannot be written.\n";

#define LIST_MAX 512 /* characters in a comma-separated list */
#define LINKS_MAX (TW_PKI_MAX_PARTNERS * (TW_PKI_MAX_PARTNERS - 1) / 2)

/* Split a comma-separated list into buf; items point into buf. Returns the count, or -1 when the
 * list is too long or has more than max items. */
static int split_list(const char *s, char *buf, size_t n_buf, const char **items, int max)
{
  if (strlen(s) >= n_buf)
    return -1;
  strcpy(buf, s);
  int n = 0;
  for (char *z = buf;;) {
    if (n == max)
      return -1;
    items[n++] = z;
    char *comma = strchr(z, ',');
    if (!comma)
      break;
    *comma = '\0';
    z = comma + 1;
  }
  return n;
}

static int pki_init(int argc, char **argv)
{
  tw_pki_opts o;
  char partners_buf[LIST_MAX], links_buf[LIST_MAX];
  const char *partners[TW_PKI_MAX_PARTNERS + 1], *links[LINKS_MAX + 1];
  unsigned long long v;
  tw_pki_opts_init(&o);

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(g_pki_help, stdout);
      return TW_EXIT_OK;
    } else if (!strcmp(a, "--mesh")) {
      o.mesh = 1;
      continue;
    }
    if (strncmp(a, "--", 2) != 0)
      return cli_usage("pki init: unexpected argument '%s' (see 'triwatch pki init --help')", a);
    if (!val)
      return cli_usage("pki init: %s needs a value", a);
    i++;
    if (!strcmp(a, "--partners")) {
      o.n_partners = split_list(val, partners_buf, sizeof partners_buf, partners,
                                TW_PKI_MAX_PARTNERS + 1);
      if (o.n_partners < 0 || o.n_partners > TW_PKI_MAX_PARTNERS)
        return cli_usage("pki init: --partners: at most %d nations", TW_PKI_MAX_PARTNERS);
      o.partners = partners;
    } else if (!strcmp(a, "--links")) {
      o.n_links = split_list(val, links_buf, sizeof links_buf, links, LINKS_MAX + 1);
      if (o.n_links < 0 || o.n_links > LINKS_MAX)
        return cli_usage("pki init: --links: too many links");
      o.links = links;
    } else if (!strcmp(a, "--hub")) {
      o.hub = val;
    } else if (!strcmp(a, "--domain")) {
      if (cli_parse_uint(val, &v) < 0 || v > 230)
        return cli_usage("pki init: --domain expects a DDS domain id in 0..230; got '%s'", val);
      o.domain_id = (int)v;
    } else if (!strcmp(a, "--days")) {
      if (cli_parse_uint(val, &v) < 0 || v < 1 || v > TW_PKI_MAX_DAYS)
        return cli_usage("pki init: --days expects a whole number of days in 1..%d; got '%s'",
                         TW_PKI_MAX_DAYS, val);
      o.days = (int)v;
    } else if (!strcmp(a, "--out")) {
      o.out_dir = val;
    } else {
      return cli_usage("pki init: unknown option '%s' (see 'triwatch pki init --help')", a);
    }
  }
  if (!o.partners)
    return cli_usage("pki init: --partners A,B,... is required");
  if (!o.out_dir)
    return cli_usage("pki init: --out DIR is required");

  char err[512];
  int rc = tw_pki_check(&o, err, sizeof err);
  if (rc == TW_EINVAL) /* the message starts with the option's name */
    return cli_usage("pki init: --%s", err);
  if (rc >= 0)
    rc = tw_pki_init(&o, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "triwatch: pki init: %s\n", err);
    return TW_EXIT_FAIL;
  }
  printf("made a development PKI in %s for", o.out_dir);
  for (int i = 0; i < o.n_partners; i++)
    printf(" %s", o.partners[i]);
  printf(" (DDS domain %d, valid %d days); copy %s/<NATION>/ only to that nation's node\n",
         o.domain_id, o.days, o.out_dir);
  return TW_EXIT_OK;
}

int cmd_pki(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(g_pki_help, argc < 2 ? stderr : stdout);
    return argc < 2 ? TW_EXIT_USAGE : TW_EXIT_OK;
  }
  if (!strcmp(argv[1], "init"))
    return pki_init(argc - 1, argv + 1);
  return cli_usage("pki: unknown subcommand '%s' (try 'triwatch pki init --help')", argv[1]);
}
