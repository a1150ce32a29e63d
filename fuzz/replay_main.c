/* replay_main.c - run a libFuzzer target over files without libFuzzer: the corpus replay that
 * ctest runs with any compiler (and under ASan/UBSan in `make check`).
 *
 * Usage: fuzz_<name>_replay PATH...  where each PATH is a file or a directory of files (not
 * recursive). Each input is read into a buffer of exactly its size, so a sanitizer catches a
 * read past the end. Exits 0 after replaying at least one input, 1 when a path cannot be read
 * or no input was found; a crash in the target is the target's own abort. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replay one file; 0 or -1 when it cannot be read. */
static int replay_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  long n = -1;
  int rc = -1;
  if (!f)
    goto err_open;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
    goto err_read;
  buf = malloc(n > 0 ? (size_t)n : 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
    goto err_read;
  LLVMFuzzerTestOneInput(buf, (size_t)n);
  rc = 0;
err_read:
  free(buf);
  fclose(f);
err_open:
  if (rc)
    fprintf(stderr, "replay: cannot read %s\n", path);
  return rc;
}

int main(int argc, char **argv)
{
  long count = 0;
  int failed = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: no such path %s\n", argv[i]);
      failed = 1;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      failed |= replay_file(argv[i]) != 0;
      count++;
      continue;
    }
    struct dirent **names;
    int n = scandir(argv[i], &names, NULL, alphasort);
    if (n < 0) {
      fprintf(stderr, "replay: cannot list %s\n", argv[i]);
      failed = 1;
      continue;
    }
    for (int k = 0; k < n; k++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
      if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        failed |= replay_file(path) != 0;
        count++;
      }
      free(names[k]);
    }
    free(names);
  }
  printf("replayed %ld input%s\n", count, count == 1 ? "" : "s");
  return failed || count == 0;
}
