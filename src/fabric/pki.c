/* pki.c - the development PKI (triwatch/pki.h): EC P-256 keys, X.509 v3 certificates and the
 * S/MIME-signed DDS Security governance and permissions documents, all made with libcrypto.
 *
 * The plan (validated nations and links) is built once from the options; every file is then
 * written from it. Every OpenSSL failure is reported with the file being made. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "triwatch/error.h"
#include "triwatch/pki.h"

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "pki.c needs OpenSSL 3 (EVP_PKEY_CTX_new_from_name, EVP_PKEY_generate)"
#endif

#define MAX_LINKS (TW_PKI_MAX_PARTNERS * (TW_PKI_MAX_PARTNERS - 1) / 2)
#define MAX_DOMAIN 230         /* Cyclone DDS: the highest domain id with a port mapping */
#define CLOCK_SKEW_S 300       /* certificates and grants start this much before now */

static const char *const g_topics[] = {
  "tw_local_track", "tw_system_track", "tw_prediction", "tw_alert", "tw_health",
};

/* Validated options: nation codes, and links as index pairs with code[a] < code[b]. */
typedef struct plan {
  char code[TW_PKI_MAX_PARTNERS][TW_PKI_NATION_MAX + 1];
  int n;
  int link[MAX_LINKS][2];
  int n_links;
  int domain_id;
  int days;
} plan;

/* ---- messages ---------------------------------------------------------------------------- */

