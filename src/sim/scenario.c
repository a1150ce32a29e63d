/* scenario.c - scenario files (YAML) into tw_scenario; contract in triwatch/scenario.h, file
 * reference in docs/scenarios.md.
 *
 * Two passes over the text (src/core/yamlx.c): a guard over libyaml's event stream refuses
 * anchors, aliases, tags, a second document, deep nesting and too many nodes; only a text that
 * passes is loaded into a document, which this file walks against the schema: every key known,
 * none twice, every value of its type and in its range. The walk follows the schema (a few levels
 * deep), never the input, so hostile input cannot make it recurse.
 *
 * Errors are one line, "origin:line: key.path: expected X, got Y". */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/yamlx.h"
#include "triwatch/error.h"
#include "triwatch/scenario.h"

#define MAX_INPUT (1024 * 1024) /* bytes of scenario text */
#define SENSOR_ID_EXAMPLE "KOR-GREENPINE-B1"
#define STR_(x) #x
#define STR(x) STR_(x)

/* [lat, lon] in degrees. */
static int read_site(tw__yx *c, const yaml_node_t *n, double *lat, double *lon)
{
  static const tw__yx_range k_lat = {-90, 90, 0, 0, "degrees"},
                            k_lon = {-180, 180, 0, 0, "degrees"};
  double v[2];
  int rc = TW_EPARSE;
  if (n && n->type == YAML_SEQUENCE_NODE &&
      n->data.sequence.items.top - n->data.sequence.items.start == 2) {
    rc = tw__yx_to_number(tw__yx_node(c, n->data.sequence.items.start[0]), &v[0]);
    if (!rc)
      rc = tw__yx_to_number(tw__yx_node(c, n->data.sequence.items.start[1]), &v[1]);
  }
  if (rc)
    return tw__yx_fail(c, rc, tw__yx_line(n), "expected [lat, lon] (two numbers, degrees), got %s",
                       tw__yx_show(c, n).s);
  if (!tw__yx_in_range(&k_lat, v[0]))
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n),
                       "expected [lat, lon] with lat in [-90, 90], got %s", tw__yx_show(c, n).s);
  if (!tw__yx_in_range(&k_lon, v[1]))
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n),
                       "expected [lat, lon] with lon in [-180, 180], got %s", tw__yx_show(c, n).s);
  *lat = v[0];
  *lon = v[1];
  return 0;
}

/* ---- launches ---------------------------------------------------------------------------- */

enum { LK_ID, LK_CLASS, LK_SITE, LK_BEARING, LK_APOGEE, LK_RANGE, LK_T, N_LK };
static const char *const k_launch_keys[N_LK] = {
  [LK_ID] = "id",           [LK_CLASS] = "class",         [LK_SITE] = "site",
  [LK_BEARING] = "bearing_deg", [LK_APOGEE] = "apogee_km", [LK_RANGE] = "range_km",
  [LK_T] = "t_s",
};
static const tw__yx_range k_bearing = {0, 360, 0, 1, "degrees"};
static const tw__yx_range k_apogee = {0, 20000, 1, 0, "km"};
static const tw__yx_range k_range = {0, 15000, 1, 0, "km"};
static const tw__yx_range k_t = {0, 86400, 0, 0, "seconds"};

