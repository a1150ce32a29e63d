/* fuzz_cap.c - libFuzzer target for the CAP alert reader (tw_cap_read).
 *
 * Besides "no crash, no leak, no hang", it checks the reader's promises: the result is 0 or one
 * of its documented codes; a failure leaves the alert untouched and a non-empty message; a
 * success holds the required fields, closed polygons in range, and references where the message
 * says so - and writes back (when valid for the writer) to XML that reads again to the same
 * identifier. Built as the real fuzzer with clang -DTW_FUZZ=ON, and always as fuzz_cap_replay
 * (replay_main.c), which ctest runs over the corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/cap.h"
#include "triwatch/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
  fprintf(stderr, "fuzz_cap: broken promise: %s\n", what);
  abort();
}

static void check(const tw_cap_alert *a)
{
  if (!a->identifier || !*a->identifier || !a->sender || !*a->sender)
    broken("identifier and sender are required");
  if (a->sent_offset_min < -1439 || a->sent_offset_min > 1439)
    broken("offset out of range");
  if (!tw_cap_status_name(a->status) || !tw_cap_msg_type_name(a->msg_type))
    broken("enum out of range");
  for (size_t i = 0; i < a->n_refs; i++)
    if (!a->refs[i].sender || !a->refs[i].identifier)
      broken("reference incomplete");
  if (!a->has_info)
    return;
  if (!a->info.categories || !a->info.event)
    broken("info without category or event");
  for (size_t i = 0; i < a->info.n_areas; i++) {
    const tw_cap_area *ar = &a->info.areas[i];
    if (!ar->area_desc)
      broken("area without areaDesc");
    for (size_t k = 0; k < ar->n_polygons; k++) {
      const tw_cap_polygon *p = &ar->polygons[k];
      if (p->n < 4 || p->lat_deg[0] != p->lat_deg[p->n - 1] ||
          p->lon_deg[0] != p->lon_deg[p->n - 1])
        broken("polygon open or short");
      for (size_t j = 0; j < p->n; j++)
        if (!(p->lat_deg[j] >= -90 && p->lat_deg[j] <= 90 && p->lon_deg[j] >= -180 &&
              p->lon_deg[j] <= 180))
          broken("point out of range");
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  tw_cap_alert a;
  char err[160];
  memset(&a, 0x5A, sizeof a);
  int rc = tw_cap_read(&a, (const char *)data, size, err, sizeof err);
  if (rc != 0) {
    if (rc != TW_EPARSE && rc != TW_ERANGE && rc != TW_ENOMEM)
      broken("undocumented result code");
    if (!err[0] || !memchr(err, '\0', sizeof err))
      broken("failure without a message");
    if (a.sent_offset_min != (int)0x5A5A5A5A)
      broken("alert changed on error");
    return 0;
  }
  check(&a);
  char *xml = NULL;
  size_t len = 0;
  if (tw_cap_write(&xml, &len, &a) == 0) {
    tw_cap_alert b;
    if (tw_cap_read(&b, xml, len, err, sizeof err) != 0)
      broken("written alert does not read back");
    if (strcmp(a.identifier, b.identifier) || a.sent != b.sent)
      broken("written alert reads back different");
    tw_cap_free(&b);
    free(xml);
  }
  tw_cap_free(&a);
  return 0;
}
