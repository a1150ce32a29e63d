/* bad_corpus.c - check a broken-input corpus against the headers of its files. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "bad_corpus.h"
#include "triwatch/error.h"

/* The "# expect: LINE KEY" header of a corpus file. */
static int read_expect(const char *path, int *line, char *key, size_t key_size)
{
  char head[256], fmt[32];
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  char *got = fgets(head, sizeof head, f);
  fclose(f);
  snprintf(fmt, sizeof fmt, "# expect: %%d %%%zu[^\n]", key_size - 1);
  return got && sscanf(head, fmt, line, key) == 2 ? 0 : -1;
}

int bad_corpus_check(const char *dir, corpus_load_fn load, char *why, size_t n)
{
  DIR *d = opendir(dir);
  if (!d) {
    snprintf(why, n, "%s: cannot open", dir);
    return -1;
  }
  struct dirent *e;
  int count = 0;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
      continue;
    char path[512], key[128], want[600], err[1024];
    int line;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (read_expect(path, &line, key, sizeof key)) {
      snprintf(why, n, "%s: first line is not \"# expect: LINE KEY\"", path);
      count = -1;
      break;
    }
    int rc = load(path, err, sizeof err);
    snprintf(want, sizeof want, "%s:%d: ", path, line);
    if ((rc != TW_EPARSE && rc != TW_ERANGE) || strncmp(err, want, strlen(want)) != 0 ||
        !strstr(err + strlen(want), key) || strchr(err, '\n')) {
      snprintf(why, n, "%s: got %s \"%s\", expected TW_EPARSE or TW_ERANGE with \"%s\" and \"%s\"",
               e->d_name, tw_err_name(rc), err, want, key);
      count = -1;
      break;
    }
    count++;
  }
  closedir(d);
  return count;
}