static int read_launch(tw__yx *c, const yaml_node_t *n, tw_scenario *s, int idx)
{
  tw_scn_launch *l = &s->launch[idx];
  const yaml_node_t *v[N_LK];
  size_t p0 = strlen(c->path);
  int rc = tw__yx_read_map(c, n, k_launch_keys, N_LK,
                           "a launch: a mapping with id, site, bearing_deg, apogee_km, range_km "
                           "(class and t_s optional)",
                           v);
  if (rc)
    return rc;
  l->line = (int)tw__yx_line(n) + 1;

  static const struct {
    int key;
    const char *what;
  } k_required[] = {
    {LK_ID, "a launch id (text)"},
    {LK_SITE, "[lat, lon] in degrees"},
    {LK_BEARING, "degrees in [0, 360)"},
    {LK_APOGEE, "km in (0, 20000]"},
    {LK_RANGE, "km in (0, 15000]"},
  };
  for (size_t i = 0; i < sizeof k_required / sizeof k_required[0]; i++)
    if (!v[k_required[i].key])
      return tw__yx_missing(c, n, k_launch_keys[k_required[i].key], k_required[i].what);

  tw__yx_path_key(c, "id");
  if ((rc = tw__yx_read_text(c, v[LK_ID], "a launch id", l->id, sizeof l->id)))
    return rc;
  for (int j = 0; j < idx; j++)
    if (strcmp(s->launch[j].id, l->id) == 0)
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[LK_ID]),
                         "expected an id no other launch has, got %s (also launches[%d], line %d)",
                         tw__yx_show(c, v[LK_ID]).s, j, s->launch[j].line);
  tw__yx_path_pop(c, p0);

  l->cls = TW_CLASS_AUTO;
  if (v[LK_CLASS]) {
    char name[32];
    tw__yx_path_key(c, "class");
    if (tw__yx_to_text(v[LK_CLASS], name, sizeof name) || tw_class_parse(&l->cls, name))
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[LK_CLASS]),
                         "expected SRBM, MRBM, IRBM, ICBM or auto (a suffix such as -lofted is "
                         "allowed), got %s",
                         tw__yx_show(c, v[LK_CLASS]).s);
    tw__yx_path_pop(c, p0);
  }

  tw__yx_path_key(c, "site");
  if ((rc = read_site(c, v[LK_SITE], &l->lat_deg, &l->lon_deg)))
    return rc;
  tw__yx_path_pop(c, p0);

  static const struct {
    int key;
    const tw__yx_range *r;
    size_t off;
  } k_numbers[] = {
    {LK_BEARING, &k_bearing, offsetof(tw_scn_launch, bearing_deg)},
    {LK_APOGEE, &k_apogee, offsetof(tw_scn_launch, apogee_km)},
    {LK_RANGE, &k_range, offsetof(tw_scn_launch, range_km)},
    {LK_T, &k_t, offsetof(tw_scn_launch, t_s)},
  };
  l->t_s = 0.0;
  for (size_t i = 0; i < sizeof k_numbers / sizeof k_numbers[0]; i++) {
    if (!v[k_numbers[i].key])
      continue;
    tw__yx_path_key(c, k_launch_keys[k_numbers[i].key]);
    if ((rc = tw__yx_read_in(c, v[k_numbers[i].key], k_numbers[i].r,
                      (double *)((char *)l + k_numbers[i].off))))
      return rc;
    tw__yx_path_pop(c, p0);
  }
  return 0;
}

static int read_launches(tw__yx *c, const yaml_node_t *n, tw_scenario *s)
{
  const char *what = "a list of 1 to " STR(TW_SCN_MAX_LAUNCHES) " launches";
  if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", what,
                       tw__yx_show(c, n).s);
  size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  for (size_t i = 0; i < cnt; i++) {
    const yaml_node_t *item = tw__yx_node(c, n->data.sequence.items.start[i]);
    size_t p = tw__yx_path_index(c, i);
    if (i == TW_SCN_MAX_LAUNCHES)
      return tw__yx_fail(c, TW_ERANGE, tw__yx_line(item), "expected at most %d launches, got %zu",
                         TW_SCN_MAX_LAUNCHES, cnt);
    int rc = read_launch(c, item, s, (int)i);
    if (rc)
      return rc;
    tw__yx_path_pop(c, p);
  }
  s->n_launches = (int)cnt;
  return 0;
}

/* ---- sensors ----------------------------------------------------------------------------- */

