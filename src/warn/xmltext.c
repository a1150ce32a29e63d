/* xmltext.c - strings that can stand in XML (xmltext.h). */
#include "warn/xmltext.h"

/* Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF) holding only XML 1.0
 * Chars: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF. */
int tw__xml_text_ok(const char *z)
{
  const unsigned char *p = (const unsigned char *)z;
  while (*p) {
    unsigned long c;
    int k;
    if (*p < 0x80) {
      c = *p;
      k = 0;
    } else if ((*p & 0xE0) == 0xC0) {
      c = *p & 0x1F;
      k = 1;
    } else if ((*p & 0xF0) == 0xE0) {
      c = *p & 0x0F;
      k = 2;
    } else if ((*p & 0xF8) == 0xF0) {
      c = *p & 0x07;
      k = 3;
    } else {
      return 0;
    }
    p++;
    for (int i = 0; i < k; i++, p++) {
      if ((*p & 0xC0) != 0x80)
        return 0;
      c = c << 6 | (*p & 0x3F);
    }
    static const unsigned long min_for_len[] = {0, 0x80, 0x800, 0x10000};
    if (c < min_for_len[k])
      return 0;
    if (!(c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
          (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF)))
      return 0;
  }
  return 1;
}