static int fail(int rc, char *err, size_t n_err, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t n_err, const char *fmt, ...)
{
  if (err && n_err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n_err, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* An OpenSSL failure while making `path`: the deepest reason in OpenSSL's queue, queue cleared. */
static int ossl_fail(char *err, size_t n_err, const char *path, const char *step)
{
  unsigned long e, last = 0;
  char reason[256] = "no reason given";
  while ((e = ERR_get_error()) != 0)
    last = e;
  if (last)
    ERR_error_string_n(last, reason, sizeof reason);
  return fail(TW_EIO, err, n_err, "%s: %s failed: %s", path, step, reason);
}

/* ---- options ----------------------------------------------------------------------------- */

static int is_code(const char *s)
{
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')) || n >= TW_PKI_NATION_MAX)
      return 0;
  return n >= 2;
}

static int find_code(const plan *p, const char *s, size_t len)
{
  for (int i = 0; i < p->n; i++)
    if (strlen(p->code[i]) == len && !memcmp(p->code[i], s, len))
      return i;
  return -1;
}

/* Add link a-b (any order); 0, or an error for a self-link or a duplicate. */
static int add_link(plan *p, int a, int b, const char *spelled, char *err, size_t n_err)
{
  if (a == b)
    return fail(TW_EINVAL, err, n_err, "links: '%s' joins a nation to itself", spelled);
  if (strcmp(p->code[a], p->code[b]) > 0) {
    int t = a;
    a = b;
    b = t;
  }
  for (int i = 0; i < p->n_links; i++)
    if (p->link[i][0] == a && p->link[i][1] == b)
      return fail(TW_EINVAL, err, n_err, "links: '%s' is listed twice (as %s-%s)", spelled,
                  p->code[a], p->code[b]);
  p->link[p->n_links][0] = a;
  p->link[p->n_links][1] = b;
  p->n_links++;
  return 0;
}

static int make_plan(plan *p, const tw_pki_opts *o, char *err, size_t n_err)
{
  memset(p, 0, sizeof *p);
  if (!o)
    return fail(TW_EINVAL, err, n_err, "options: none given");
  if (!o->partners || o->n_partners < 2 || o->n_partners > TW_PKI_MAX_PARTNERS)
    return fail(TW_EINVAL, err, n_err, "partners: need 2 to %d nations, got %d",
                TW_PKI_MAX_PARTNERS, o->partners ? o->n_partners : 0);
  for (int i = 0; i < o->n_partners; i++) {
    const char *c = o->partners[i];
    if (!c || !is_code(c))
      return fail(TW_EINVAL, err, n_err,
                  "partners: '%.16s' is not a nation code (2 to %d characters of A-Z, 0-9)",
                  c ? c : "(null)", TW_PKI_NATION_MAX);
    if (find_code(p, c, strlen(c)) >= 0)
      return fail(TW_EINVAL, err, n_err, "partners: '%s' is listed twice", c);
    strcpy(p->code[p->n++], c);
  }

  if (o->links && o->n_links > 0) {
    if (o->mesh)
      return fail(TW_EINVAL, err, n_err, "links: give a list of links or a mesh, not both");
    if (o->hub)
      return fail(TW_EINVAL, err, n_err, "hub: only for the default hub topology, not with links");
    if (o->n_links > MAX_LINKS)
      return fail(TW_EINVAL, err, n_err, "links: %d links, at most %d", o->n_links, MAX_LINKS);
    for (int i = 0; i < o->n_links; i++) {
      const char *s = o->links[i];
      const char *dash = s ? strchr(s, '-') : NULL;
      if (!dash || strchr(dash + 1, '-'))
        return fail(TW_EINVAL, err, n_err, "links: '%.24s' is not NATION-NATION (e.g. JPN-USA)",
                    s ? s : "(null)");
      int a = find_code(p, s, (size_t)(dash - s));
      int b = find_code(p, dash + 1, strlen(dash + 1));
      if (a < 0 || b < 0)
        return fail(TW_EINVAL, err, n_err, "links: '%.24s' names %.*s, which is not a partner", s,
                    a < 0 ? (int)(dash - s) : (int)strlen(dash + 1), a < 0 ? s : dash + 1);
      int rc = add_link(p, a, b, s, err, n_err);
      if (rc < 0)
        return rc;
    }
  } else if (o->mesh) {
    if (o->hub)
      return fail(TW_EINVAL, err, n_err, "hub: only for the default hub topology, not a mesh");
    for (int a = 0; a < p->n; a++)
      for (int b = a + 1; b < p->n; b++)
        (void)add_link(p, a, b, "", NULL, 0);
  } else {
    int hub = 0;
    if (o->hub) {
      hub = find_code(p, o->hub, strlen(o->hub));
      if (hub < 0)
        return fail(TW_EINVAL, err, n_err, "hub: '%.16s' is not a partner", o->hub);
    } else if ((hub = find_code(p, "USA", 3)) < 0) {
      hub = 0;
    }
    for (int i = 0; i < p->n; i++)
      if (i != hub)
        (void)add_link(p, hub, i, "", NULL, 0);
  }
  for (int i = 0; i < p->n; i++) {
    int on = 0;
    for (int l = 0; l < p->n_links; l++)
      on |= p->link[l][0] == i || p->link[l][1] == i;
    if (!on)
      return fail(TW_EINVAL, err, n_err, "links: partner %s is on no link", p->code[i]);
  }

  if (o->domain_id < 0 || o->domain_id > MAX_DOMAIN)
    return fail(TW_EINVAL, err, n_err, "domain: %d is outside 0..%d", o->domain_id, MAX_DOMAIN);
  if (o->days < 1 || o->days > TW_PKI_MAX_DAYS)
    return fail(TW_EINVAL, err, n_err, "days: %d is outside 1..%d", o->days, TW_PKI_MAX_DAYS);
  if (!o->out_dir || !*o->out_dir)
    return fail(TW_EINVAL, err, n_err, "out: no output directory given");
  if (strlen(o->out_dir) > PATH_MAX - 64)
    return fail(TW_EINVAL, err, n_err, "out: the path is too long");
  p->domain_id = o->domain_id;
  p->days = o->days;
  return 0;
}

void tw_pki_opts_init(tw_pki_opts *o)
{
  memset(o, 0, sizeof *o);
  o->domain_id = TW_PKI_DEFAULT_DOMAIN;
  o->days = TW_PKI_DEFAULT_DAYS;
}

int tw_pki_check(const tw_pki_opts *o, char *err, size_t n_err)
{
  plan p;
  return make_plan(&p, o, err, n_err);
}

/* ---- growing strings --------------------------------------------------------------------- */

typedef struct sbuf {
  char *z;
  size_t len, cap;
  int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
  if (b->oom)
    return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->z ? b->z + b->len : NULL, b->z ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = 1;
      return;
    }
    if (b->z && b->len + (size_t)k < b->cap) {
      b->len += (size_t)k;
      return;
    }
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap <= b->len + (size_t)k)
      cap *= 2;
    char *z = realloc(b->z, cap);
    if (!z) {
      b->oom = 1;
      return;
    }
    b->z = z;
    b->cap = cap;
  }
}