/* Keys of `add` and `override`: the tw_sensor fields, the site as [lat, lon]. */
enum {
  SK_ID, SK_NATION, SK_KIND, SK_SITE, SK_ALT, SK_BORESIGHT, SK_HALF_WIDTH, SK_MAX_RANGE,
  SK_MIN_ELEV, SK_REVISIT, SK_PD, SK_SIGMA_RANGE, SK_SIGMA_ANGLE, SK_SIGMA_RR, SK_FALSE_ALARMS,
  SK_LATENCY, SK_IR_DELAY, SK_IR_MIN_ALT, N_SK
};
static const char *const k_sensor_keys[N_SK] = {
  [SK_ID] = "id",
  [SK_NATION] = "nation",
  [SK_KIND] = "kind",
  [SK_SITE] = "site",
  [SK_ALT] = "alt_m",
  [SK_BORESIGHT] = "boresight_deg",
  [SK_HALF_WIDTH] = "half_width_deg",
  [SK_MAX_RANGE] = "max_range_km",
  [SK_MIN_ELEV] = "min_elev_deg",
  [SK_REVISIT] = "revisit_s",
  [SK_PD] = "pd",
  [SK_SIGMA_RANGE] = "sigma_range_m",
  [SK_SIGMA_ANGLE] = "sigma_angle_rad",
  [SK_SIGMA_RR] = "sigma_rr_mps",
  [SK_FALSE_ALARMS] = "false_alarms_per_look",
  [SK_LATENCY] = "latency_s",
  [SK_IR_DELAY] = "ir_delay_s",
  [SK_IR_MIN_ALT] = "ir_min_alt_km",
};
/* Where each number goes, and what tw_sensor_validate (sensor.c) accepts for it: the text only
 * explains a refusal, the check itself is tw_sensor_validate's. Keep the two in step. */
static const struct sensor_number {
  size_t off;
  const char *valid;
} k_sensor_numbers[N_SK] = {
  [SK_ALT] = {offsetof(tw_sensor, alt_m), "metres in [-500, 1e8]"},
  [SK_BORESIGHT] = {offsetof(tw_sensor, boresight_deg), "degrees in [0, 360]"},
  [SK_HALF_WIDTH] = {offsetof(tw_sensor, half_width_deg), "degrees in (0, 180]"},
  [SK_MAX_RANGE] = {offsetof(tw_sensor, max_range_km), "km in (0, 40000] for a radar"},
  [SK_MIN_ELEV] = {offsetof(tw_sensor, min_elev_deg), "degrees in [-5, 90)"},
  [SK_REVISIT] = {offsetof(tw_sensor, revisit_s), "seconds in [0.01, 3600]"},
  [SK_PD] = {offsetof(tw_sensor, pd), "a probability in (0, 1]"},
  [SK_SIGMA_RANGE] = {offsetof(tw_sensor, sigma_range_m), "metres in (0, 1e5) for a radar"},
  [SK_SIGMA_ANGLE] = {offsetof(tw_sensor, sigma_angle_rad), "radians in (0, 0.5)"},
  [SK_SIGMA_RR] = {offsetof(tw_sensor, sigma_rr_mps), "m/s in [0, 1e4), 0 = not measured"},
  [SK_FALSE_ALARMS] = {offsetof(tw_sensor, false_alarms_per_look), "a mean count in [0, 100]"},
  [SK_LATENCY] = {offsetof(tw_sensor, latency_s), "seconds in [0, 3600]"},
  [SK_IR_DELAY] = {offsetof(tw_sensor, ir_delay_s), "seconds in [0, 3600]"},
  [SK_IR_MIN_ALT] = {offsetof(tw_sensor, ir_min_alt_km), "km in [0, 1000]"},
};

/* What an added sensor starts from before its own keys apply (docs/scenarios.md lists them):
 * an all-round radar of 1,000 km, and an IR satellite like the default GEO pair. */
static const tw_sensor k_new_radar = {
  .kind = TW_SENSOR_RADAR, .alt_m = 0.0, .boresight_deg = 0.0, .half_width_deg = 180.0,
  .max_range_km = 1000.0, .min_elev_deg = 1.0, .revisit_s = 1.0, .pd = 0.9,
  .sigma_range_m = 30.0, .sigma_angle_rad = 1e-3, .sigma_rr_mps = 0.0,
  .false_alarms_per_look = 0.01, .latency_s = 1.0, .source = "added by the scenario file",
};
static const tw_sensor k_new_ir = {
  .kind = TW_SENSOR_IR, .alt_m = TW_GEO_ALT_M, .half_width_deg = 180.0, .revisit_s = 2.0,
  .pd = 0.95, .sigma_angle_rad = 20e-6, .latency_s = 10.0, .ir_delay_s = 30.0,
  .ir_min_alt_km = 12.0, .source = "added by the scenario file",
};

