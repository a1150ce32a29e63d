/* triwatch/visibility.h - symbol export for the shared library (built with hidden visibility). */
#ifndef TRIWATCH_VISIBILITY_H
#define TRIWATCH_VISIBILITY_H

#if defined(TW_BUILDING_LIBRARY) && defined(__GNUC__)
#define TW_API __attribute__((visibility("default")))
#else
#define TW_API
#endif

#endif