/* ---- files ------------------------------------------------------------------------------- */

static int write_file(const char *path, const void *data, size_t len, mode_t mode, char *err,
                      size_t n_err)
{
  /* never through a symbolic link: a key must land where the message says */
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return fail(TW_EIO, err, n_err, "%s: cannot create: %s", path, strerror(errno));
  /* O_TRUNC keeps the mode of a file that existed: set it, so a key is never left readable */
  if (fchmod(fd, mode) < 0)
    goto err_io;
  for (const char *z = data; len > 0;) {
    ssize_t k = write(fd, z, len);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      goto err_io;
    z += k;
    len -= (size_t)k;
  }
  if (close(fd) < 0)
    return fail(TW_EIO, err, n_err, "%s: cannot write: %s", path, strerror(errno));
  return 0;
err_io:;
  int e = errno;
  close(fd);
  return fail(TW_EIO, err, n_err, "%s: cannot write: %s", path, strerror(e));
}

/* Write what a memory BIO holds. */
static int write_bio(const char *path, BIO *bio, mode_t mode, char *err, size_t n_err)
{
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || (len > 0 && !data))
    return ossl_fail(err, n_err, path, "reading the memory buffer");
  return write_file(path, data, (size_t)len, mode, err, n_err);
}

static int make_dir(const char *path, char *err, size_t n_err)
{
  struct stat st;
  if (mkdir(path, 0755) == 0)
    return 0;
  if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return 0;
  return fail(TW_EIO, err, n_err, "%s: cannot create directory: %s", path,
              errno == EEXIST ? "a file of that name exists" : strerror(errno));
}

static int path_join(char *out, const char *dir, const char *a, const char *b)
{
  int k = b ? snprintf(out, PATH_MAX, "%s/%s/%s", dir, a, b) : snprintf(out, PATH_MAX, "%s/%s", dir, a);
  return (k < 0 || k >= PATH_MAX) ? TW_ERANGE : 0;
}

/* ---- keys and certificates --------------------------------------------------------------- */

static EVP_PKEY *gen_key(void)
{
  EVP_PKEY *key = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_CTX_set_group_name(ctx, "P-256") > 0)
    (void)EVP_PKEY_generate(ctx, &key);
  EVP_PKEY_CTX_free(ctx);
  return key;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext)
    return 0;
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok;
}

/* A random positive 127-bit serial number. */
static int set_serial(X509 *cert)
{
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return 0;
  raw[0] = (unsigned char)((raw[0] & 0x7f) | 0x40);
  BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
  int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
  BN_free(bn);
  return ok;
}

/* Subject "CN=<cn>,O=triwatch" as RFC 2253 prints it: X.500 order is O first, then CN. */
static int set_subject(X509 *cert, const char *cn)
{
  X509_NAME *name = X509_get_subject_name(cert);
  return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"triwatch",
                                    -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                    0);
}

enum cert_kind { CERT_IDENTITY_CA, CERT_PERMISSIONS_CA, CERT_NODE };

/* Make a certificate for key, signed by issuer/issuer_key (NULL: self-signed). */
static X509 *make_cert(enum cert_kind kind, const char *cn, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, int days)
{
  X509 *cert = X509_new();
  if (!cert)
    return NULL;
  int self = issuer == NULL;
  /* the permissions CA signs the S/MIME documents itself, so it also needs digitalSignature
   * (openssl smime -verify checks the signer's key usage; the DDS plugin does not) */
  const char *ku = kind == CERT_NODE            ? "critical,digitalSignature"
                   : kind == CERT_PERMISSIONS_CA ? "critical,digitalSignature,keyCertSign,cRLSign"
                                                 : "critical,keyCertSign,cRLSign";
  int ok = X509_set_version(cert, 2) && set_serial(cert) &&
           X509_gmtime_adj(X509_getm_notBefore(cert), -CLOCK_SKEW_S) &&
           X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, NULL) && set_subject(cert, cn) &&
           X509_set_issuer_name(cert, X509_get_subject_name(self ? cert : issuer)) &&
           X509_set_pubkey(cert, key) &&
           add_ext(cert, self ? cert : issuer, NID_basic_constraints,
                   kind == CERT_NODE ? "critical,CA:FALSE" : "critical,CA:TRUE") &&
           add_ext(cert, self ? cert : issuer, NID_key_usage, ku) &&
           add_ext(cert, self ? cert : issuer, NID_subject_key_identifier, "hash") &&
           add_ext(cert, self ? cert : issuer, NID_authority_key_identifier, "keyid:always") &&
           X509_sign(cert, self ? key : issuer_key, EVP_sha256()) > 0;
  if (!ok) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

