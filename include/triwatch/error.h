/* triwatch/error.h - result codes shared by every triwatch function.
 *
 * Functions return int: 0 (or a positive count) on success, a negative TW_E* code on failure.
 * Unless a function says otherwise, its outputs are unchanged when it fails.
 * The table below is the single source of codes, names and messages. */
#ifndef TRIWATCH_ERROR_H
#define TRIWATCH_ERROR_H

#include "triwatch/visibility.h"

/* X(name, value, message) */
#define TW_ERRNO_MAP(X)                                                     \
  X(TW_EINVAL,    -1, "invalid argument")                                  \
  X(TW_ENOMEM,    -2, "out of memory")                                     \
  X(TW_ERANGE,    -3, "value out of range")                                \
  X(TW_ENOTPD,    -4, "matrix is not positive definite")                   \
  X(TW_ESINGULAR, -5, "matrix is singular")                                \
  X(TW_EPARSE,    -6, "malformed input")                                   \
  X(TW_ENOCONV,   -7, "iteration did not converge")                        \
  X(TW_ESTEPS,    -8, "too many integration steps")                        \
  X(TW_EUNREACH,  -9, "the requested trajectory cannot be flown")          \
  X(TW_EIO,      -10, "input/output error")                                \
  X(TW_ENOENT,   -11, "no such item")                                      \
  X(TW_EPERM,    -12, "not releasable to that partner")

enum tw_errno {
#define TW__ERR_ENUM(name, value, msg) name = value,
  TW_ERRNO_MAP(TW__ERR_ENUM)
#undef TW__ERR_ENUM
};

/* Human-readable message for a TW_E* code; "unknown error" for anything else. Never NULL. */
TW_API const char *tw_strerror(int err);
/* The code's name, e.g. "TW_EINVAL"; "TW_E?" for unknown codes. Never NULL. */
TW_API const char *tw_err_name(int err);

#endif
