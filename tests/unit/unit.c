// SPDX-License-Identifier: MIT
// unit.c: result lines, failure texts and fixture files for unit tests.
#include "unit.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures;
static char reason[8192];

void unit_result(const char *name, const char *why) {
  if (why) {
    printf("not ok %s: %s\n", name, why);
    failures++;
  } else {
    printf("ok %s\n", name);
  }
}

const char *unit_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return reason;
}

void unit_write(const char *path, const void *data, size_t len) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
    *s = '\0';
    mkdir(dir, 0777); // EEXIST is fine; fopen reports the rest
    *s = '/';
  }
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
    perror(path);
    exit(2);
  }
}

int unit_status(void) { return failures ? 1 : 0; }
