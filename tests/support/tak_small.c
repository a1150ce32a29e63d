/* tak_small.c - the hand-worked TAK event (tak_small.h). */
#include "tak_small.h"

#include <stdint.h>
#include <string.h>

void tw_test_tak_small_event(tw_cot_event *e)
{
  tw_cot_init(e);
  strcpy(e->uid, "U");
  strcpy(e->type, "b-d-l-b");
  strcpy(e->access, "REL TO USA, JPN");
  e->time_ns = e->start_ns = INT64_C(1000000000);
  e->stale_ns = INT64_C(61000000000);
  e->lat_deg = 0.5;
  e->lon_deg = 1.0;
  e->hae_m = 0.0;
  e->ce_m = 2.0;
  e->le_m = 0.0;
}
