/* fuzz_bus_validate.c - fuzz target for the bus's checks of received samples (src/fabric/
 * bus_wire.c): the bytes fill a wire LocalTrack field by field - strings that may lack their
 * NUL, a releasable-to sequence of up to 16 raw names, NaNs, any numbers - and tw__bus_validate
 * must return a reason or accept, never crash or read outside the sample. Accepted samples must
 * be finite and name this node in their marking. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fabric/bus_wire.h"

static size_t take(void *dst, size_t n, const uint8_t **p, size_t *left)
{
  size_t k = n < *left ? n : *left;
  memcpy(dst, *p, k);
  memset((char *)dst + k, 0, n - k);
  *p += k;
  *left -= k;
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const tw__bus_view view = {"USA", 3, {"JPN", "KOR", "USA"}, 0};
  const uint8_t *p = data;
  size_t left = size;
  tw_LocalTrack w;
  tw_Nation rel[16];
  uint8_t n_rel = 0;
  memset(&w, 0, sizeof w);
  take(w.originator, sizeof w.originator, &p, &left);
  take(&w.track_id, sizeof w.track_id, &p, &left);
  take(w.marking.originator, sizeof w.marking.originator, &p, &left);
  take(&n_rel, 1, &p, &left);
  n_rel %= 17;
  take(rel, sizeof rel[0] * n_rel, &p, &left);
  w.marking.releasable_to._length = w.marking.releasable_to._maximum = n_rel;
  w.marking.releasable_to._buffer = n_rel ? rel : NULL;
  take(&w.t_ns, sizeof w.t_ns, &p, &left);
  take(&w.t_avail_ns, sizeof w.t_avail_ns, &p, &left);
  take(w.x, sizeof w.x, &p, &left);
  take(w.p, sizeof w.p, &p, &left);
  take(w.mu, sizeof w.mu, &p, &left);
  take(&w.status, sizeof w.status, &p, &left);
  take(&w.n_updates, sizeof w.n_updates, &p, &left);
  (void)tw__bus_validate_key(TW_BUS_LOCAL_TRACK, &w);
  if (tw__bus_validate(&view, TW_BUS_LOCAL_TRACK, &w) == TW_BUS_REJ_NONE) {
    for (int i = 0; i < 9; i++)
      if (!isfinite(w.x[i]))
        __builtin_trap(); /* accepted a non-finite state */
    int names_us = 0;
    for (uint32_t i = 0; i < w.marking.releasable_to._length; i++)
      names_us |= !strcmp(rel[i], "USA");
    if (!names_us)
      __builtin_trap(); /* accepted a sample not releasable to this node */
  }
  return 0;
}
