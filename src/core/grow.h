/* grow.h - growable arrays (private): make room for at least `need` elements of `size` bytes in
 * *pp, whose capacity is *cap, doubling from `first`. On failure *pp and *cap are unchanged and
 * TW_ENOMEM is returned; the caller keeps a usable, smaller array. */
#ifndef TW_CORE_GROW_H
#define TW_CORE_GROW_H

#include <stddef.h>
#include <stdlib.h>

#include "triwatch/error.h"

static inline int tw__grow(void **pp, size_t *cap, size_t need, size_t size, size_t first)
{
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : first;
  while (n < need) {
    if (n > ((size_t)-1) / 2 / size)
      return TW_ENOMEM;
    n *= 2;
  }
  void *p = realloc(*pp, n * size);
  if (!p)
    return TW_ENOMEM;
  *pp = p;
  *cap = n;
  return 0;
}

#endif
