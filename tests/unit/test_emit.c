// SPDX-License-Identifier: MIT
// test_emit.c: unit tests for emit.c, linked with the compiler objects
// except main.o.
//
//   test_emit                 runs every case, one "ok NAME" or
//                             "not ok NAME: reason" line each; exits 1
//                             when any failed
//   test_emit --numbers FILE  reads one double per line (C99 hex float,
//                             so the input is exact) and prints emit_json
//                             of each as a real, one per line, for
//                             emit_numbers.py to compare with Python
//
// The expected texts below are what Python's json.dumps(v, indent=2,
// sort_keys=True, ensure_ascii=False) + "\n" prints for the same input.
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// A text on one line, "\n" for each newline, for a failure message.
static const char *quoted(const char *s) {
  static char out[4096];
  size_t n = 0;
  for (; *s && n + 3 < sizeof out; s++) {
    if (*s == '\n')
      out[n++] = '\\';
    out[n++] = *s == '\n' ? 'n' : *s;
  }
  out[n] = '\0';
  return out;
}

static void check_text(const char *name, const json_t *v, const char *want) {
  size_t len;
  char *got = emit_json(v, &len);
  static char why[8192];
  if (!got) {
    unit_result(name, "emit_json returned NULL");
    return;
  }
  if (len != strlen(want) || memcmp(got, want, len) != 0) {
    snprintf(why, sizeof why, "got '%s'", quoted(got));
    unit_result(name, why);
  } else {
    unit_result(name, NULL);
  }
  free(got);
}

// Each case: a JSON input (\u0000 allowed), and the canonical text.
typedef struct {
  const char *name;
  const char *input;
  const char *want;
} Case;

static const Case cases[] = {
    {"scalars", "[true, false, null, 0, -42, 9223372036854775807]",
     "[\n  true,\n  false,\n  null,\n  0,\n  -42,\n  9223372036854775807\n]\n"},
    {"nested",
     "{\"b\": [1, {\"x\": null}, []], \"a\": {},"
     " \"c\": {\"z\": true, \"y\": false, \"w\": \"s\"}, \"d\": [[]],"
     " \"e\": -42}",
     "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"x\": null\n    },\n"
     "    []\n  ],\n  \"c\": {\n    \"w\": \"s\",\n    \"y\": false,\n"
     "    \"z\": true\n  },\n  \"d\": [\n    []\n  ],\n  \"e\": -42\n}\n"},
    {"empty-object", "{}", "{}\n"},
    {"empty-array", "[]", "[]\n"},
    {"escapes",
     "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\\u2028\\u00e9\\u0000"
     "/<>&'\"",
     "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xe2\x80\xa8\xc3\xa9"
     "\\u0000/<>&'\"\n"},
    {"utf8", "\"h\\u00e9llo \\u4e16\\u754c \\ud83d\\ude00\"",
     "\"h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80\"\n"},
    // Code point order, not UTF-16 order: U+FF41 sorts before U+1F600.
    {"key-order",
     "{\"b\": 0, \"a\": 1, \"B\": 2, \"\\u00e9\": 3, \"z\": 4, \"aa\": 5,"
     " \"\": 6, \"\\ud83d\\ude00\": 7, \"\\uff41\": 8}",
     "{\n  \"\": 6,\n  \"B\": 2,\n  \"a\": 1,\n  \"aa\": 5,\n"
     "  \"b\": 0,\n  \"z\": 4,\n  \"\xc3\xa9\": 3,\n  \"\xef\xbd\x81\": 8,\n"
     "  \"\xf0\x9f\x98\x80\": 7\n}\n"},
    {"reals",
     "[1.0, 0.1, -0.0, 1e16, 1e-05, 1.5e300, 100.0, 0.0001, 123456789.123,"
     " 1.1, 5e-324]",
     "[\n  1.0,\n  0.1,\n  -0.0,\n  1e+16,\n  1e-05,\n  1.5e+300,\n  100.0,\n"
     "  0.0001,\n  123456789.123,\n  1.1,\n  5e-324\n]\n"},
};

