/* fuzz_cot.c - libFuzzer target for the CoT XML reader (tw_cot_read) and the TAK protocol v1
 * decoders (tw_tak_parse_stream, tw_tak_parse_mesh, tw_tak_decode), all fed the same bytes.
 *
 * Besides "no crash, no leak, no hang", it checks their promises: results are 0 (or a length)
 * or a documented code; a failed read leaves the event unchanged and an error message; an event
 * that reads and that the writer accepts reads back from what was written, XML and protobuf
 * alike. Always built as fuzz_cot_replay (replay_main.c), which ctest runs over the corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/cot.h"
#include "triwatch/error.h"
#include "triwatch/tak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
  fprintf(stderr, "fuzz_cot: broken promise: %s\n", what);
  abort();
}

static int is_code(int rc)
{
  return rc == TW_EINVAL || rc == TW_ERANGE || rc == TW_EPARSE || rc == TW_ENOMEM ||
         rc == TW_ENOENT;
}

/* Write e both ways and read it back; the writers may refuse, the readers then may not. */
static void round_trip(const tw_cot_event *e)
{
  static char xml[TW_COT_MAX_BYTES];
  static uint8_t pb[TW_TAK_MAX_PAYLOAD + 16];
  tw_cot_event back;
  char err[256];
  int len = tw_cot_write(xml, sizeof xml, e);
  if (len >= 0) {
    if (tw_cot_read(&back, xml, (size_t)len, err, sizeof err) != 0)
      broken(err);
    if (strcmp(back.uid, e->uid) != 0 || strcmp(back.type, e->type) != 0)
      broken("uid or type changed through XML");
  } else if (!is_code(len)) {
    broken("tw_cot_write result");
  }
  len = tw_tak_frame_stream(pb, sizeof pb, e);
  if (len >= 0) {
    if (tw_tak_parse_stream(&back, pb, (size_t)len) != len)
      broken("our stream frame does not read back");
    if (strcmp(back.uid, e->uid) != 0 || strcmp(back.access, e->access) != 0)
      broken("uid or access changed through protobuf");
  } else if (!is_code(len)) {
    broken("tw_tak_frame_stream result");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  tw_cot_event e, before;
  char err[256];
  memset(&e, 0x5a, sizeof e);
  before = e;
  err[0] = 'X';
  int rc = tw_cot_read(&e, (const char *)data, size, err, sizeof err);
  if (rc == 0) {
    round_trip(&e);
  } else {
    if (!is_code(rc))
      broken("tw_cot_read result");
    if (memcmp(&e, &before, sizeof e) != 0)
      broken("event changed by a failed read");
    if (!memchr(err, 0, sizeof err) || err[0] == '\0' || err[0] == 'X')
      broken("no error message");
  }

  rc = tw_tak_parse_stream(&e, data, size);
  if (rc > 0)
    round_trip(&e);
  else if (rc < 0 && !is_code(rc))
    broken("tw_tak_parse_stream result");
  else if (rc > (int)size)
    broken("stream frame longer than the input");

  rc = tw_tak_parse_mesh(&e, data, size);
  if (rc == 0)
    round_trip(&e);
  else if (!is_code(rc))
    broken("tw_tak_parse_mesh result");

  rc = tw_tak_decode(&e, data, size);
  if (rc == 0)
    round_trip(&e);
  else if (!is_code(rc))
    broken("tw_tak_decode result");
  return 0;
}
