/* triwatch/pki.h - the development PKI of the sharing fabric: an identity CA and a permissions CA,
 * one identity per nation, and the DDS Security governance and permissions documents signed by
 * the permissions CA (docs/fabric.md, "The development PKI").
 *
 * What tw_pki_init() writes under the output directory DIR:
 *
 *   DIR/identity_ca.pem, identity_ca.key         identity CA (EC P-256, self-signed X.509 v3)
 *   DIR/permissions_ca.pem, permissions_ca.key   permissions CA (same)
 *   DIR/governance.xml, governance.p7s           governance for the domain, and its S/MIME form
 *   DIR/<NATION>/identity.pem, identity.key      the node's identity, subject CN=<NATION>,O=triwatch
 *   DIR/<NATION>/permissions.xml, .p7s           the node's grant, and its S/MIME form
 *
 * Keys are unencrypted PEM (PKCS#8) with mode 0600: this is a development PKI, made on one
 * machine and copied to the nodes. The .p7s files are what `openssl smime -sign -text` writes:
 * clear-signed multipart/signed S/MIME, text mode, signed by the permissions CA certificate.
 *
 * Permissions follow the partition contract of docs/fabric.md: on each link `A-B` it is an end
 * of, a node may publish and subscribe the five triwatch topics in the partitions `A-B/<relset>`
 * whose releasability set holds the node. Membership is matched exactly (four patterns per link,
 * `N`, `N+*`, `*+N+*`, `*+N`), so a code that is a substring of another never matches it.
 */
#ifndef TRIWATCH_PKI_H
#define TRIWATCH_PKI_H

#include <stddef.h>

#include "triwatch/visibility.h"

#define TW_PKI_MAX_PARTNERS 16
#define TW_PKI_NATION_MAX 7    /* characters in a nation code, [A-Z0-9]{2,7} */
#define TW_PKI_DEFAULT_DOMAIN 42
#define TW_PKI_DEFAULT_DAYS 365
#define TW_PKI_MAX_DAYS 3650

/* What to make. Strings are borrowed for the duration of the call. */
typedef struct tw_pki_opts {
  const char *const *partners; /* nation codes, 2..TW_PKI_MAX_PARTNERS, distinct */
  int n_partners;
  const char *const *links;    /* "JPN-USA" (either order); NULL/0: see mesh and hub */
  int n_links;
  int mesh;                    /* no links given: 1 = every pair, 0 = a hub */
  const char *hub;             /* hub of the default topology: NULL = USA if a partner, else the
                                * first partner */
  int domain_id;               /* DDS domain, 0..230 */
  int days;                    /* validity of certificates and grants, 1..TW_PKI_MAX_DAYS */
  const char *out_dir;         /* created if missing (parents must exist); must not already hold
                                * a CA key */
} tw_pki_opts;

/* Default options: no partners, hub topology, domain 42, 365 days, no output directory. */
TW_API void tw_pki_opts_init(tw_pki_opts *o);

/* Check the options as tw_pki_init() would, without touching the file system. Returns 0, or
 * TW_EINVAL with a one-line message in err (may be NULL) that starts with the option at fault:
 * "partners: ...", "links: ...", "hub: ...", "domain: ...", "days: ...", "out: ...". */
TW_API int tw_pki_check(const tw_pki_opts *o, char *err, size_t n_err);

/* Make the whole PKI under o->out_dir. Returns 0; TW_EINVAL for bad options (as tw_pki_check);
 * TW_EIO when a file or directory cannot be written or already holds a CA key, or when OpenSSL
 * fails (the message names the file being made and carries OpenSSL's reason); TW_ENOMEM.
 * On error files already written are left in place (nothing is removed). */
TW_API int tw_pki_init(const tw_pki_opts *o, char *err, size_t n_err);

/* The Cyclone DDS 0.10 `<Security>` element for one node of the PKI in dir: Authentication
 * (IdentityCA, IdentityCertificate, PrivateKey), AccessControl (Governance, PermissionsCA,
 * Permissions) and Cryptographic, as file:// URIs to absolute paths, and a Library element per
 * plugin naming it by its short name (dds_security_auth, dds_security_ac, dds_security_crypto),
 * which the dynamic loader must find (LD_LIBRARY_PATH on Debian, where they live in
 * /usr/lib/<triplet>/libddsc0debian). Writes a NUL-terminated string to buf and returns its
 * length. TW_EINVAL: bad nation code, or dir holds '$' (Cyclone expands it) or a control
 * character; TW_ENOENT: dir or one of the node's files is missing; TW_ERANGE: buf is too small.
 * buf is unchanged on error. */
TW_API int tw_pki_security_xml(char *buf, size_t n, const char *dir, const char *nation);

/* As tw_pki_security_xml(), with the plugins loaded from plugin_dir as
 * plugin_dir/libdds_security_{auth,ac,crypto}.so (NULL: short names). */
TW_API int tw_pki_security_xml_libdir(char *buf, size_t n, const char *dir, const char *nation,
                                      const char *plugin_dir);

#endif
