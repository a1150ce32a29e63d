/* fabric/bus_wire.h - library structs <-> the samples idlc generates from idl/triwatch.idl, and
 * the structural checks every received sample must pass.
 *
 * Kept apart from bus.c so that tests and fuzz targets reach the checks without a DDS domain.
 * The checks are the application's half of releasability (DDS Security is the other half):
 *
 *   step  what                                                   reason when it fails
 *   1     every string NUL-terminated inside its bound, nation   TW_BUS_REJ_STRING
 *         codes [A-Z0-9]{1,7}, tokens and text of their form
 *   2     marking: 1..16 nations, strictly sorted, all known,    TW_BUS_REJ_MARKING
 *         originator among them (and equal to the key's)
 *   3     the relset names this node                             TW_BUS_REJ_NOT_RELEASABLE
 *   4     every double finite                                    TW_BUS_REJ_NUMBER
 *   5     values in range (times, variances, probabilities...)  TW_BUS_REJ_VALUE
 *   6     (bus.c) the writer's partition is "<link>/<relset>"    TW_BUS_REJ_PARTITION
 *
 * The first failing step gives the reason. Deep checks of a track's contents (a positive definite
 * covariance, a plausible state) belong to the fusion module. */
#ifndef TW_FABRIC_BUS_WIRE_H
#define TW_FABRIC_BUS_WIRE_H

#include "idl/triwatch.h"
#include "triwatch/bus.h"

/* Times on the wire must lie in [0, TW__BUS_T_MAX_NS] (up to the year 2096), so that differences
 * with an epoch in the same range cannot overflow. */
#define TW__BUS_T_MAX_NS INT64_C(4000000000000000000)

/* "JPN+KOR+USA" is at most 16 codes of 7 and 15 '+'. */
#define TW__BUS_RELSET_MAX (TW_BUS_MAX_NATIONS * (TW_BUS_NATION_MAX + 1))
/* "<link>/<relset>" */
#define TW__BUS_PARTITION_MAX (TW_BUS_LINK_MAX + 1 + TW__BUS_RELSET_MAX)

/* What a receiver knows: its nation and the nations a marking may name (sorted). */
typedef struct tw__bus_view {
  char nation[TW_BUS_NATION_MAX + 1];
  int n_nations;
  char nations[TW_BUS_MAX_NATIONS][TW_BUS_NATION_MAX + 1];
  tw_time_ns epoch_ns;
} tw__bus_view;

/* 1 if s (at most cap bytes read) is a NUL-terminated nation code, else 0. */
int tw__bus_nation_ok(const char *s, size_t cap);

/* Check a received sample of this kind (a tw_LocalTrack *, tw_SystemTrack *...): TW_BUS_REJ_NONE
 * or the reason (steps 1-5 above). */
int tw__bus_validate(const tw__bus_view *v, enum tw_bus_kind kind, const void *wire);
/* Check only the key of a sample (a disposed instance carries nothing else): step 1. */
int tw__bus_validate_key(enum tw_bus_kind kind, const void *wire);

/* Fill out->marking and out->u from a sample that passed tw__bus_validate (or, with
 * key_only, tw__bus_validate_key: then only the key fields are set and the rest is zero). */
void tw__bus_from_wire(const tw__bus_view *v, enum tw_bus_kind kind, const void *wire,
                       int key_only, tw_bus_sample *out);

/* Library structs to samples, for a marking the caller has checked. The relset is copied into
 * rel (16 codes) and the sample's sequence points there, as do system-track sources into refs
 * and health links into links; no allocation. Returns 0, or TW_EINVAL for what the sample cannot
 * carry (a time outside the wire's range, a bad code or count); the caller then runs
 * tw__bus_validate on the sample for the rest (numbers, ranges). */
int tw__bus_local_to_wire(tw_LocalTrack *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                          const tw_track *t, const tw_bus_marking *m, tw_time_ns epoch_ns);
int tw__bus_system_to_wire(tw_SystemTrack *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                           tw_TrackRef refs[TW_BUS_MAX_SOURCES], const tw_bus_system_track *s,
                           const tw_bus_marking *m);
int tw__bus_prediction_to_wire(tw_Prediction *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                               const tw_bus_prediction *p, const tw_bus_marking *m,
                               tw_time_ns epoch_ns);
int tw__bus_alert_to_wire(tw_Alert *w, tw_Nation rel[TW_BUS_MAX_NATIONS], const tw_bus_alert *a,
                          const tw_bus_marking *m);
int tw__bus_health_to_wire(tw_Health *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                           tw_PartnerLink links[TW_BUS_MAX_HEALTH_LINKS], const tw_bus_health *h,
                           const tw_bus_marking *m);

/* Index of P(i, j), i <= j, in the 45-value upper triangle. */
static inline int tw__bus_tri(int i, int j) { return i * TW_TRACK_NX - i * (i - 1) / 2 + (j - i); }

#endif
