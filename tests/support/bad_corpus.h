/* bad_corpus.h - the broken-input corpora of the YAML parsers (tests/data/NAME-bad/): each file
 * starts with "# expect: LINE KEY", and loading it must fail with TW_EPARSE or TW_ERANGE and
 * one line "path:LINE: ...KEY...". */
#ifndef TW_TEST_BAD_CORPUS_H
#define TW_TEST_BAD_CORPUS_H

#include <stddef.h>

/* Load the file at path with the parser under test; its return code, message in err. */
typedef int (*corpus_load_fn)(const char *path, char *err, size_t n);

/* Check every .yaml file in dir. Returns how many were checked, or -1 with the first file that
 * broke its promise described in why. */
int bad_corpus_check(const char *dir, corpus_load_fn load, char *why, size_t n);

#endif