static int write_cert(const char *path, X509 *cert, char *err, size_t n_err)
{
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio || !PEM_write_bio_X509(bio, cert)) {
    BIO_free(bio);
    return ossl_fail(err, n_err, path, "PEM encoding of the certificate");
  }
  int rc = write_bio(path, bio, 0644, err, n_err);
  BIO_free(bio);
  return rc;
}

static int write_key(const char *path, EVP_PKEY *key, char *err, size_t n_err)
{
  BIO *bio = BIO_new(BIO_s_secmem()); /* cleared when freed */
  if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
    BIO_free(bio);
    return ossl_fail(err, n_err, path, "PEM encoding of the private key");
  }
  int rc = write_bio(path, bio, 0600, err, n_err);
  BIO_free(bio);
  return rc;
}

/* Make key + certificate and write both; on success the caller owns *pkey and *pcert. */
static int make_identity(enum cert_kind kind, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                         int days, const char *pem_path, const char *key_path, EVP_PKEY **pkey,
                         X509 **pcert, char *err, size_t n_err)
{
  int rc;
  EVP_PKEY *key = gen_key();
  if (!key)
    return ossl_fail(err, n_err, key_path, "EC P-256 key generation");
  X509 *cert = make_cert(kind, cn, key, issuer, issuer_key, days);
  if (!cert) {
    rc = ossl_fail(err, n_err, pem_path, "making the certificate");
    goto err_cert;
  }
  if ((rc = write_key(key_path, key, err, n_err)) < 0 ||
      (rc = write_cert(pem_path, cert, err, n_err)) < 0)
    goto err_write;
  *pkey = key;
  *pcert = cert;
  return 0;
err_write:
  X509_free(cert);
err_cert:
  EVP_PKEY_free(key);
  return rc;
}

/* ---- signed documents -------------------------------------------------------------------- */

/* Write doc to xml_path and its S/MIME signature to p7s_path: multipart/signed, text mode,
 * detached, as `openssl smime -sign -text` writes it (the DDS plugin verifies with PKCS7_TEXT). */
static int write_signed(const char *xml_path, const char *p7s_path, const sbuf *doc, X509 *ca,
                        EVP_PKEY *ca_key, char *err, size_t n_err)
{
  int rc;
  const int flags = PKCS7_TEXT | PKCS7_DETACHED;
  if ((rc = write_file(xml_path, doc->z, doc->len, 0644, err, n_err)) < 0)
    return rc;
  BIO *in = BIO_new_mem_buf(doc->z, (int)doc->len);
  BIO *again = BIO_new_mem_buf(doc->z, (int)doc->len);
  BIO *out = BIO_new(BIO_s_mem());
  PKCS7 *p7 = NULL;
  if (!in || !again || !out) {
    rc = ossl_fail(err, n_err, p7s_path, "allocating buffers");
    goto done;
  }
  if (!(p7 = PKCS7_sign(ca, ca_key, NULL, in, flags))) {
    rc = ossl_fail(err, n_err, p7s_path, "PKCS7_sign");
    goto done;
  }
  /* the signing consumed `in`: the content part is written from a fresh reader */
  if (!SMIME_write_PKCS7(out, p7, again, flags)) {
    rc = ossl_fail(err, n_err, p7s_path, "SMIME_write_PKCS7");
    goto done;
  }
  rc = write_bio(p7s_path, out, 0644, err, n_err);
done:
  PKCS7_free(p7);
  BIO_free(out);
  BIO_free(again);
  BIO_free(in);
  return rc;
}