static int find_sensor(const tw_scenario *s, const char *id)
{
  for (int i = 0; i < s->n_sensors; i++)
    if (strcmp(s->sensor[i].id, id) == 0)
      return i;
  return -1;
}

static int read_kind(tw__yx *c, const yaml_node_t *n, enum tw_sensor_kind *kind)
{
  if (tw__yx_text_is(n, "radar"))
    *kind = TW_SENSOR_RADAR;
  else if (tw__yx_text_is(n, "ir"))
    *kind = TW_SENSOR_IR;
  else
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected radar or ir, got %s",
                       tw__yx_show(c, n).s);
  return 0;
}

/* The keys of an add/override mapping other than id onto t, then tw_sensor_validate. */
static int apply_sensor(tw__yx *c, const yaml_node_t *map, const yaml_node_t **v, tw_sensor *t)
{
  size_t p0 = strlen(c->path);
  int rc = 0;
  for (int i = SK_NATION; i < N_SK && !rc; i++) {
    if (!v[i])
      continue;
    tw__yx_path_key(c, k_sensor_keys[i]);
    if (i == SK_NATION)
      rc = tw__yx_read_text(c, v[i], "a nation code such as KOR", t->nation, sizeof t->nation);
    else if (i == SK_KIND)
      rc = read_kind(c, v[i], &t->kind);
    else if (i == SK_SITE)
      rc = read_site(c, v[i], &t->lat_deg, &t->lon_deg);
    else
      rc = tw__yx_read_number(c, v[i], k_sensor_numbers[i].valid,
                       (double *)((char *)t + k_sensor_numbers[i].off));
    if (!rc)
      tw__yx_path_pop(c, p0);
  }
  if (rc)
    return rc;

  const char *field = NULL;
  if (tw_sensor_validate(t, &field) == 0)
    return 0;
  int i = 0;
  if (field && (strcmp(field, "lat") == 0 || strcmp(field, "lon") == 0))
    field = "site";
  while (i < N_SK && !(field && strcmp(k_sensor_keys[i], field) == 0))
    i++;
  const char *valid = i < N_SK && k_sensor_numbers[i].valid ? k_sensor_numbers[i].valid
                                                            : "a value tw_sensor_validate accepts";
  tw__yx_path_key(c, i < N_SK ? k_sensor_keys[i] : field ? field : "?");
  if (i < N_SK && v[i])
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(v[i]), "expected %s, got %s", valid,
                       tw__yx_show(c, v[i]).s);
  double was = i < N_SK && k_sensor_numbers[i].valid
                   ? *(const double *)((const char *)t + k_sensor_numbers[i].off)
                   : NAN;
  return tw__yx_fail(c, TW_ERANGE, tw__yx_line(map),
                     "expected %s, got %g (not set here: kept from before)", valid, was);
}

static int op_remove(tw__yx *c, const yaml_node_t *n, tw_scenario *s)
{
  char id[TW_SENSOR_ID_MAX];
  int k = -1;
  if (tw__yx_to_text(n, id, sizeof id) == 0)
    k = find_sensor(s, id);
  if (k < 0)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n),
                       "expected the id of a sensor in the set, got no sensor %s (ids are like "
                       SENSOR_ID_EXAMPLE ")",
                       tw__yx_show(c, n).s);
  memmove(&s->sensor[k], &s->sensor[k + 1], (size_t)(s->n_sensors - k - 1) * sizeof s->sensor[0]);
  s->n_sensors--;
  return 0;
}

static int op_override(tw__yx *c, const yaml_node_t *n, tw_scenario *s)
{
  const yaml_node_t *v[N_SK];
  char id[TW_SENSOR_ID_MAX];
  int k = -1;
  int rc =
      tw__yx_read_map(c, n, k_sensor_keys, N_SK, "a mapping with id and the fields to change", v);
  if (rc)
    return rc;
  if (!v[SK_ID])
    return tw__yx_missing(c, n, "id", "the id of the sensor to change");
  if (tw__yx_to_text(v[SK_ID], id, sizeof id) == 0)
    k = find_sensor(s, id);
  if (k < 0) {
    tw__yx_path_key(c, "id");
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[SK_ID]),
                       "expected the id of a sensor in the set, got no sensor %s (ids are like "
                       SENSOR_ID_EXAMPLE ")",
                       tw__yx_show(c, v[SK_ID]).s);
  }
  tw_sensor t = s->sensor[k];
  if ((rc = apply_sensor(c, n, v, &t)))
    return rc;
  t.source = "default values changed by the scenario file";
  s->sensor[k] = t;
  return 0;
}

