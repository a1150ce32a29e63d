/* xmltext.h - whether a string can be written into XML as it is (private to the library): used
 * by the CoT writer and the GeoJSON/KML exporter. */
#ifndef TW_WARN_XMLTEXT_H
#define TW_WARN_XMLTEXT_H

/* 1 when z (NUL-terminated) is strict UTF-8 (no overlong forms, no surrogates, nothing past
 * U+10FFFF) holding only XML 1.0 Chars: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD,
 * U+10000..U+10FFFF; 0 otherwise. The empty string is 1. */
int tw__xml_text_ok(const char *z);

#endif
