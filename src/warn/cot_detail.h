/* warn/cot_detail.h - the CoT <detail> pieces shared with the TAK protocol v1 encoder.
 *
 * TAK v1 carries <track> as a protobuf message and every other detail element as XML text in
 * Detail.xmlDetail (the children of <detail>, without the <detail> tag). These two functions
 * write and read that text for the elements we use: <remarks> and <link>. */
#ifndef TW_WARN_COT_DETAIL_H
#define TW_WARN_COT_DETAIL_H

#include <stddef.h>

#include "triwatch/cot.h"

/* 1 if tw_cot_write would accept e (the event.xsd patterns and ranges, finite numbers, UTF-8
 * text, start <= stale), else 0. */
int tw__cot_event_ok(const tw_cot_event *e);

/* Write e's remarks and link (if any) as detail-children XML into buf (size n, NUL-terminated).
 * Returns the length (0 when there is nothing to write), TW_EINVAL for strings that are not
 * UTF-8 text, TW_ERANGE if buf is too small, TW_ENOMEM. */
int tw__cot_detail_xml_write(char *buf, size_t n, const tw_cot_event *e);

/* Read detail-children XML (n bytes) into e's remarks and link (flags updated). Same safety
 * rules and error codes as tw_cot_read; e may be partly changed on error (callers use a copy). */
int tw__cot_detail_xml_read(tw_cot_event *e, const char *xml, size_t n);

#endif