static void governance_doc(sbuf *b, const plan *p)
{
  sb_printf(b,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- triwatch development PKI: governance for DDS domain %d. Signed by the permissions CA\n"
    "     (governance.p7s); this copy is for reading. -->\n"
    "<dds xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
    "     xsi:noNamespaceSchemaLocation=\"http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_governance.xsd\">\n"
    "  <domain_access_rules>\n"
    "    <domain_rule>\n"
    "      <domains>\n"
    "        <id>%d</id>\n"
    "      </domains>\n"
    "      <allow_unauthenticated_participants>false</allow_unauthenticated_participants>\n"
    "      <enable_join_access_control>true</enable_join_access_control>\n"
    "      <discovery_protection_kind>ENCRYPT</discovery_protection_kind>\n"
    "      <liveliness_protection_kind>ENCRYPT</liveliness_protection_kind>\n"
    "      <rtps_protection_kind>ENCRYPT</rtps_protection_kind>\n"
    "      <topic_access_rules>\n"
    "        <topic_rule>\n"
    "          <topic_expression>*</topic_expression>\n"
    "          <enable_discovery_protection>true</enable_discovery_protection>\n"
    "          <enable_liveliness_protection>true</enable_liveliness_protection>\n"
    "          <enable_read_access_control>true</enable_read_access_control>\n"
    "          <enable_write_access_control>true</enable_write_access_control>\n"
    "          <metadata_protection_kind>ENCRYPT</metadata_protection_kind>\n"
    "          <data_protection_kind>ENCRYPT</data_protection_kind>\n"
    "        </topic_rule>\n"
    "      </topic_access_rules>\n"
    "    </domain_rule>\n"
    "  </domain_access_rules>\n"
    "</dds>\n",
    p->domain_id, p->domain_id);
}

/* The partitions of every link node `me` is on whose relset holds `me`, matched exactly. */
static void partitions(sbuf *b, const plan *p, int me)
{
  const char *c = p->code[me];
  sb_printf(b, "          <partitions>\n");
  for (int l = 0; l < p->n_links; l++) {
    if (p->link[l][0] != me && p->link[l][1] != me)
      continue;
    const char *x = p->code[p->link[l][0]], *y = p->code[p->link[l][1]];
    sb_printf(b,
              "            <partition>%s-%s/%s</partition>\n"
              "            <partition>%s-%s/%s+*</partition>\n"
              "            <partition>%s-%s/*+%s+*</partition>\n"
              "            <partition>%s-%s/*+%s</partition>\n",
              x, y, c, x, y, c, x, y, c, x, y, c);
  }
  sb_printf(b, "          </partitions>\n");
}

static void criteria(sbuf *b, const plan *p, int me, const char *kind)
{
  sb_printf(b, "        <%s>\n          <topics>\n", kind);
  for (size_t t = 0; t < sizeof g_topics / sizeof g_topics[0]; t++)
    sb_printf(b, "            <topic>%s</topic>\n", g_topics[t]);
  sb_printf(b, "          </topics>\n");
  partitions(b, p, me);
  sb_printf(b, "        </%s>\n", kind);
}

static void permissions_doc(sbuf *b, const plan *p, int me, const char *not_before,
                            const char *not_after)
{
  sb_printf(b,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- triwatch development PKI: what %s may publish and read in DDS domain %d. Signed by\n"
    "     the permissions CA (permissions.p7s); this copy is for reading. -->\n"
    "<dds xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
    "     xsi:noNamespaceSchemaLocation=\"http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_permissions.xsd\">\n"
    "  <permissions>\n"
    "    <grant name=\"%s\">\n"
    "      <subject_name>CN=%s,O=triwatch</subject_name>\n"
    "      <validity>\n"
    "        <not_before>%s</not_before>\n"
    "        <not_after>%s</not_after>\n"
    "      </validity>\n"
    "      <allow_rule>\n"
    "        <domains>\n"
    "          <id>%d</id>\n"
    "        </domains>\n",
    p->code[me], p->domain_id, p->code[me], p->code[me], not_before, not_after, p->domain_id);
  criteria(b, p, me, "publish");
  criteria(b, p, me, "subscribe");
  sb_printf(b,
    "      </allow_rule>\n"
    "      <default>DENY</default>\n"
    "    </grant>\n"
    "  </permissions>\n"
    "</dds>\n");
}

