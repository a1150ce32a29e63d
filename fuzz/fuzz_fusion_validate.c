/* fuzz_fusion_validate.c - libFuzzer target for the fusion centre's checks of partners' tracks
 * (tw_fusion_validate) and for what they let through (tw_fusion_update, tw_fusion_fuse).
 *
 * The input is read as up to 8 tw_fusion_input records, byte for byte as the bus would fill
 * them (a short tail is zero-padded into one more record), so the fuzzer mutates the doubles,
 * the originator bytes and the track number directly. Record r is validated and given to a
 * fresh small fusion centre at now = r seconds, which then fuses at r; three rounds more, a
 * second apart, follow the last (so sources drift apart or together, and expulsion and merging
 * run too). Besides "no crash, no leak, no hang" it checks the promises: validation
 * returns 0 or one of its three codes with a message, and update the same code; a rejected
 * record leaves every system track as it was; after each fuse every system track has a finite
 * state, a finite symmetric covariance with a positive diagonal, 1 to 8 sources, and GTNs
 * increase along the list. The corpus is fuzz/corpus/fusion/ (x86-64 layout of the struct). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/fusion.h"

#define MAX_RECORDS 8
#define CAP 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *why)
{
  fprintf(stderr, "fuzz_fusion: broken promise: %s (%s)\n", what, why ? why : "");
  abort();
}

static void check_picture(const tw_fusion *f)
{
  uint32_t last = 0;
  for (int i = 0; i < tw_fusion_count(f); i++) {
    const tw_system_track *s = tw_fusion_get(f, i);
    if (!s || s->gtn <= last)
      broken("GTNs do not increase along the list", NULL);
    last = s->gtn;
    if (s->n_sources < 1 || s->n_sources > TW_FUSION_MAX_SOURCES)
      broken("source count", NULL);
    for (int k = 0; k < TW_FUSION_NX; k++) {
      if (!isfinite(s->x[k]))
        broken("fused state not finite", NULL);
      if (!(s->P[k * TW_FUSION_NX + k] > 0.0))
        broken("fused variance not positive", NULL);
      for (int j = 0; j < TW_FUSION_NX; j++) {
        double a = s->P[k * TW_FUSION_NX + j], b = s->P[j * TW_FUSION_NX + k];
        if (!isfinite(a) || a != b)
          broken("fused covariance not finite and symmetric", NULL);
      }
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static tw_system_track before[CAP];
  tw_fusion_config c;
  tw_fusion_config_default(&c);
  c.max_system_tracks = CAP;
  tw_fusion *f = tw_fusion_new(&c);
  if (!f)
    broken("tw_fusion_new failed", NULL);
  size_t n = (size + sizeof(tw_fusion_input) - 1) / sizeof(tw_fusion_input);
  if (n == 0)
    n = 1;
  if (n > MAX_RECORDS)
    n = MAX_RECORDS;
  for (size_t r = 0; r < n; r++) {
    tw_fusion_input in;
    memset(&in, 0, sizeof in);
    size_t off = r * sizeof in;
    if (off < size)
      memcpy(&in, data + off, size - off < sizeof in ? size - off : sizeof in);

    const double now = (double)r;
    const char *why = NULL;
    int v = tw_fusion_validate(&in, now, &why);
    if (!why)
      broken("no message", NULL);
    if (v == 0 ? why[0] != '\0' : (v != TW_EINVAL && v != TW_ERANGE && v != TW_ENOTPD))
      broken("validation result", why);
    if (v != 0 && why[0] == '\0')
      broken("rejection without a message", NULL);

    int count = tw_fusion_count(f);
    for (int i = 0; i < count; i++)
      before[i] = *tw_fusion_get(f, i);
    uint32_t gtn = 1;
    int u = tw_fusion_update(f, &in, now, &gtn);
    if (v != 0) {
      if (u != v)
        broken("update and validate disagree", why);
      if (tw_fusion_count(f) != count || gtn != 0)
        broken("a rejected input changed the picture", why);
      for (int i = 0; i < count; i++)
        if (memcmp(&before[i], tw_fusion_get(f, i), sizeof before[i]) != 0)
          broken("a rejected input changed a system track", why);
    } else if (u != 0 && u != TW_ENOMEM) {
      broken("valid input not taken", tw_strerror(u));
    } else if (u == 0 && gtn != 0 && !tw_fusion_find(f, gtn)) {
      broken("the GTN given is not in the picture", NULL);
    }
    if (tw_fusion_fuse(f, now) < 0)
      broken("fuse failed", NULL);
    check_picture(f);
  }
  for (int round = 1; round <= 3; round++) { /* enough rounds to expel and to merge */
    if (tw_fusion_fuse(f, (double)(n - 1 + round)) < 0)
      broken("fuse failed", NULL);
    check_picture(f);
  }
  tw_fusion_free(f);
  return 0;
}
