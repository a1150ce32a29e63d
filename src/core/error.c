/* error.c - messages and names for the TW_E* result codes (table in triwatch/error.h). */
#include "triwatch/error.h"

const char *tw_strerror(int err)
{
  switch (err) {
#define TW__ERR_MSG(name, value, msg) case name: return msg;
    TW_ERRNO_MAP(TW__ERR_MSG)
#undef TW__ERR_MSG
  default: return err >= 0 ? "success" : "unknown error";
  }
}

const char *tw_err_name(int err)
{
  switch (err) {
#define TW__ERR_NAME(name, value, msg) case name: return #name;
    TW_ERRNO_MAP(TW__ERR_NAME)
#undef TW__ERR_NAME
  default: return err >= 0 ? "TW_OK" : "TW_E?";
  }
}
