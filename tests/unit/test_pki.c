/* test_pki.c - triwatch/pki.h and `triwatch pki init`: the files, checked by the openssl tool
 * (chains, S/MIME signatures, subjects, a second PKI that must not verify against the first),
 * every option error, the Cyclone <Security> fragment, and the real thing: a DDS Security exchange
 * on loopback where JPN receives USA's sample on JPN-USA/JPN+USA while KOR, KOR with forged
 * permissions and a participant from another CA receive nothing. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <dds/dds.h>

#include "pki_ping.h"
#include "triwatch/error.h"
#include "triwatch/pki.h"

#ifndef TW_OPENSSL_TOOL
#define TW_OPENSSL_TOOL "openssl"
#endif

static const char *const g_partners[] = {"USA", "JPN", "KOR"};

/* ---- helpers ----------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void rm_tree(const char *dir)
{
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
  char *dir = strdup("/tmp/tw_test_pki_XXXXXX");
  assert_non_null(dir);
  assert_non_null(mkdtemp(dir));
  return dir;
}

/* Make a USA/JPN/KOR hub PKI in dir (must not exist yet), failing the test on error. */
static void make_pki(const char *dir)
{
  tw_pki_opts o;
  char err[512] = "";
  tw_pki_opts_init(&o);
  o.partners = g_partners;
  o.n_partners = 3;
  o.out_dir = dir;
  int rc = tw_pki_init(&o, err, sizeof err);
  if (rc != 0)
    fail_msg("tw_pki_init(%s) = %s: %s", dir, tw_err_name(rc), err);
}

/* Run a shell command, collect stdout+stderr into out; returns the exit status (-1: no exit). */
static int run(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int run(char *out, size_t n, const char *fmt, ...)
{
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
  FILE *f = popen(cmd, "r");
  assert_non_null(f);
  size_t len = fread(out, 1, n - 1, f);
  out[len] = '\0';
  int st = pclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whole file into a NUL-terminated heap string; NULL if unreadable. */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *z = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? 2 * cap : 8192;
      char *t = realloc(z, cap);
      assert_non_null(t);
      z = t;
    }
    size_t k = fread(z + n, 1, 4096, f);
    n += k;
    if (k == 0)
      break;
  }
  fclose(f);
  z[n] = '\0';
  if (len)
    *len = n;
  return z;
}

/* Remove the CR of every CRLF in place (S/MIME text mode carries lines as CRLF). */
static size_t crlf_to_lf(char *z)
{
  size_t j = 0;
  for (size_t i = 0; z[i]; i++)
    if (!(z[i] == '\r' && z[i + 1] == '\n'))
      z[j++] = z[i];
  z[j] = '\0';
  return j;
}

static int openssl_available(void)
{
  char out[256];
  return run(out, sizeof out, "%s version", TW_OPENSSL_TOOL) == 0;
}

#define SKIP_WITHOUT_OPENSSL()                                                                \
  do {                                                                                        \
    if (!openssl_available()) {                                                               \
      print_message("openssl tool '%s' not runnable; skipping\n", TW_OPENSSL_TOOL);           \
      skip();                                                                                 \
    }                                                                                         \
  } while (0)

/* ---- the files, checked by the openssl tool ---------------------------------------------- */

