/* timeline.h - a flight as a readable timeline: events, closest approaches to places, impact. */
#ifndef TW_CLI_TIMELINE_H
#define TW_CLI_TIMELINE_H

#include <stdio.h>

#include "triwatch/time.h"
#include "triwatch/traj.h"

/* Print t as a timeline to f. With have_launch_time, wall-clock times (UTC and the local time
 * of utc_offset_min, labelled zone) are printed beside the time after launch. */
void timeline_print(FILE *f, const tw_traj *t, int have_launch_time, tw_time_ns launch_time,
                    int utc_offset_min, const char *zone);

#endif
