/* triwatch/tak.h - TAK protocol framing of CoT events (../shared/vectors/takproto/README.md).
 *
 * Version 0 is the CoT XML itself (tw_cot_write: "<?xml ...?>\n<event>...</event>", nothing
 * after). Version 1 carries one protobuf atakmap.commoncommo.protobuf.v1.TakMessage, framed as
 *   streaming (TCP to a TAK server):  0xbf <varint payload length> <payload>
 *   mesh (UDP datagram, direct TCP):  0xbf <varint version = 1> 0xbf <payload>
 * The protobuf is encoded and decoded by hand (src/warn/tak.c), only the fields we use:
 * TakMessage.cotEvent (2) -> CotEvent type (1), access (2), uid (5), sendTime/startTime/staleTime
 * (6..8, ms since 1970), how (9), lat/lon/hae/ce/le (10..14), detail (15) -> Detail.xmlDetail (1,
 * our <remarks> and <link>), Detail.track (7) -> Track speed (1), course (2). Decoding skips any
 * other field, so a TakControl or contact from a TAK client is read without error. */
#ifndef TRIWATCH_TAK_H
#define TRIWATCH_TAK_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/cot.h"
#include "triwatch/visibility.h"

#define TW_TAK_MAGIC 0xbf
#define TW_TAK_MAX_PAYLOAD 65536 /* decoders refuse longer payloads */

/* Version 0: the CoT XML (same as tw_cot_write, as bytes). */
TW_API int tw_tak_frame_v0(uint8_t *buf, size_t n, const tw_cot_event *e);

/* Encode e as a TakMessage payload (no header) into buf (size n). Returns its length;
 * TW_EINVAL for an invalid event (as tw_cot_write; times before 1970 too), TW_ERANGE if buf is
 * too small. buf contents are unspecified on error. */
TW_API int tw_tak_encode(uint8_t *buf, size_t n, const tw_cot_event *e);

/* Streaming / mesh framed v1 message into buf (size n). Returns the total length; errors as
 * tw_tak_encode. */
TW_API int tw_tak_frame_stream(uint8_t *buf, size_t n, const tw_cot_event *e);
TW_API int tw_tak_frame_mesh(uint8_t *buf, size_t n, const tw_cot_event *e);

/* Decode a TakMessage payload of n bytes into e. Returns 0; TW_EPARSE for malformed protobuf or
 * a message without cotEvent, TW_ERANGE for strings longer than e's fields or a payload over
 * TW_TAK_MAX_PAYLOAD, TW_EINVAL for NULL arguments. e is unchanged on error. */
TW_API int tw_tak_decode(tw_cot_event *e, const uint8_t *buf, size_t n);

/* Decode one streaming-framed message at the start of buf (n bytes available). Returns the number
 * of bytes it took (header + payload), 0 if buf does not yet hold the whole message (read more),
 * or the errors of tw_tak_decode (TW_EPARSE also for a wrong magic byte). */
TW_API int tw_tak_parse_stream(tw_cot_event *e, const uint8_t *buf, size_t n);

/* Decode one mesh-framed datagram of exactly n bytes. Returns 0; TW_EPARSE for a bad header,
 * TW_ENOENT for a protocol version other than 1, else as tw_tak_decode. */
TW_API int tw_tak_parse_mesh(tw_cot_event *e, const uint8_t *buf, size_t n);

#endif