static void test_files_verify_with_openssl(void **state)
{
  (void)state;
  SKIP_WITHOUT_OPENSSL();
  char *tmp = make_tmpdir(), dir[512], other[512], out[8192];
  snprintf(dir, sizeof dir, "%s/pki", tmp);
  snprintf(other, sizeof other, "%s/other", tmp);
  make_pki(dir);
  make_pki(other);

  static const char *const files[] = {
    "identity_ca.pem", "identity_ca.key", "permissions_ca.pem", "permissions_ca.key",
    "governance.xml", "governance.p7s",
  };
  static const char *const node_files[] = {
    "identity.pem", "identity.key", "permissions.xml", "permissions.p7s",
  };
  char path[1024];
  struct stat st;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    assert_int_equal(stat(path, &st), 0);
    if (strstr(files[i], ".key"))
      assert_int_equal(st.st_mode & 0777, 0600);
  }
  for (int n = 0; n < 3; n++) {
    for (size_t i = 0; i < sizeof node_files / sizeof node_files[0]; i++) {
      snprintf(path, sizeof path, "%s/%s/%s", dir, g_partners[n], node_files[i]);
      if (stat(path, &st) != 0)
        fail_msg("%s missing", path);
      if (strstr(node_files[i], ".key"))
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    /* chain, and the subject exactly as the permissions grant names it */
    int rc = run(out, sizeof out, "%s verify -CAfile %s/identity_ca.pem %s/%s/identity.pem",
                 TW_OPENSSL_TOOL, dir, dir, g_partners[n]);
    if (rc != 0 || !strstr(out, ": OK"))
      fail_msg("openssl verify %s: exit %d: %s", g_partners[n], rc, out);
    rc = run(out, sizeof out, "%s x509 -noout -subject -nameopt RFC2253 -in %s/%s/identity.pem",
             TW_OPENSSL_TOOL, dir, g_partners[n]);
    char want[64], grant[96];
    snprintf(want, sizeof want, "subject=CN=%s,O=triwatch\n", g_partners[n]);
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);
    snprintf(path, sizeof path, "%s/%s/permissions.xml", dir, g_partners[n]);
    char *xml = slurp(path, NULL);
    assert_non_null(xml);
    snprintf(grant, sizeof grant, "<subject_name>CN=%s,O=triwatch</subject_name>", g_partners[n]);
    assert_non_null(strstr(xml, grant));
    free(xml);
  }

  /* S/MIME: the permissions and the governance verify against the permissions CA, and what was
   * signed is the .xml beside them (in text mode's CRLF lines) */
  const char *docs[] = {"JPN/permissions", "USA/permissions", "governance"};
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    char got_path[1024], xml_path[1024];
    snprintf(got_path, sizeof got_path, "%s/verified.out", tmp);
    snprintf(xml_path, sizeof xml_path, "%s/%s.xml", dir, docs[i]);
    int rc = run(out, sizeof out,
                 "%s smime -verify -text -in %s/%s.p7s -CAfile %s/permissions_ca.pem -out %s",
                 TW_OPENSSL_TOOL, dir, docs[i], dir, got_path);
    if (rc != 0 || !strstr(out, "Verification successful"))
      fail_msg("openssl smime -verify %s: exit %d: %s", docs[i], rc, out);
    char *got = slurp(got_path, NULL), *want = slurp(xml_path, NULL);
    assert_non_null(got);
    assert_non_null(want);
    crlf_to_lf(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    snprintf(path, sizeof path, "%s/%s.p7s", dir, docs[i]);
    char *p7s = slurp(path, NULL);
    assert_non_null(p7s);
    assert_non_null(strstr(p7s, "Content-Type: multipart/signed; protocol=\"application/x-pkcs7-signature\""));
    assert_non_null(strstr(p7s, "Content-Type: text/plain\r\n\r\n<?xml"));
    free(p7s);
  }

  /* a second PKI: its certificates and its signatures mean nothing to the first one's CAs */
  int rc = run(out, sizeof out, "%s verify -CAfile %s/identity_ca.pem %s/JPN/identity.pem",
               TW_OPENSSL_TOOL, dir, other);
  if (rc == 0)
    fail_msg("a JPN certificate from another PKI verified against the first CA: %s", out);
  rc = run(out, sizeof out,
           "%s smime -verify -text -in %s/JPN/permissions.p7s -CAfile %s/permissions_ca.pem "
           "-out /dev/null",
           TW_OPENSSL_TOOL, other, dir);
  if (rc == 0)
    fail_msg("permissions from another PKI verified against the first CA: %s", out);
  /* nor is the identity CA a permissions CA */
  rc = run(out, sizeof out,
           "%s smime -verify -text -in %s/JPN/permissions.p7s -CAfile %s/identity_ca.pem "
           "-out /dev/null",
           TW_OPENSSL_TOOL, dir, dir);
  if (rc == 0)
    fail_msg("permissions verified against the identity CA: %s", out);

  rm_tree(tmp);
  free(tmp);
}

