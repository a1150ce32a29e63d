/* fuzz_scenario.c - libFuzzer target for the scenario parser (tw_scenario_parse).
 *
 * Besides "no crash, no leak, no hang" (the sanitizers and libFuzzer watch those), it checks the
 * parser's promises: the result is 0 or one of its documented codes, a failure leaves one line
 * that starts with the origin (and, in a short buffer, its terminated start), a success holds
 * values inside their documented ranges. Built as
 * the real fuzzer with clang -DTW_FUZZ=ON, and always as fuzz_scenario_replay (replay_main.c),
 * which ctest runs over the corpus. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *err)
{
  fprintf(stderr, "fuzz_scenario: broken promise: %s (message: \"%s\")\n", what, err);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static tw_scenario s; /* large; one per process is enough */
  char err[512];
  int rc = tw_scenario_parse(&s, (const char *)data, size, "fuzz.yaml", err, sizeof err);
  if (rc != 0) {
    if (rc != TW_EPARSE && rc != TW_ERANGE && rc != TW_ENOMEM)
      broken("unexpected result code", err);
    if (strncmp(err, "fuzz.yaml:", 10) != 0 || strchr(err, '\n'))
      broken("message is not one line starting with the origin", err);
    /* a short buffer gets the start of the same message, terminated */
    char small[100];
    size_t cut = 1 + size % sizeof small;
    memset(small, 'Z', sizeof small);
    if (tw_scenario_parse(&s, (const char *)data, size, "fuzz.yaml", small, cut) != rc ||
        strlen(small) >= cut || strncmp(small, err, strlen(small)) != 0 ||
        (cut < sizeof small && small[cut] != 'Z'))
      broken("message in a short buffer", small);
    return 0;
  }
  if (s.n_launches < 1 || s.n_launches > TW_SCN_MAX_LAUNCHES)
    broken("launch count", "");
  if (s.n_sensors < 0 || s.n_sensors > TW_MAX_SENSORS)
    broken("sensor count", "");
  if (!memchr(s.name, '\0', sizeof s.name) || !s.name[0])
    broken("name", "");
  for (int i = 0; i < s.n_launches; i++) {
    const tw_scn_launch *l = &s.launch[i];
    if (!(fabs(l->lat_deg) <= 90 && fabs(l->lon_deg) <= 180 && l->bearing_deg >= 0 &&
          l->bearing_deg < 360 && l->apogee_km > 0 && l->apogee_km <= 20000 && l->range_km > 0 &&
          l->range_km <= 15000 && l->t_s >= 0 && l->t_s <= 86400))
      broken("launch value out of range", l->id);
    for (int j = 0; j < i; j++)
      if (strcmp(s.launch[j].id, l->id) == 0)
        broken("duplicate launch id", l->id);
  }
  for (int i = 0; i < s.n_sensors; i++) {
    if (tw_sensor_validate(&s.sensor[i], NULL) != 0)
      broken("invalid sensor", s.sensor[i].id);
    for (int j = 0; j < i; j++)
      if (strcmp(s.sensor[j].id, s.sensor[i].id) == 0)
        broken("duplicate sensor id", s.sensor[i].id);
  }
  return 0;
}