static void test_cases(void) {
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_error_t err;
    json_t *v =
        json_loads(cases[i].input, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!v) {
      unit_result(cases[i].name, err.text);
      continue;
    }
    check_text(cases[i].name, v, cases[i].want);
    json_decref(v);
  }
}

// jansson's parser refuses NUL in keys, so this object is built by hand:
// "a\0" sorts after "a" and before "a\0b" and "aa".
static void test_nul_keys(void) {
  json_t *v = json_object();
  json_object_setn_new(v, "aa", 2, json_integer(3));
  json_object_setn_new(v, "a\0b", 3, json_integer(2));
  json_object_setn_new(v, "a\0", 2, json_integer(1));
  json_object_setn_new(v, "a", 1, json_integer(0));
  check_text("key-nul", v,
             "{\n  \"a\": 0,\n  \"a\\u0000\": 1,\n  \"a\\u0000b\": 2,\n"
             "  \"aa\": 3\n}\n");
  json_decref(v);
}

// 20 references to one 4 MiB string, as an alias bomb yields: 80 MiB of
// text is over emit.c's 64 MiB cap, so emit_json refuses it.
// Every byte value at every place of a 20-byte string: emit.c scans eight
// bytes at a time, so each must be found in each lane. The expected text
// is escaped here a byte at a time.
static void test_escape_lanes(void) {
  const char *why = NULL;
  for (int c = 0; c < 256 && !why; c++) {
    for (size_t at = 0; at < 20 && !why; at++) {
      char s[20];
      memset(s, 'a', sizeof s);
      s[at] = (char)c;
      char want[64] = "\"";
      size_t n = 1;
      for (size_t i = 0; i < sizeof s; i++) {
        unsigned char u = (unsigned char)s[i];
        if (u == '"' || u == '\\')
          n += (size_t)sprintf(want + n, "\\%c", u);
        else if (u == '\n')
          n += (size_t)sprintf(want + n, "\\n");
        else if (u == '\t')
          n += (size_t)sprintf(want + n, "\\t");
        else if (u == '\b' || u == '\f' || u == '\r')
          n += (size_t)sprintf(want + n, "\\%c", u == '\b' ? 'b'
                                                 : u == '\f' ? 'f'
                                                              : 'r');
        else if (u < 0x20)
          n += (size_t)sprintf(want + n, "\\u%04x", u);
        else
          want[n++] = (char)u;
      }
      memcpy(want + n, "\"\n", 3);
      // Unchecked: a byte over 0x7F alone is not UTF-8.
      json_t *v = json_stringn_nocheck(s, sizeof s);
      size_t len;
      char *got = emit_json(v, &len);
      if (!got || strcmp(got, want) != 0)
        why = unit_fail("byte 0x%02x at %zu: got %s", c, at,
                        got ? quoted(got) : "NULL");
      free(got);
      json_decref(v);
    }
  }
  unit_result("escape-every-byte-every-lane", why);
}

static void test_too_large(void) {
  size_t n = 4 << 20;
  char *s = malloc(n);
  memset(s, 'a', n);
  json_t *str = json_stringn(s, n);
  free(s);
  json_t *v = json_array();
  for (int i = 0; i < 20; i++)
    json_array_append(v, str);
  json_decref(str);
  size_t len;
  char *text = emit_json(v, &len);
  unit_result("too-large", text ? "emit_json accepted 80 MiB" : NULL);
  free(text);
  json_decref(v);
}