static int op_add(tw__yx *c, const yaml_node_t *n, tw_scenario *s)
{
  const yaml_node_t *v[N_SK];
  size_t p0 = strlen(c->path);
  int rc =
      tw__yx_read_map(c, n, k_sensor_keys, N_SK,
                      "a sensor: a mapping with id, nation, kind, site and optional fields", v);
  if (rc)
    return rc;
  static const struct {
    int key;
    const char *what;
  } k_required[] = {
    {SK_ID, "a sensor id (text)"},
    {SK_NATION, "a nation code such as KOR"},
    {SK_KIND, "radar or ir"},
    {SK_SITE, "[lat, lon] in degrees"},
  };
  for (size_t i = 0; i < sizeof k_required / sizeof k_required[0]; i++)
    if (!v[k_required[i].key])
      return tw__yx_missing(c, n, k_sensor_keys[k_required[i].key], k_required[i].what);

  tw_sensor t;
  enum tw_sensor_kind kind = TW_SENSOR_RADAR; /* set by read_kind; gcc cannot see it */
  tw__yx_path_key(c, "kind");
  if ((rc = read_kind(c, v[SK_KIND], &kind)))
    return rc;
  tw__yx_path_pop(c, p0);
  t = kind == TW_SENSOR_RADAR ? k_new_radar : k_new_ir;
  tw__yx_path_key(c, "id");
  if ((rc = tw__yx_read_text(c, v[SK_ID], "a sensor id", t.id, sizeof t.id)))
    return rc;
  if (find_sensor(s, t.id) >= 0)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[SK_ID]),
                       "expected an id not already in the set, got %s", tw__yx_show(c, v[SK_ID]).s);
  tw__yx_path_pop(c, p0);
  if (s->n_sensors == TW_MAX_SENSORS)
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n),
                       "expected at most %d sensors in the set, got one more", TW_MAX_SENSORS);
  if ((rc = apply_sensor(c, n, v, &t)))
    return rc;
  s->sensor[s->n_sensors++] = t;
  return 0;
}

/* One item of the sensors list: `default` (first only) or a one-key mapping. */
static int read_sensor_op(tw__yx *c, const yaml_node_t *n, size_t idx, tw_scenario *s)
{
  static const char *const k_ops[] = {"remove", "override", "add"};
  static int (*const k_op_fn[])(tw__yx *, const yaml_node_t *, tw_scenario *) = {
    op_remove, op_override, op_add};
  const char *what = "default or a one-key mapping (remove: ID, override: {...} or add: {...})";
  if (n->type == YAML_SCALAR_NODE && tw__yx_text_is(n, "default")) {
    if (idx != 0)
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n),
                         "expected default only as the first item, got it as item %zu", idx);
    s->n_sensors = tw_sensor_defaults(s->sensor, TW_MAX_SENSORS);
    return 0;
  }
  if (n->type != YAML_MAPPING_NODE ||
      n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", what,
                       tw__yx_show(c, n).s);
  const yaml_node_t *k = tw__yx_node(c, n->data.mapping.pairs.start[0].key);
  const yaml_node_t *v = tw__yx_node(c, n->data.mapping.pairs.start[0].value);
  for (size_t i = 0; k && i < sizeof k_ops / sizeof k_ops[0]; i++) {
    if (tw__yx_text_is(k, k_ops[i])) {
      tw__yx_path_key(c, k_ops[i]);
      return k_op_fn[i](c, v, s);
    }
  }
  return tw__yx_fail(c, TW_EPARSE, tw__yx_line(k ? k : n),
                     "expected remove, override or add, got %s", tw__yx_show(c, k).s);
}