/* The grants of the hub topology: exact membership patterns on each node's links only. */
static void test_permissions_follow_the_links(void **state)
{
  (void)state;
  char *tmp = make_tmpdir(), dir[512], path[1024];
  snprintf(dir, sizeof dir, "%s/pki", tmp);
  make_pki(dir);

  snprintf(path, sizeof path, "%s/USA/permissions.xml", dir);
  char *usa = slurp(path, NULL);
  snprintf(path, sizeof path, "%s/KOR/permissions.xml", dir);
  char *kor = slurp(path, NULL);
  snprintf(path, sizeof path, "%s/governance.xml", dir);
  char *gov = slurp(path, NULL);
  assert_non_null(usa);
  assert_non_null(kor);
  assert_non_null(gov);
  assert_non_null(strstr(usa, "<partition>JPN-USA/*+USA</partition>"));
  assert_non_null(strstr(usa, "<partition>KOR-USA/*+USA</partition>"));
  assert_non_null(strstr(kor, "<partition>KOR-USA/KOR+*</partition>"));
  assert_non_null(strstr(kor, "<partition>KOR-USA/*+KOR+*</partition>"));
  assert_null(strstr(kor, "JPN-USA"));
  assert_null(strstr(kor, "JPN-KOR"));
  assert_non_null(strstr(kor, "<topic>tw_health</topic>"));
  assert_non_null(strstr(kor, "<default>DENY</default>"));
  assert_non_null(strstr(kor, "<id>42</id>"));
  assert_non_null(strstr(gov, "<id>42</id>"));
  assert_non_null(strstr(gov, "<rtps_protection_kind>ENCRYPT</rtps_protection_kind>"));
  assert_non_null(strstr(gov, "<data_protection_kind>ENCRYPT</data_protection_kind>"));
  assert_non_null(strstr(gov, "<allow_unauthenticated_participants>false<"));
  free(usa);
  free(kor);
  free(gov);

  /* a mesh gives KOR the JPN-KOR link too; explicit links in either order are normalised */
  tw_pki_opts o;
  char err[256];
  const char *links[] = {"USA-JPN", "JPN-KOR"};
  tw_pki_opts_init(&o);
  o.partners = g_partners;
  o.n_partners = 3;
  o.links = links;
  o.n_links = 2;
  o.domain_id = 7;
  snprintf(dir, sizeof dir, "%s/chain", tmp);
  o.out_dir = dir;
  assert_int_equal(tw_pki_init(&o, err, sizeof err), 0);
  snprintf(path, sizeof path, "%s/JPN/permissions.xml", dir);
  char *jpn = slurp(path, NULL);
  assert_non_null(jpn);
  assert_non_null(strstr(jpn, "<partition>JPN-USA/JPN+*</partition>"));
  assert_non_null(strstr(jpn, "<partition>JPN-KOR/*+JPN+*</partition>"));
  assert_non_null(strstr(jpn, "<id>7</id>"));
  free(jpn);
  rm_tree(tmp);
  free(tmp);
}

/* ---- option errors ----------------------------------------------------------------------- */