static void xml_date(char *out, size_t n, time_t t)
{
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Refuse to overwrite a CA key: a second `pki init` into the same directory is a mistake. */
static int check_fresh(const char *dir, char *err, size_t n_err)
{
  static const char *const keys[] = {"identity_ca.key", "permissions_ca.key"};
  char path[PATH_MAX];
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (path_join(path, dir, keys[i], NULL) < 0)
      return fail(TW_EINVAL, err, n_err, "out: the path is too long");
    if (access(path, F_OK) == 0)
      return fail(TW_EIO, err, n_err,
                  "out: %s already exists; remove the old PKI or choose another directory", path);
  }
  return 0;
}

int tw_pki_init(const tw_pki_opts *o, char *err, size_t n_err)
{
  plan p;
  int rc = make_plan(&p, o, err, n_err);
  if (rc < 0)
    return rc;
  const char *dir = o->out_dir;
  char pem[PATH_MAX], key[PATH_MAX], xml[PATH_MAX], p7s[PATH_MAX], sub[PATH_MAX];
  EVP_PKEY *id_key = NULL, *perm_key = NULL;
  X509 *id_ca = NULL, *perm_ca = NULL;
  sbuf doc = {0};

  if ((rc = make_dir(dir, err, n_err)) < 0 || (rc = check_fresh(dir, err, n_err)) < 0)
    return rc;
  /* every path below is shorter than out_dir + 64, checked in make_plan */
  path_join(pem, dir, "identity_ca.pem", NULL);
  path_join(key, dir, "identity_ca.key", NULL);
  if ((rc = make_identity(CERT_IDENTITY_CA, "triwatch identity CA", NULL, NULL, p.days, pem, key,
                          &id_key, &id_ca, err, n_err)) < 0)
    goto done;
  path_join(pem, dir, "permissions_ca.pem", NULL);
  path_join(key, dir, "permissions_ca.key", NULL);
  if ((rc = make_identity(CERT_PERMISSIONS_CA, "triwatch permissions CA", NULL, NULL, p.days, pem,
                          key, &perm_key, &perm_ca, err, n_err)) < 0)
    goto done;

  governance_doc(&doc, &p);
  if (doc.oom) {
    rc = fail(TW_ENOMEM, err, n_err, "governance: out of memory");
    goto done;
  }
  path_join(xml, dir, "governance.xml", NULL);
  path_join(p7s, dir, "governance.p7s", NULL);
  if ((rc = write_signed(xml, p7s, &doc, perm_ca, perm_key, err, n_err)) < 0)
    goto done;

  char not_before[32], not_after[32];
  time_t now = time(NULL);
  xml_date(not_before, sizeof not_before, now - CLOCK_SKEW_S);
  xml_date(not_after, sizeof not_after, now + (time_t)p.days * 86400);
  for (int i = 0; i < p.n; i++) {
    EVP_PKEY *node_key = NULL;
    X509 *node_cert = NULL;
    path_join(sub, dir, p.code[i], NULL);
    if ((rc = make_dir(sub, err, n_err)) < 0)
      goto done;
    path_join(pem, dir, p.code[i], "identity.pem");
    path_join(key, dir, p.code[i], "identity.key");
    if ((rc = make_identity(CERT_NODE, p.code[i], id_ca, id_key, p.days, pem, key, &node_key,
                            &node_cert, err, n_err)) < 0)
      goto done;
    EVP_PKEY_free(node_key);
    X509_free(node_cert);

    doc.len = 0;
    permissions_doc(&doc, &p, i, not_before, not_after);
    if (doc.oom) {
      rc = fail(TW_ENOMEM, err, n_err, "permissions: out of memory");
      goto done;
    }
    path_join(xml, dir, p.code[i], "permissions.xml");
    path_join(p7s, dir, p.code[i], "permissions.p7s");
    if ((rc = write_signed(xml, p7s, &doc, perm_ca, perm_key, err, n_err)) < 0)
      goto done;
  }
  rc = 0;
done:
  free(doc.z);
  X509_free(perm_ca);
  EVP_PKEY_free(perm_key);
  X509_free(id_ca);
  EVP_PKEY_free(id_key);
  return rc;
}