// The artifact is emitted from lower.c's tree (a Jval) as it is; the
// commands that need jansson's copy take jval_to_json, which must read
// the same when emitted.
static void test_artifact(void) {
  Arena *a = arena_new();
  Spec spec = {.name = "welcome", .source = "specs/welcome.yaml"};
  Jval *body = jval_object(a);
  jval_put(a, body, "title", jval_string(a, "Hi"));
  Jval *dim = jval_object(a);
  jval_put(a, dim, "width", jval_int(a, 1280));
  jval_put(a, dim, "height", jval_int(a, 720));
  jval_put(a, body, "dimension", dim);
  Jval *scale = jval_array(a);
  for (int i = 0; i < 10; i++) // past the first 8 slots
    jval_push(a, scale, i % 2 ? jval_real(a, i / 4.0) : jval_bool(a, i % 4));
  jval_put(a, body, "scale", scale);
  Request req = {"POST", "/v2/video/generate", body, NULL};
  const char *want =
      "{\n  \"body\": {\n    \"dimension\": {\n      \"height\": 720,\n"
      "      \"width\": 1280\n    },\n    \"scale\": [\n      false,\n"
      "      0.25,\n      true,\n      0.75,\n      false,\n      1.25,\n"
      "      true,\n      1.75,\n      false,\n      2.25\n    ],\n"
      "    \"title\": \"Hi\"\n  },\n"
      "  \"hgc\": 1,\n  \"method\": \"POST\",\n"
      "  \"name\": \"welcome\",\n  \"path\": \"/v2/video/generate\",\n"
      "  \"source\": \"specs/welcome.yaml\"\n}\n";
  Jval *art = emit_artifact(a, &spec, &req);
  Buf b;
  buf_init(&b, 1 << 20);
  bool ok = art && emit_jval_to(&b, art);
  unit_result("artifact", ok && b.len == strlen(want) &&
                              memcmp(b.data, want, b.len) == 0
                          ? NULL
                          : "emit_jval_to gave other text");
  buf_free(&b);
  json_t *copy = art ? jval_to_json(art) : NULL;
  check_text("artifact-as-jansson", copy, want);
  json_decref(copy);
  // json_pack refused these before; the artifact must too.
  spec.name = "caf\xe9";
  unit_result("artifact-name-not-utf8",
              emit_artifact(a, &spec, &req) ? "accepted" : NULL);
  Jval *bad = jval_array(a);
  jval_push(a, bad, jval_string(a, "\xff"));
  unit_result("jval-to-json-not-utf8",
              jval_to_json(bad) ? "accepted" : NULL);
  arena_free(a);
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

// The names in dir, other than . and .., sorted and joined by spaces.
static void list_dir(const char *dir, char *out, size_t size) {
  char *names[16];
  int n = 0;
  out[0] = '\0';
  DIR *d = opendir(dir);
  if (!d)
    return;
  for (struct dirent *e; n < 16 && (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, str_cmp);
  size_t len = 0;
  for (int i = 0; i < n; i++) {
    len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
                            i ? " " : "", names[i]);
    free(names[i]);
  }
}

// Writes data to dir/file under umask `mask` and checks the content, the
// mode, and that dir then holds exactly `want_ls`.
static void check_write(const char *name, const char *dir, const char *file,
                        const char *data, mode_t mask, unsigned flags,
                        const char *want_ls) {
  char path[4096];
  char why[4096] = "";
  char ls[1024];
  char got[256] = "";
  snprintf(path, sizeof path, "%s/%s", dir, file);
  mode_t old = umask(mask);
  int err = emit_write_file(path, data, strlen(data), flags);
  umask(old);
  FILE *f = fopen(path, "r");
  if (f) {
    got[fread(got, 1, sizeof got - 1, f)] = '\0';
    fclose(f);
  }
  struct stat st;
  list_dir(dir, ls, sizeof ls);
  if (err)
    snprintf(why, sizeof why, "error '%s'", strerror(err));
  else if (strcmp(got, data))
    snprintf(why, sizeof why, "content '%s'", quoted(got));
  else if (stat(path, &st) != 0)
    snprintf(why, sizeof why, "stat: %s", strerror(errno));
  else if ((st.st_mode & 07777) !=
           (flags & EMIT_PRIVATE ? 0600 : 0666 & ~mask))
    snprintf(why, sizeof why, "mode %o", (unsigned)(st.st_mode & 07777));
  else if (strcmp(ls, want_ls))
    snprintf(why, sizeof why, "directory holds '%s'", ls);
  unit_result(name, why[0] ? why : NULL);
}

// A write to dir/file that must fail with want_err and leave dir holding
// exactly want_ls.
static void check_write_fails(const char *name, const char *dir,
                              const char *file, int want_err,
                              const char *want_ls) {
  char path[4096];
  char why[4096] = "";
  char ls[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int err = emit_write_file(path, "{}\n", 3, 0);
  list_dir(dir, ls, sizeof ls);
  if (err != want_err)
    snprintf(why, sizeof why, "error '%s', expected '%s'", strerror(err),
             strerror(want_err));
  else if (strcmp(ls, want_ls))
    snprintf(why, sizeof why, "directory holds '%s'", ls);
  unit_result(name, why[0] ? why : NULL);
}

static void test_write_file(void) {
  char dir[] = "/tmp/test_emit.XXXXXX";
  if (!mkdtemp(dir)) {
    unit_result("write-file", strerror(errno));
    return;
  }
  check_write("write-file", dir, "a.json", "{\n  \"a\": 1\n}\n", 022, 0,
              "a.json");
  check_write("write-file-replaces", dir, "a.json", "[]\n", 022, 0,
              "a.json");
  check_write("write-file-umask", dir, "a.json", "{}\n", 077, 0, "a.json");
  check_write("write-file-empty", dir, "a.json", "", 022, 0, "a.json");
  check_write("write-file-durable", dir, "a.json", "{\"d\": 1}\n", 022,
              EMIT_DURABLE, "a.json");
  check_write("write-file-private", dir, "a.json", "{}\n", 022, EMIT_PRIVATE,
              "a.json");
  check_write_fails("write-file-missing-dir", dir, "nope/b.json", ENOENT,
                    "a.json");
  char sub[4096];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  mkdir(sub, 0777);
  // The rename fails: the temp file written beside 'sub' must go.
  check_write_fails("write-file-onto-dir", dir, "sub", EISDIR, "a.json sub");

  // A bare name writes into the current directory.
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
    int err = emit_write_file("plain.json", "1\n", 2, 0);
    unit_result("write-file-bare-name", err ? strerror(err)
                                   : access("plain.json", F_OK)
                                       ? "no plain.json"
                                       : NULL);
    unlink("plain.json");
    if (chdir(cwd) != 0)
      unit_result("write-file-bare-name", "cannot return to the cwd");
  }
  rmdir(sub);
  snprintf(sub, sizeof sub, "%s/a.json", dir);
  unlink(sub);
  rmdir(dir);
}

// --numbers FILE: see the top of the file.
static int print_numbers(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "test_emit: %s: %s\n", path, strerror(errno));
    return 2;
  }
  char line[128];
  while (fgets(line, sizeof line, f)) {
    char *end;
    double x = strtod(line, &end);
    json_t *v = json_real(x);
    size_t len;
    char *text = v ? emit_json(v, &len) : NULL;
    if (end == line || !text) {
      fprintf(stderr, "test_emit: bad number '%s'\n", line);
      return 2;
    }
    printf("%.*s\n", (int)len - 1, text);
    free(text);
    json_decref(v);
  }
  fclose(f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--numbers") == 0)
    return print_numbers(argv[2]);
  if (argc != 1) {
    fprintf(stderr, "usage: test_emit [--numbers FILE]\n");
    return 2;
  }
  test_cases();
  test_nul_keys();
  test_escape_lanes();
  test_too_large();
  test_artifact();
  test_write_file();
  return unit_status();
}
