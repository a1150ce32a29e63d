/* capmsg.h - a CAP 1.2 message for one warning event (private to the library): used by the
 * offline chain (alerts.c) and by the node (fabric/node_out.c), so both say the same thing. */
#ifndef TW_WARN_CAPMSG_H
#define TW_WARN_CAPMSG_H

#include <stddef.h>

#include "triwatch/time.h"
#include "triwatch/warn.h"

typedef struct tw__capctx {
  const char *sender;     /* "triwatch-jpn": no spaces or commas */
  int offset_min;         /* UTC offset the times are written with (540: JST/KST) */
  tw_time_ns start;       /* the scenario's start: event times are seconds after it */
  double t0_s;            /* first launch, scenario seconds: "T+" times are after it */
  const char *scenario;   /* name, for the description */
  int exercise;           /* 1: status Exercise (a simulated scenario), 0: Actual */
} tw__capctx;

/* Write the CAP message for event e about area (code, name; eez: an approximate EEZ) as XML
 * into *xml and *len (malloc'd). id is the message's identifier; prev_id/prev_t_s (scenario
 * seconds) the message it updates or cancels (required unless e is TW_WARN_NEW). Returns 0 or
 * a tw_cap_write error. */
int tw__cap_event(char **xml, size_t *len, const tw__capctx *c, const tw_warn_event *e,
                  const char *code, const char *name, int eez, const char *id,
                  const char *prev_id, double prev_t_s);

#endif