/* ---- the Cyclone DDS configuration fragment ---------------------------------------------- */

/* Append s to b with the five XML special characters escaped. */
static void sb_xml(sbuf *b, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&': sb_printf(b, "&amp;"); break;
    case '<': sb_printf(b, "&lt;"); break;
    case '>': sb_printf(b, "&gt;"); break;
    case '"': sb_printf(b, "&quot;"); break;
    case '\'': sb_printf(b, "&apos;"); break;
    default: sb_printf(b, "%c", *s); break;
    }
  }
}

/* Cyclone expands ${VAR} and $VAR in configuration text: a path must not hold '$'. */
static int plain_path(const char *s)
{
  for (; *s; s++)
    if (*s == '$' || (unsigned char)*s < 0x20 || *s == 0x7f)
      return 0;
  return 1;
}

static void sb_uri(sbuf *b, const char *elem, const char *dir, const char *a, const char *c)
{
  sb_printf(b, "<%s>file://", elem);
  sb_xml(b, dir);
  sb_printf(b, "/%s%s%s</%s>", a, c ? "/" : "", c ? c : "", elem);
}

static void sb_library(sbuf *b, const char *plugin_dir, const char *name, const char *init,
                       const char *fini)
{
  sb_printf(b, "<Library path=\"");
  if (plugin_dir) {
    sb_xml(b, plugin_dir);
    sb_printf(b, "/lib%s.so", name);
  } else {
    sb_printf(b, "%s", name);
  }
  sb_printf(b, "\" initFunction=\"%s\" finalizeFunction=\"%s\"/>", init, fini);
}

int tw_pki_security_xml_libdir(char *buf, size_t n, const char *dir, const char *nation,
                               const char *plugin_dir)
{
  static const char *const files[][2] = {
    {"identity_ca.pem", NULL}, {"permissions_ca.pem", NULL}, {"governance.p7s", NULL},
    {NULL, "identity.pem"},    {NULL, "identity.key"},       {NULL, "permissions.p7s"},
  };
  if (!buf || !dir || !nation || !is_code(nation) || !plain_path(dir) ||
      (plugin_dir && (!*plugin_dir || !plain_path(plugin_dir))))
    return TW_EINVAL;
  char abs[PATH_MAX], path[PATH_MAX];
  if (!realpath(dir, abs))
    return TW_ENOENT;
  if (!plain_path(abs))
    return TW_EINVAL;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    int k = files[i][0] ? path_join(path, abs, files[i][0], NULL)
                        : path_join(path, abs, nation, files[i][1]);
    if (k < 0)
      return TW_ERANGE;
    if (access(path, R_OK) != 0)
      return TW_ENOENT;
  }

  sbuf b = {0};
  sb_printf(&b, "<Security><Authentication>");
  sb_library(&b, plugin_dir, "dds_security_auth", "init_authentication", "finalize_authentication");
  sb_uri(&b, "IdentityCA", abs, "identity_ca.pem", NULL);
  sb_uri(&b, "IdentityCertificate", abs, nation, "identity.pem");
  sb_uri(&b, "PrivateKey", abs, nation, "identity.key");
  sb_printf(&b, "</Authentication><AccessControl>");
  sb_library(&b, plugin_dir, "dds_security_ac", "init_access_control", "finalize_access_control");
  sb_uri(&b, "Governance", abs, "governance.p7s", NULL);
  sb_uri(&b, "PermissionsCA", abs, "permissions_ca.pem", NULL);
  sb_uri(&b, "Permissions", abs, nation, "permissions.p7s");
  sb_printf(&b, "</AccessControl><Cryptographic>");
  sb_library(&b, plugin_dir, "dds_security_crypto", "init_crypto", "finalize_crypto");
  sb_printf(&b, "</Cryptographic></Security>");
  int rc;
  if (b.oom)
    rc = TW_ENOMEM;
  else if (b.len >= n || b.len > INT_MAX)
    rc = TW_ERANGE;
  else {
    memcpy(buf, b.z, b.len + 1);
    rc = (int)b.len;
  }
  free(b.z);
  return rc;
}

int tw_pki_security_xml(char *buf, size_t n, const char *dir, const char *nation)
{
  return tw_pki_security_xml_libdir(buf, n, dir, nation, NULL);
}