static void test_bad_options(void **state)
{
  (void)state;
  static const char *const two[] = {"USA", "JPN"};
  static const char *const one[] = {"USA"};
  static const char *const lower[] = {"USA", "jpn"};
  static const char *const longc[] = {"USA", "ABCDEFGH"};
  static const char *const shortc[] = {"USA", "J"};
  static const char *const dup[] = {"USA", "JPN", "USA"};
  static const char *const seventeen[] = {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9",
                                          "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8"};
  static const char *const l_unknown[] = {"JPN-CHN"};
  static const char *const l_form[] = {"JPNUSA"};
  static const char *const l_self[] = {"USA-USA"};
  static const char *const l_dup[] = {"JPN-USA", "USA-JPN"};
  static const char *const l_three[] = {"JPN-USA-KOR"};
  static const char *const l_missing[] = {"JPN-USA"};
  struct {
    const char *const *partners;
    int n_partners;
    const char *const *links;
    int n_links;
    int mesh, domain, days;
    const char *hub, *out, *want;
  } cases[] = {
    {one, 1, NULL, 0, 0, 42, 365, NULL, "/tmp/x", "partners: need 2 to 16 nations, got 1"},
    {NULL, 0, NULL, 0, 0, 42, 365, NULL, "/tmp/x", "partners: need 2"},
    {seventeen, 17, NULL, 0, 0, 42, 365, NULL, "/tmp/x", "partners: need 2 to 16 nations, got 17"},
    {lower, 2, NULL, 0, 0, 42, 365, NULL, "/tmp/x", "partners: 'jpn' is not a nation code"},
    {longc, 2, NULL, 0, 0, 42, 365, NULL, "/tmp/x", "partners: 'ABCDEFGH' is not a nation code"},
    {shortc, 2, NULL, 0, 0, 42, 365, NULL, "/tmp/x", "partners: 'J' is not a nation code"},
    {dup, 3, NULL, 0, 0, 42, 365, NULL, "/tmp/x", "partners: 'USA' is listed twice"},
    {two, 2, l_unknown, 1, 0, 42, 365, NULL, "/tmp/x", "links: 'JPN-CHN' names CHN, which is not a partner"},
    {two, 2, l_form, 1, 0, 42, 365, NULL, "/tmp/x", "links: 'JPNUSA' is not NATION-NATION"},
    {two, 2, l_three, 1, 0, 42, 365, NULL, "/tmp/x", "links: 'JPN-USA-KOR' is not NATION-NATION"},
    {two, 2, l_self, 1, 0, 42, 365, NULL, "/tmp/x", "links: 'USA-USA' joins a nation to itself"},
    {two, 2, l_dup, 2, 0, 42, 365, NULL, "/tmp/x", "links: 'USA-JPN' is listed twice"},
    {two, 2, l_dup, 1, 1, 42, 365, NULL, "/tmp/x", "links: give a list of links or a mesh"},
    {g_partners, 3, l_missing, 1, 0, 42, 365, NULL, "/tmp/x", "links: partner KOR is on no link"},
    {two, 2, NULL, 0, 0, 42, 365, "KOR", "/tmp/x", "hub: 'KOR' is not a partner"},
    {two, 2, NULL, 0, 1, 42, 365, "USA", "/tmp/x", "hub: only for the default hub topology"},
    {two, 2, NULL, 0, 0, 231, 365, NULL, "/tmp/x", "domain: 231 is outside 0..230"},
    {two, 2, NULL, 0, 0, -1, 365, NULL, "/tmp/x", "domain: -1 is outside 0..230"},
    {two, 2, NULL, 0, 0, 42, 0, NULL, "/tmp/x", "days: 0 is outside 1..3650"},
    {two, 2, NULL, 0, 0, 42, 3651, NULL, "/tmp/x", "days: 3651 is outside 1..3650"},
    {two, 2, NULL, 0, 0, 42, 365, NULL, NULL, "out: no output directory given"},
    {two, 2, NULL, 0, 0, 42, 365, NULL, "", "out: no output directory given"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tw_pki_opts o;
    char err[256] = "";
    tw_pki_opts_init(&o);
    o.partners = cases[i].partners;
    o.n_partners = cases[i].n_partners;
    o.links = cases[i].links;
    o.n_links = cases[i].n_links;
    o.mesh = cases[i].mesh;
    o.hub = cases[i].hub;
    o.domain_id = cases[i].domain;
    o.days = cases[i].days;
    o.out_dir = cases[i].out;
    int rc = tw_pki_check(&o, err, sizeof err);
    if (rc != TW_EINVAL || strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
      fail_msg("case %zu: got %s '%s', want TW_EINVAL '%s...'", i, tw_err_name(rc), err,
               cases[i].want);
    assert_null(strchr(err, '\n'));
    /* tw_pki_init checks first: nothing is made */
    assert_int_equal(tw_pki_init(&o, NULL, 0), TW_EINVAL);
  }
  assert_int_equal(access("/tmp/x/identity_ca.key", F_OK), -1);
}

/* A second init into the same directory must not replace the CA keys; a file system error
 * names the file. */
static void test_refuses_overwrite_and_reports_paths(void **state)
{
  (void)state;
  char *tmp = make_tmpdir(), dir[512], err[512] = "";
  snprintf(dir, sizeof dir, "%s/pki", tmp);
  make_pki(dir);
  char path[1024];
  snprintf(path, sizeof path, "%s/identity_ca.pem", dir);
  char *before = slurp(path, NULL);
  assert_non_null(before);

  tw_pki_opts o;
  tw_pki_opts_init(&o);
  o.partners = g_partners;
  o.n_partners = 3;
  o.out_dir = dir;
  assert_int_equal(tw_pki_init(&o, err, sizeof err), TW_EIO);
  assert_non_null(strstr(err, "identity_ca.key already exists"));
  char *after = slurp(path, NULL);
  assert_string_equal(before, after);
  free(before);
  free(after);

  /* a file where a directory must go */
  snprintf(dir, sizeof dir, "%s/blocked", tmp);
  assert_int_equal(mkdir(dir, 0755), 0);
  snprintf(path, sizeof path, "%s/JPN", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fclose(f);
  o.out_dir = dir;
  assert_int_equal(tw_pki_init(&o, err, sizeof err), TW_EIO);
  if (!strstr(err, path) || !strstr(err, "cannot create directory"))
    fail_msg("message does not name %s: %s", path, err);

  /* missing parent */
  snprintf(dir, sizeof dir, "%s/no/such/dir", tmp);
  o.out_dir = dir;
  assert_int_equal(tw_pki_init(&o, err, sizeof err), TW_EIO);
  assert_non_null(strstr(err, dir));
  rm_tree(tmp);
  free(tmp);
}

/* ---- the Cyclone configuration fragment -------------------------------------------------- */

static void test_security_xml(void **state)
{
  (void)state;
  char *tmp = make_tmpdir(), dir[512], buf[4096], want[1024];
  snprintf(dir, sizeof dir, "%s/pki", tmp);
  make_pki(dir);

  int n = tw_pki_security_xml(buf, sizeof buf, dir, "JPN");
  assert_true(n > 0);
  assert_int_equal((size_t)n, strlen(buf));
  assert_true(strncmp(buf, "<Security><Authentication>", 26) == 0);
  snprintf(want, sizeof want, "<IdentityCA>file://%s/identity_ca.pem</IdentityCA>", dir);
  assert_non_null(strstr(buf, want));
  snprintf(want, sizeof want,
           "<IdentityCertificate>file://%s/JPN/identity.pem</IdentityCertificate>", dir);
  assert_non_null(strstr(buf, want));
  snprintf(want, sizeof want, "<PrivateKey>file://%s/JPN/identity.key</PrivateKey>", dir);
  assert_non_null(strstr(buf, want));
  snprintf(want, sizeof want, "<Governance>file://%s/governance.p7s</Governance>", dir);
  assert_non_null(strstr(buf, want));
  snprintf(want, sizeof want, "<PermissionsCA>file://%s/permissions_ca.pem</PermissionsCA>", dir);
  assert_non_null(strstr(buf, want));
  snprintf(want, sizeof want, "<Permissions>file://%s/JPN/permissions.p7s</Permissions>", dir);
  assert_non_null(strstr(buf, want));
  assert_non_null(strstr(buf, "<Library path=\"dds_security_auth\" initFunction=\"init_authentication\""));
  assert_non_null(strstr(buf, "<Library path=\"dds_security_ac\""));
  assert_non_null(strstr(buf, "<Cryptographic><Library path=\"dds_security_crypto\""));
  assert_non_null(strstr(buf, "</Security>"));

  n = tw_pki_security_xml_libdir(buf, sizeof buf, dir, "KOR", "/opt/dds lib");
  assert_true(n > 0);
  assert_non_null(strstr(buf, "<Library path=\"/opt/dds lib/libdds_security_crypto.so\""));

  /* errors leave buf alone */
  strcpy(buf, "unchanged");
  char small[64];
  assert_int_equal(tw_pki_security_xml(small, sizeof small, dir, "JPN"), TW_ERANGE);
  assert_int_equal(tw_pki_security_xml(buf, sizeof buf, dir, "CHN"), TW_ENOENT);
  assert_int_equal(tw_pki_security_xml(buf, sizeof buf, dir, "jpn"), TW_EINVAL);
  assert_int_equal(tw_pki_security_xml(buf, sizeof buf, "/nonexistent/pki", "JPN"), TW_ENOENT);
  assert_int_equal(tw_pki_security_xml(buf, sizeof buf, "/tmp/$HOME", "JPN"), TW_EINVAL);
  assert_int_equal(tw_pki_security_xml_libdir(buf, sizeof buf, dir, "JPN", "/x/${A}"), TW_EINVAL);
  assert_string_equal(buf, "unchanged");
  rm_tree(tmp);
  free(tmp);
}

/* ---- the command line -------------------------------------------------------------------- */

static void test_cli(void **state)
{
  (void)state;
  const char *cli = getenv("TW_CLI");
  if (!cli) {
    print_message("TW_CLI (the triwatch binary) not set; run through ctest; skipping\n");
    skip();
  }
  char *tmp = make_tmpdir(), out[4096];
  struct {
    const char *args, *want;
  } bad[] = {
    {"pki init --out %s/a", "--partners A,B,... is required"},
    {"pki init --partners USA,JPN", "--out DIR is required"},
    {"pki init --partners USA,jpn --out %s/a", "--partners: 'jpn' is not a nation code"},
    {"pki init --partners USA,JPN --links JPN-KOR --out %s/a", "--links: 'JPN-KOR' names KOR"},
    {"pki init --partners USA,JPN --domain 300 --out %s/a", "--domain expects a DDS domain id"},
    {"pki init --partners USA,JPN --days x --out %s/a", "--days expects a whole number"},
    {"pki init --partners USA,JPN --frobnicate 1 --out %s/a", "unknown option '--frobnicate'"},
    {"pki init --partners USA,JPN --mesh --links JPN-USA --out %s/a", "--links: give a list"},
    {"pki init --partners", "--partners needs a value"},
    {"pki frob", "pki: unknown subcommand 'frob'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char args[512];
    snprintf(args, sizeof args, bad[i].args, tmp);
    int rc = run(out, sizeof out, "%s %s", cli, args);
    if (rc != 2 || !strstr(out, bad[i].want) || strchr(out, '\n') != out + strlen(out) - 1)
      fail_msg("triwatch %s: exit %d, output '%s'; want exit 2 and one line with '%s'", args, rc,
               out, bad[i].want);
  }
  int rc = run(out, sizeof out, "%s pki init --partners USA,JPN,KOR --mesh --domain 9 --days 30 "
                                "--out %s/good", cli, tmp);
  if (rc != 0)
    fail_msg("pki init: exit %d: %s", rc, out);
  char path[1024];
  snprintf(path, sizeof path, "%s/good/KOR/permissions.xml", tmp);
  char *kor = slurp(path, NULL);
  assert_non_null(kor);
  assert_non_null(strstr(kor, "<partition>JPN-KOR/*+KOR</partition>"));
  assert_non_null(strstr(kor, "<id>9</id>"));
  free(kor);
  /* again into the same directory: refused, exit 1 */
  rc = run(out, sizeof out, "%s pki init --partners USA,JPN --out %s/good", cli, tmp);
  assert_int_equal(rc, 1);
  assert_non_null(strstr(out, "already exists"));
  rc = run(out, sizeof out, "%s pki --help", cli);
  assert_int_equal(rc, 0);
  rm_tree(tmp);
  free(tmp);
}

/* ---- the real thing: DDS Security on loopback -------------------------------------------- */

#define DDS_DOMAIN 42
#define PARTITION "JPN-USA/JPN+USA"
#define READ_WINDOW_S 5   /* each reader listens at most this long */
#define WRITE_WINDOW_S 7  /* the writer writes at most this long */

/* What a reader process reports through its exit status. */
enum reader_result {
  GOT_SAMPLE = 0,
  GOT_NOTHING = 1,
  READER_REFUSED = 2,
  PARTICIPANT_REFUSED = 3,
  SETUP_FAILED = 4,
};

static const char *result_name(int r)
{
  switch (r) {
  case GOT_SAMPLE: return "received USA's sample";
  case GOT_NOTHING: return "received nothing";
  case READER_REFUSED: return "its own access control refused the reader";
  case PARTICIPANT_REFUSED: return "participant refused";
  case SETUP_FAILED: return "setup failed";
  default: return "died";
  }
}

/* Cyclone configuration for one node: loopback only, unicast discovery, its <Security>. */
static char *node_config(const char *security)
{
  static const char fmt[] =
    "<CycloneDDS><Domain id=\"any\">"
    "<General><Interfaces><NetworkInterface address=\"127.0.0.1\"/></Interfaces>"
    "<AllowMulticast>false</AllowMulticast></General>"
    "<Discovery><ParticipantIndex>auto</ParticipantIndex>"
    "<MaxAutoParticipantIndex>30</MaxAutoParticipantIndex>"
    "<Peers><Peer Address=\"127.0.0.1\"/></Peers></Discovery>"
    "%s%s"
    "</Domain></CycloneDDS>";
  const char *trace = getenv("TW_TEST_PKI_TRACE"); /* a directory for Cyclone's traces */
  char tracing[600] = "";
  if (trace)
    snprintf(tracing, sizeof tracing,
             "<Tracing><Verbosity>finest</Verbosity><OutputFile>%s/cdds.%d.log</OutputFile>"
             "</Tracing>", trace, (int)getpid());
  size_t n = sizeof fmt + strlen(security) + strlen(tracing) + 1;
  char *z = malloc(n);
  if (z)
    snprintf(z, n, fmt, security, tracing);
  return z;
}

static dds_qos_t *ping_qos(void)
{
  dds_qos_t *q = dds_create_qos();
  dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
  dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 1);
  return q;
}

/* One node as a reader on tw_health in PARTITION; runs in a child process, never returns. */
static void reader_main(const char *security)
{
  int result = SETUP_FAILED;
  char *cfg = node_config(security);
  if (!cfg)
    _exit(SETUP_FAILED);
  dds_entity_t dom = dds_create_domain(DDS_DOMAIN, cfg);
  free(cfg);
  if (dom < 0)
    _exit(SETUP_FAILED);
  dds_entity_t pp = dds_create_participant(DDS_DOMAIN, NULL, NULL);
  if (pp < 0) {
    result = PARTICIPANT_REFUSED;
    goto out;
  }
  dds_entity_t topic = dds_create_topic(pp, &tw_test_pki_ping_desc, "tw_health", NULL, NULL);
  if (topic < 0)
    goto out;
  dds_qos_t *q = ping_qos();
  const char *part[] = {PARTITION};
  dds_qset_partition(q, 1, part);
  dds_entity_t sub = dds_create_subscriber(pp, q, NULL);
  dds_entity_t rd = sub < 0 ? sub : dds_create_reader(sub, topic, q, NULL);
  dds_delete_qos(q);
  if (sub < 0)
    goto out;
  if (rd < 0) {
    result = rd == DDS_RETCODE_NOT_ALLOWED_BY_SECURITY ? READER_REFUSED : SETUP_FAILED;
    goto out;
  }
  result = GOT_NOTHING;
  dds_time_t deadline = dds_time() + DDS_SECS(READ_WINDOW_S);
  while (dds_time() < deadline) {
    tw_test_pki_ping s;
    void *ptr = &s;
    dds_sample_info_t info;
    if (dds_take(rd, &ptr, &info, 1, 1) > 0 && info.valid_data && !strcmp(s.from, "USA")) {
      result = GOT_SAMPLE;
      break;
    }
    dds_sleepfor(DDS_MSECS(20));
  }
out:
  dds_delete(DDS_CYCLONEDDS_HANDLE);
  _exit(result);
}

static pid_t spawn_reader(const char *security)
{
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    reader_main(security);
  return pid;
}

/* Whether the plugins load: by their short names (NULL in *dir), from TW_DDS_PLUGIN_DIR, or
 * not at all (returns 0 with the loader's reasons in why). */
static int find_plugins(const char **dir, char *why, size_t n)
{
  void *h = dlopen("libdds_security_auth.so", RTLD_NOW | RTLD_LOCAL);
  if (h) {
    dlclose(h);
    *dir = NULL;
    return 1;
  }
  snprintf(why, n, "by short name: %s", dlerror());
#ifdef TW_DDS_PLUGIN_DIR
  h = dlopen(TW_DDS_PLUGIN_DIR "/libdds_security_auth.so", RTLD_NOW | RTLD_LOCAL);
  if (h) {
    dlclose(h);
    *dir = TW_DDS_PLUGIN_DIR;
    return 1;
  }
  size_t k = strlen(why);
  snprintf(why + k, n - k, "; from %s: %s", TW_DDS_PLUGIN_DIR, dlerror());
#endif
  return 0;
}

static void security_xml_or_fail(char *buf, size_t n, const char *dir, const char *nation,
                                  const char *plugin_dir)
{
  int rc = tw_pki_security_xml_libdir(buf, n, dir, nation, plugin_dir);
  if (rc < 0)
    fail_msg("tw_pki_security_xml(%s, %s) = %s", dir, nation, tw_err_name(rc));
}

static void link_into(const char *from, const char *to)
{
  if (symlink(from, to) != 0)
    fail_msg("symlink %s -> %s: %s", to, from, strerror(errno));
}

static void test_dds_security_exchange(void **state)
{
  (void)state;
  const char *plugin_dir = NULL;
  char why[1024];
  if (!find_plugins(&plugin_dir, why, sizeof why)) {
    print_message("DDS Security plugins cannot be loaded here (%s); skipping\n", why);
    skip();
  }
  SKIP_WITHOUT_OPENSSL();
  print_message("security plugins: %s\n", plugin_dir ? plugin_dir : "by short name");

  char *tmp = make_tmpdir(), dir[512], other[512], forged[512], path[1024], path2[1024];
  char out[4096];
  snprintf(dir, sizeof dir, "%s/pki", tmp);
  snprintf(other, sizeof other, "%s/other", tmp);
  snprintf(forged, sizeof forged, "%s/forged", tmp);
  make_pki(dir);
  make_pki(other);

  /* KOR with forged permissions: its genuine identity, but a grant for every partition signed
   * (by the openssl tool, as DESIGN.md does it) with another PKI's permissions CA, which its own
   * configuration trusts. Its access control allows the reader; USA's must refuse the grant. */
  assert_int_equal(mkdir(forged, 0755), 0);
  snprintf(path, sizeof path, "%s/KOR", forged);
  assert_int_equal(mkdir(path, 0755), 0);
  static const char *const links[][3] = {
    {"pki", "identity_ca.pem", "identity_ca.pem"},
    {"other", "permissions_ca.pem", "permissions_ca.pem"},
    {"other", "governance.p7s", "governance.p7s"},
    {"pki", "KOR/identity.pem", "KOR/identity.pem"},
    {"pki", "KOR/identity.key", "KOR/identity.key"},
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
    snprintf(path, sizeof path, "%s/%s/%s", tmp, links[i][0], links[i][1]);
    snprintf(path2, sizeof path2, "%s/%s", forged, links[i][2]);
    link_into(path, path2);
  }
  snprintf(path, sizeof path, "%s/KOR/permissions.xml", dir);
  char *grant = slurp(path, NULL);
  assert_non_null(grant);
  snprintf(path, sizeof path, "%s/KOR/permissions.xml", forged);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  /* the genuine KOR grant with its partitions widened to everything */
  for (const char *z = grant; *z;) {
    const char *open_tag = strstr(z, "<partitions>"), *close_tag;
    if (!open_tag) {
      fputs(z, f);
      break;
    }
    close_tag = strstr(open_tag, "</partitions>");
    assert_non_null(close_tag);
    fwrite(z, 1, (size_t)(open_tag - z), f);
    fputs("<partitions><partition>*</partition>", f);
    z = close_tag;
  }
  fclose(f);
  free(grant);
  int rc = run(out, sizeof out,
               "%s smime -sign -text -in %s/KOR/permissions.xml -signer %s/permissions_ca.pem "
               "-inkey %s/permissions_ca.key -out %s/KOR/permissions.p7s",
               TW_OPENSSL_TOOL, forged, other, other, forged);
  if (rc != 0)
    fail_msg("openssl smime -sign: exit %d: %s", rc, out);

  static char sec_usa[4096], sec_jpn[4096], sec_kor[4096], sec_forged[4096], sec_rogue[4096];
  security_xml_or_fail(sec_usa, sizeof sec_usa, dir, "USA", plugin_dir);
  security_xml_or_fail(sec_jpn, sizeof sec_jpn, dir, "JPN", plugin_dir);
  security_xml_or_fail(sec_kor, sizeof sec_kor, dir, "KOR", plugin_dir);
  security_xml_or_fail(sec_forged, sizeof sec_forged, forged, "KOR", plugin_dir);
  /* a JPN from another PKI: valid in its own world, unknown to ours */
  security_xml_or_fail(sec_rogue, sizeof sec_rogue, other, "JPN", plugin_dir);

  /* readers first, each its own process (one Cyclone domain instance per domain id per
   * process, and each node needs its own <Security>); no DDS call happens before the forks */
  struct {
    const char *who, *security;
    pid_t pid;
    int result;
  } readers[] = {
    {"JPN", sec_jpn, 0, -1},
    {"KOR", sec_kor, 0, -1},
    {"KOR with forged permissions", sec_forged, 0, -1},
    {"JPN from another CA", sec_rogue, 0, -1},
  };
  const int n_readers = (int)(sizeof readers / sizeof readers[0]);
  for (int i = 0; i < n_readers; i++)
    readers[i].pid = spawn_reader(readers[i].security);

  /* USA writes in this process */
  char *cfg = node_config(sec_usa);
  assert_non_null(cfg);
  dds_entity_t dom = dds_create_domain(DDS_DOMAIN, cfg);
  free(cfg);
  dds_entity_t pp = dom < 0 ? dom : dds_create_participant(DDS_DOMAIN, NULL, NULL);
  dds_entity_t wr = -1;
  if (pp >= 0) {
    dds_entity_t topic = dds_create_topic(pp, &tw_test_pki_ping_desc, "tw_health", NULL, NULL);
    dds_qos_t *q = ping_qos();
    const char *part[] = {PARTITION};
    dds_qset_partition(q, 1, part);
    dds_entity_t pub = dds_create_publisher(pp, q, NULL);
    wr = (topic < 0 || pub < 0) ? -1 : dds_create_writer(pub, topic, q, NULL);
    dds_delete_qos(q);
  }
  int total_matched = -1;
  if (wr >= 0) {
    tw_test_pki_ping s = {.seq = 0, .from = "USA"};
    dds_time_t deadline = dds_time() + DDS_SECS(WRITE_WINDOW_S);
    int running = n_readers;
    while (running > 0 && dds_time() < deadline) {
      s.seq++;
      (void)dds_write(wr, &s);
      dds_sleepfor(DDS_MSECS(100));
      for (int i = 0; i < n_readers; i++) {
        int st;
        if (readers[i].result < 0 && waitpid(readers[i].pid, &st, WNOHANG) == readers[i].pid) {
          readers[i].result = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
          running--;
        }
      }
    }
    dds_publication_matched_status_t pm;
    if (dds_get_publication_matched_status(wr, &pm) == 0)
      total_matched = (int)pm.total_count;
  }
  /* bounded: whoever is still running now has overstayed its window */
  for (int i = 0; i < n_readers; i++) {
    if (readers[i].result < 0) {
      int st;
      kill(readers[i].pid, SIGKILL);
      waitpid(readers[i].pid, &st, 0);
      readers[i].result = 98;
    }
  }
  dds_delete(DDS_CYCLONEDDS_HANDLE);
  if (dom < 0 || pp < 0 || wr < 0)
    fail_msg("USA writer could not be set up: domain %d participant %d writer %d", (int)dom,
             (int)pp, (int)wr);

  for (int i = 0; i < n_readers; i++)
    print_message("%-28s %s\n", readers[i].who, result_name(readers[i].result));
  print_message("USA's writer matched %d reader(s) in all\n", total_matched);
  assert_int_equal(readers[0].result, GOT_SAMPLE);
  /* KOR may not even create the reader; either way nothing arrives */
  assert_true(readers[1].result == READER_REFUSED || readers[1].result == GOT_NOTHING);
  /* these two are valid in their own eyes: they run, and get nothing */
  assert_int_equal(readers[2].result, GOT_NOTHING);
  assert_int_equal(readers[3].result, GOT_NOTHING);
  assert_int_equal(total_matched, 1);
  rm_tree(tmp);
  free(tmp);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_files_verify_with_openssl),
    cmocka_unit_test(test_permissions_follow_the_links),
    cmocka_unit_test(test_bad_options),
    cmocka_unit_test(test_refuses_overwrite_and_reports_paths),
    cmocka_unit_test(test_security_xml),
    cmocka_unit_test(test_cli),
    cmocka_unit_test(test_dds_security_exchange),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