static int read_sensors(tw__yx *c, const yaml_node_t *n, tw_scenario *s)
{
  if (n->type == YAML_SCALAR_NODE && tw__yx_text_is(n, "default")) {
    s->n_sensors = tw_sensor_defaults(s->sensor, TW_MAX_SENSORS);
    return 0;
  }
  if (n->type == YAML_SCALAR_NODE && tw__yx_text_is(n, "none")) {
    s->n_sensors = 0;
    return 0;
  }
  if (n->type != YAML_SEQUENCE_NODE)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n),
                       "expected default, none or a list of operations (default, remove, override, "
                       "add), got %s",
                       tw__yx_show(c, n).s);
  s->n_sensors = 0;
  size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  for (size_t i = 0; i < cnt; i++) {
    size_t p = tw__yx_path_index(c, i);
    int rc = read_sensor_op(c, tw__yx_node(c, n->data.sequence.items.start[i]), i, s);
    if (rc)
      return rc;
    tw__yx_path_pop(c, p);
  }
  return 0;
}

/* ---- the whole file ---------------------------------------------------------------------- */

enum { TK_NAME, TK_START, TK_SEED, TK_LAUNCHES, TK_SENSORS, N_TK };
static const char *const k_top_keys[N_TK] = {
  [TK_NAME] = "name", [TK_START] = "start", [TK_SEED] = "seed", [TK_LAUNCHES] = "launches",
  [TK_SENSORS] = "sensors",
};

static int read_scenario(tw__yx *c, const yaml_node_t *root, tw_scenario *s)
{
  const yaml_node_t *v[N_TK];
  char when[64];
  int rc = tw__yx_read_map(c, root, k_top_keys, N_TK,
                           "a scenario: a mapping with name, start and launches", v);
  if (rc)
    return rc;
  if (!v[TK_NAME])
    return tw__yx_missing(c, root, "name", "the scenario's name (text)");
  if (!v[TK_START])
    return tw__yx_missing(c, root, "start", "a UTC time like 2022-10-03T22:22:00Z");
  if (!v[TK_LAUNCHES])
    return tw__yx_missing(c, root, "launches",
                          "a list of 1 to " STR(TW_SCN_MAX_LAUNCHES) " launches");

  tw__yx_path_key(c, "name");
  if ((rc = tw__yx_read_text(c, v[TK_NAME], "the scenario's name", s->name, sizeof s->name)))
    return rc;
  tw__yx_path_pop(c, 0);

  tw__yx_path_key(c, "start");
  if (tw__yx_to_text(v[TK_START], when, sizeof when) || tw_time_parse(&s->start, when))
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[TK_START]),
                       "expected a time like 2022-10-03T22:22:00Z (ISO 8601 with its zone), got %s",
                       tw__yx_show(c, v[TK_START]).s);
  tw__yx_path_pop(c, 0);

  s->seed = 1;
  s->has_seed = 0;
  if (v[TK_SEED]) {
    tw__yx_path_key(c, "seed");
    if ((rc = tw__yx_read_uint(c, v[TK_SEED], 0, UINT64_MAX, &s->seed)))
      return rc;
    s->has_seed = 1;
    tw__yx_path_pop(c, 0);
  }

  tw__yx_path_key(c, "launches");
  if ((rc = read_launches(c, v[TK_LAUNCHES], s)))
    return rc;
  tw__yx_path_pop(c, 0);

  if (!v[TK_SENSORS]) {
    s->n_sensors = tw_sensor_defaults(s->sensor, TW_MAX_SENSORS);
    return 0;
  }
  tw__yx_path_key(c, "sensors");
  if ((rc = read_sensors(c, v[TK_SENSORS], s)))
    return rc;
  tw__yx_path_pop(c, 0);
  return 0;
}

static int read_root(tw__yx *c, const yaml_node_t *root, void *out)
{
  return read_scenario(c, root, out);
}

static const tw__yx_doc g_doc = {
  "scenario", "expected a scenario (a mapping with name, start and launches), got an empty file",
  "<scenario>", sizeof(tw_scenario), MAX_INPUT, read_root};

int tw_scenario_parse(tw_scenario *s, const char *text, size_t len, const char *origin, char *err, size_t err_len)
{
  return tw__yx_parse_doc(&g_doc, s, text, len, origin, err, err_len);
}

int tw_scenario_load(tw_scenario *s, const char *path, char *err, size_t err_len)
{
  return tw__yx_load_doc(&g_doc, s, path, err, err_len);
}
