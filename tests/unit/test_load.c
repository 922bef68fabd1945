// SPDX-License-Identifier: MIT
// test_load: unit tests for compiler/load.c.
//
// Each case writes its YAML into a fresh mkdtemp directory, loads it with
// load_file() while diagnostics go to an open_memstream buffer, and checks
// the tree, node positions, node_text_loc() and the exact
// "line:col: error: message" of every diagnostic. Prints "ok NAME" or
// "not ok NAME: reason" per case; exits 1 when any case failed.
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The current load: its context, captured diagnostics and result.
typedef struct {
  Ctx ctx;
  FILE *mem;
  char *err; // what the load printed, NUL-terminated
  size_t errlen;
  Node *root;
  bool live;
} Run;

static char dir[] = "/tmp/hgc-test-load-XXXXXX";
static Run run;

static void finish(void) {
  if (!run.live)
    return;
  fclose(run.mem);
  free(run.err);
  ctx_free(&run.ctx);
  run = (Run){0};
}

static Node *load_bytes(const char *text, size_t len) {
  static int serial;
  char path[128];
  finish();
  snprintf(path, sizeof path, "%s/case%d.yaml", dir, ++serial);
  FILE *out = fopen(path, "wb");
  if (!out || fwrite(text, 1, len, out) != len || fclose(out) != 0) {
    perror(path);
    exit(2);
  }
  ctx_init(&run.ctx);
  run.mem = open_memstream(&run.err, &run.errlen);
  run.ctx.err = run.mem;
  run.live = true;
  run.root = load_file(&run.ctx, path, NULL);
  fflush(run.mem);
  unlink(path);
  return run.root;
}

static Node *load(const char *text) { return load_bytes(text, strlen(text)); }

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++)
    n++;
  return n;
}

// The captured diagnostics hold "LINE:COL: SEV: MSG" on a line of their
// own, after the file name.
static const char *expect_diag(int line, int col, const char *sev,
                               const char *msg) {
  char want[512];
  snprintf(want, sizeof want, ":%d:%d: %s: %s\n", line, col, sev, msg);
  if (!strstr(run.err, want))
    return unit_fail("no '%.*s' in:\n%s", (int)strlen(want) - 1, want + 1,
                run.err);
  return NULL;
}

static const char *expect_hint(const char *hint) {
  char want[256];
  snprintf(want, sizeof want, "  hint: %s\n", hint);
  return strstr(run.err, want) ? NULL : unit_fail("no hint '%s' in:\n%s", hint,
                                             run.err);
}

static const char *expect_errors(int n) {
  int got = count(run.err, ": error: ");
  return got == n ? NULL : unit_fail("%d errors, expected %d:\n%s", got, n,
                                run.err);
}

// A load that fails with exactly one error, at line:col.
static const char *expect_error(const char *text, int line, int col,
                                const char *msg) {
  if (load(text))
    return unit_fail("loaded, expected error '%s'", msg);
  const char *r = expect_errors(1);
  return r ? r : expect_diag(line, col, "error", msg);
}

static const char *expect_clean(Node *root) {
  if (!root)
    return unit_fail("load failed:\n%s", run.err);
  return run.errlen ? unit_fail("unexpected output:\n%s", run.err) : NULL;
}

static const char *expect_loc(Loc loc, int line, int col, const char *what) {
  if (!loc.file || loc.line != line || loc.col != col)
    return unit_fail("%s at %d:%d, expected %d:%d", what, loc.line, loc.col,
                line, col);
  return NULL;
}

// Where a node ends, as a Loc in its file.
static Loc end_loc(const Node *n) {
  return (Loc){n->loc.file, n->end.line, n->end.col};
}

static const char *expect_text(const Node *n, const char *text,
                               const char *what) {
  if (!n || n->kind != NK_SCALAR)
    return unit_fail("%s is not a scalar", what);
  if (n->len != strlen(text) || memcmp(n->text, text, n->len) != 0)
    return unit_fail("%s is '%s', expected '%s'", what, n->text, text);
  return NULL;
}

// Runs checks in order, stopping at the first failure.
#define TRY(check)                                                           \
  do {                                                                       \
    const char *r_ = (check);                                                \
    if (r_)                                                                  \
      return r_;                                                             \
  } while (0)

//
// Trees and positions
//
static const char *t_positions(void) {
  Node *root = load("name: demo\n"
                    "scenes:\n"
                    "  - script: hi   # comment\n"
                    "    voice: {id: v1, speed: 1.5}\n"
                    "  - \"quoted\"\n");
  TRY(expect_clean(root));
  if (root->kind != NK_MAP || root->npairs != 2)
    return unit_fail("root is not a map of 2");
  TRY(expect_loc(root->loc, 1, 1, "root"));
  TRY(expect_loc(root->pairs[0].key->loc, 1, 1, "key 'name'"));
  Node *name = node_get(root, "name");
  TRY(expect_text(name, "demo", "name"));
  TRY(expect_loc(name->loc, 1, 7, "name"));
  TRY(expect_loc(end_loc(name), 1, 11, "end of name"));
  Node *scenes = node_get(root, "scenes");
  if (!scenes || scenes->kind != NK_SEQ || scenes->nitems != 2)
    return unit_fail("scenes is not a list of 2");
  TRY(expect_loc(scenes->loc, 3, 3, "scenes"));
  Node *first = scenes->items[0];
  TRY(expect_loc(first->loc, 3, 5, "scene 1"));
  TRY(expect_loc(node_get(first, "script")->loc, 3, 13, "script"));
  Node *voice = node_get(first, "voice");
  TRY(expect_loc(voice->loc, 4, 12, "voice"));
  TRY(expect_loc(end_loc(voice), 4, 32, "end of voice"));
  TRY(expect_loc(node_get(voice, "id")->loc, 4, 17, "voice id"));
  Node *speed = node_get(voice, "speed");
  TRY(expect_loc(speed->loc, 4, 28, "speed"));
  if (node_type(speed) != ST_FLOAT)
    return unit_fail("speed is not a float");
  Node *quoted = scenes->items[1];
  TRY(expect_text(quoted, "quoted", "scene 2"));
  TRY(expect_loc(quoted->loc, 5, 5, "scene 2"));
  TRY(expect_loc(end_loc(quoted), 5, 13, "end of scene 2"));
  if (quoted->style != SC_QUOTED || name->style != SC_PLAIN)
    return unit_fail("wrong scalar styles");
  if (name->loc.file != root->loc.file || !strstr(name->loc.file->path,
                                                  dir))
    return unit_fail("node not in the loaded file");
  return NULL;
}

static const char *t_styles(void) {
  Node *root = load("plain: a b\n"
                    "single: 'it''s'\n"
                    "double: \"x\\0y\\tz\"\n"
                    "literal: |\n"
                    "  one\n"
                    "  two\n"
                    "folded: >-\n"
                    "  one\n"
                    "  two\n"
                    "utf8: \"\xC3\xA9t\xC3\xA9\"\n");
  TRY(expect_clean(root));
  static const struct {
    const char *key;
    ScalarStyle style;
    const char *text;
    size_t len;
  } want[] = {
      {"plain", SC_PLAIN, "a b", 3},
      {"single", SC_QUOTED, "it's", 4},
      {"double", SC_QUOTED, "x\0y\tz", 5},
      {"literal", SC_BLOCK, "one\ntwo\n", 8},
      {"folded", SC_BLOCK, "one two", 7},
      {"utf8", SC_QUOTED, "\xC3\xA9t\xC3\xA9", 5},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    Node *n = node_get(root, want[i].key);
    if (!n || n->style != want[i].style || n->len != want[i].len ||
        memcmp(n->text, want[i].text, n->len) != 0 || n->text[n->len])
      return unit_fail("scalar '%s' is wrong", want[i].key);
  }
  return NULL;
}

static const char *t_bom(void) {
  Node *root = load("\xEF\xBB\xBF"
                    "a: 1\n"
                    "b: 2\n");
  TRY(expect_clean(root));
  TRY(expect_loc(root->pairs[0].key->loc, 1, 1, "key 'a'"));
  return expect_loc(node_get(root, "b")->loc, 2, 4, "b");
}

static const char *t_crlf(void) {
  Node *root = load("a: 1\r\nb: [1,\r\n  2]\r\n");
  TRY(expect_clean(root));
  Node *b = node_get(root, "b");
  TRY(expect_loc(b->loc, 2, 4, "b"));
  return expect_loc(b->items[1]->loc, 3, 3, "b[1]");
}

// libyaml also breaks lines at a lone CR and at U+2028; positions must
// still match diag.c's lines, which end at LF only.
static const char *t_odd_breaks(void) {
  Node *root = load("a: 1\rb: 2\n");
  TRY(expect_clean(root));
  TRY(expect_loc(node_get(root, "b")->loc, 1, 9, "b after CR"));
  root = load("a: \"x\xE2\x80\xA8y\"\nb: 1\n");
  TRY(expect_clean(root));
  TRY(expect_loc(end_loc(node_get(root, "a")), 1, 9, "end of a"));
  TRY(expect_loc(node_get(root, "b")->loc, 2, 4, "b after LS"));
  TRY(expect_error("a: 1\rb: [\n", 2, 1,
                   "did not find expected node content"));
  return NULL;
}

static const char *t_aliases(void) {
  Node *root = load("base: &b {x: 1}\n"
                    "use: *b\n"
                    "s: &s text\n"
                    "t: *s\n"
                    "r: &r 1\n"
                    "r2: &r 2\n"
                    "u: *r\n"
                    "list: [*b, *s]\n");
  TRY(expect_clean(root));
  if (node_get(root, "use") != node_get(root, "base"))
    return unit_fail("alias does not share the anchored map");
  if (node_get(root, "t") != node_get(root, "s"))
    return unit_fail("alias does not share the anchored scalar");
  TRY(expect_text(node_get(root, "u"), "2", "redefined anchor"));
  Node *list = node_get(root, "list");
  if (list->nitems != 2 || list->items[0] != node_get(root, "base"))
    return unit_fail("alias in a list");
  return NULL;
}

//
// Errors
//
static const char *t_syntax(void) {
  TRY(expect_error("title: a: b\n", 1, 9,
                   "mapping values are not allowed in this context"));
  TRY(expect_hint("quote a value that contains ': '"));
  TRY(expect_error("a: \"x\n", 2, 1,
                   "found unexpected end of stream (while scanning a "
                   "quoted scalar at line 1)"));
  TRY(expect_hint("close the quote"));
  TRY(expect_error("a: [1, 2\nb: 1\n", 2, 2,
                   "did not find expected ',' or ']' (while parsing a flow "
                   "sequence at line 1)"));
  TRY(expect_hint("close the list with ']'"));
  TRY(expect_error("a: @x\n", 1, 4,
                   "found character that cannot start any token"));
  TRY(expect_error("a: \"x\\qy\"\n", 1, 6,
                   "found unknown escape character (while parsing a quoted "
                   "scalar)"));
  TRY(expect_error("- a\nb: 1\n", 2, 1,
                   "did not find expected '-' indicator (while parsing a "
                   "block collection at line 1)"));
  // A tab in a flow collection is white space: the error is the ']'.
  TRY(expect_error("a: [1,\n\t2, ]]\n", 2, 6,
                   "did not find expected key (while parsing a block "
                   "mapping at line 1)"));
  return NULL;
}

static const char *t_tabs(void) {
  static const struct {
    const char *text;
    int line;
    int col;
  } cases[] = {
      {"a:\n\tb: 1\n", 2, 1},          // tab at the failing position
      {"a:\n  b: 1\n\tc: 2\n", 3, 1},  // libyaml: "violates indentation"
      {"a:\n  \tb: 1\n", 2, 3},        // after spaces
      {"a: |\n  x\n \ty\n", 3, 2},     // in a block scalar
      {"a: b\n \tc: d\n", 2, 2},       // failing at ':', tab in indent
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    TRY(expect_error(cases[i].text, cases[i].line, cases[i].col,
                     "tab character used for indentation"));
    TRY(expect_hint("indent with spaces"));
  }
  return NULL;
}

static const char *t_duplicate_keys(void) {
  if (load("a: 1\n"
           "b:\n"
           "  c: 1\n"
           "  'c': 2\n"
           "a: 3\n"
           "d: {x: 1, x: 2}\n"))
    return unit_fail("loaded despite duplicate keys");
  TRY(expect_errors(3));
  TRY(expect_diag(4, 3, "error", "duplicate key 'c'"));
  TRY(expect_diag(3, 3, "note", "first defined here"));
  TRY(expect_diag(5, 1, "error", "duplicate key 'a'"));
  TRY(expect_diag(1, 1, "note", "first defined here"));
  TRY(expect_diag(6, 11, "error", "duplicate key 'x'"));
  return expect_diag(6, 5, "note", "first defined here");
}

// Big maps use a hash set: 20000 distinct keys load quickly and a
// duplicate at the end is still found.
static const char *t_many_keys(void) {
  enum { N = 20000 };
  char *text = malloc(N * 16 + 32);
  size_t len = 0;
  for (int i = 0; i < N; i++)
    len += (size_t)sprintf(text + len, "k%d: %d\n", i, i);
  Node *root = load_bytes(text, len);
  const char *r = expect_clean(root);
  if (!r && (root->npairs != N || !node_get(root, "k19999")))
    r = unit_fail("wrong map");
  len += (size_t)sprintf(text + len, "k77: x\n");
  if (!r && load_bytes(text, len))
    r = unit_fail("duplicate key not found");
  free(text);
  return r ? r : expect_diag(N + 1, 1, "error", "duplicate key 'k77'");
}

static const char *t_nonscalar_keys(void) {
  TRY(expect_error("? [a]\n: b\n", 1, 3,
                   "map key must be a scalar, not a list"));
  TRY(expect_error("{? {x: 1}: 2}\n", 1, 4,
                   "map key must be a scalar, not a map"));
  return expect_error("m: &m {a: 1}\n*m : 2\n", 2, 1,
                      "map key must be a scalar, not a map");
}

static const char *t_documents(void) {
  TRY(expect_error("a: 1\n---\nb: 2\n", 2, 1,
                   "only one YAML document per file"));
  TRY(expect_error("--- a\n--- b\n", 2, 1,
                   "only one YAML document per file"));
  return expect_clean(load("--- a\n...\n"));
}

static const char *t_tags(void) {
  Node *root = load("a: !!str 5\n"
                    "b: !!int \"5\"\n"
                    "c: !!float 1\n"
                    "d: ! x\n"
                    "e: !!map {x: 1}\n"
                    "f: !!seq [1]\n"
                    "g: !!null ''\n"
                    "h: !!bool true\n");
  TRY(expect_clean(root));
  Node *a = node_get(root, "a");
  if (a->style != SC_QUOTED || node_type(a) != ST_STRING)
    return unit_fail("!!str 5 is not a string");
  if (node_type(node_get(root, "b")) != ST_INT)
    return unit_fail("!!int \"5\" is not an integer");
  if (node_type(node_get(root, "g")) != ST_NULL)
    return unit_fail("!!null '' is not null");
  TRY(expect_error("a: !foo x\n", 1, 4,
                   "unsupported tag '!foo' (expected !!str, !!int, !!float, "
                   "!!bool or !!null)"));
  TRY(expect_hint("remove the tag"));
  TRY(expect_error("a: !!int abc\n", 1, 4,
                   "value does not match its tag '!!int'"));
  TRY(expect_error("a: !!map [1]\n", 1, 4,
                   "unsupported tag '!!map' (expected !!str, !!int, "
                   "!!float, !!bool or !!null)"));
  return expect_error("a: !!binary aGk=\n", 1, 4,
                      "unsupported tag '!!binary' (expected !!str, !!int, "
                      "!!float, !!bool or !!null)");
}

static const char *t_empty(void) {
  static const char *const empty[] = {
      "", "\n\n", "# only\n# comments\n", "---\n", "~\n", "--- ~\n...\n",
      "\xEF\xBB\xBF",
  };
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
    TRY(expect_error(empty[i], 1, 1, "file is empty"));
    TRY(expect_hint("a spec starts with 'hgc: 1'"));
  }
  // An empty string is a value, not an empty file.
  return expect_clean(load("''\n"));
}

static const char *t_undefined_alias(void) {
  if (load("a: *nope\nb: &r [1, *r]\nc: *later\nd: &later 1\n"))
    return unit_fail("loaded despite undefined aliases");
  TRY(expect_errors(3));
  TRY(expect_diag(1, 4, "error", "undefined alias '*nope'"));
  TRY(expect_hint("define '&nope' before the alias"));
  TRY(expect_diag(2, 11, "error", "alias '*r' is inside its own anchor"));
  return expect_diag(3, 4, "error", "undefined alias '*later'");
}

// Each level multiplies by 9; level f crosses the budget at its second
// alias: 74740 nodes before it, 66430 per '*e'.
static const char *t_billion_laughs(void) {
  char text[2048];
  size_t len = (size_t)sprintf(text, "a: &a [");
  for (int i = 0; i < 9; i++)
    len += (size_t)sprintf(text + len, "%s\"lol\"", i ? ", " : "");
  len += (size_t)sprintf(text + len, "]\n");
  for (char c = 'b'; c <= 'i'; c++) {
    len += (size_t)sprintf(text + len, "%c: &%c [", c, c);
    for (int i = 0; i < 9; i++)
      len += (size_t)sprintf(text + len, "%s*%c", i ? ", " : "", c - 1);
    len += (size_t)sprintf(text + len, "]\n");
  }
  // Stopped at the limit, not after building a billion nodes.
  TRY(expect_error(text, 6, 12,
                   "alias expansion too large (limit is 200000 nodes; "
                   "raise it with --max-nodes)"));
  return NULL;
}

// n copies of unit, then tail.
static const char *nesting_case(const char *unit, int n, const char *tail,
                                  int col) {
  size_t ulen = strlen(unit);
  size_t tlen = strlen(tail);
  char *text = malloc(ulen * (size_t)n + tlen + 1);
  for (int i = 0; i < n; i++)
    memcpy(text + ulen * (size_t)i, unit, ulen);
  memcpy(text + ulen * (size_t)n, tail, tlen + 1);
  Node *root = load(text);
  free(text);
  if (col == 0)
    return expect_clean(root);
  if (root)
    return unit_fail("loaded %d levels of '%s'", n, unit);
  TRY(expect_errors(1));
  return expect_diag(1, col, "error",
                     "nesting too deep (limit is 64 levels; raise it with "
                     "--max-depth)");
}

static const char *t_nesting(void) {
  TRY(nesting_case("[", 100000, "", 65));
  TRY(nesting_case("{a: ", 100000, "", 4 * 64 + 1));
  TRY(nesting_case("- ", 100000, "x\n", 2 * 64 + 1));
  char text[256];
  memset(text, '[', 64);
  memset(text + 64, ']', 64);
  strcpy(text + 128, "\n");
  return expect_clean(load(text));
}

static const char *t_too_many_nodes(void) {
  enum { N = 200001 }; // scalars: with the list, 200002 nodes
  char *text = malloc(2 * N + 8);
  size_t len = 0;
  text[len++] = '[';
  for (int i = 0; i < N; i++) {
    text[len++] = '1';
    text[len++] = ',';
  }
  text[len - 1] = ']';
  Node *root = load_bytes(text, len);
  free(text);
  if (root)
    return unit_fail("loaded %d nodes", N + 1);
  TRY(expect_errors(1));
  // The 200000th scalar is the 200001st node.
  return expect_diag(1, 2 + 2 * (200000 - 1), "error",
                     "document too large (limit is 200000 nodes; raise it "
                     "with --max-nodes)");
}

static const char *t_bad_bytes(void) {
  TRY(expect_error("a: \x01\n", 1, 4, "control characters are not allowed"));
  TRY(expect_error("a: b\nc: \xFF\n", 2, 4, "invalid UTF-8 byte 0xFF"));
  // The check skips ASCII 8 bytes at a time: a bad byte in every lane,
  // after ASCII and after a valid multibyte character.
  for (int k = 0; k < 20; k++) {
    char text[64];
    for (int e = 0; e < 2; e++) {
      int n = snprintf(text, sizeof text, "a: %s%.*s\xC3\n",
                       e ? "\xC3\xA9" : "", k, "bbbbbbbbbbbbbbbbbbbb");
      if (n <= 0)
        return unit_fail("snprintf");
      TRY(expect_error(text, 1, 4 + e + k, "invalid UTF-8 byte 0xC3"));
    }
  }
  finish();
  ctx_init(&run.ctx);
  run.mem = open_memstream(&run.err, &run.errlen);
  run.ctx.err = run.mem;
  run.live = true;
  char path[128];
  snprintf(path, sizeof path, "%s/missing.yaml", dir);
  if (load_file(&run.ctx, path, NULL))
    return unit_fail("loaded a missing file");
  fflush(run.mem);
  return strstr(run.err, "cannot read") ? NULL : unit_fail("got: %s", run.err);
}

// Errors that leave the structure intact are all reported in one pass.
static const char *t_one_pass(void) {
  if (load("a: 1\na: 2\nb: !foo x\nc: *nope\nd: [1, 2]\nd: 3\n"))
    return unit_fail("loaded");
  TRY(expect_errors(4));
  TRY(expect_diag(2, 1, "error", "duplicate key 'a'"));
  TRY(expect_diag(3, 4, "error",
                  "unsupported tag '!foo' (expected !!str, !!int, !!float, "
                  "!!bool or !!null)"));
  TRY(expect_diag(4, 4, "error", "undefined alias '*nope'"));
  return expect_diag(6, 1, "error", "duplicate key 'd'");
}

//
// Scalars and the node API
//
static const char *t_node_type(void) {
  static const struct {
    const char *text;
    ScalarType type;
  } plain[] = {
      {"", ST_NULL},        {"~", ST_NULL},        {"null", ST_NULL},
      {"Null", ST_NULL},    {"NULL", ST_NULL},     {"nULL", ST_STRING},
      {"true", ST_BOOL},    {"false", ST_BOOL},    {"True", ST_STRING},
      {"TRUE", ST_STRING},  {"yes", ST_STRING},    {"on", ST_STRING},
      {"0", ST_INT},        {"-1", ST_INT},        {"+42", ST_INT},
      {"007", ST_INT},      {"1.5", ST_FLOAT},     {"-.5", ST_FLOAT},
      {"+1.", ST_FLOAT},    {"1e3", ST_FLOAT},     {"1.5E-3", ST_FLOAT},
      {".5e+2", ST_FLOAT},  {".inf", ST_FLOAT},    {"-.Inf", ST_FLOAT},
      {"+.INF", ST_FLOAT},  {".nan", ST_FLOAT},    {".NaN", ST_FLOAT},
      {".NAN", ST_FLOAT},   {"-.nan", ST_STRING},  {".", ST_STRING},
      {"1e", ST_STRING},    {"e3", ST_STRING},     {"1.2.3", ST_STRING},
      {"0x1F", ST_STRING},  {"1_000", ST_STRING},  {"--1", ST_STRING},
      {"+", ST_STRING},     {"-", ST_STRING},      {"1.5s", ST_STRING},
      {".inF", ST_STRING},  {"1 ", ST_STRING},
  };
  Ctx ctx;
  ctx_init(&ctx);
  const char *r = NULL;
  Loc at = {0};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0] && !r; i++) {
    Node *n = node_new_scalar(&ctx, at, plain[i].text, strlen(plain[i].text),
                              SC_PLAIN);
    if (node_type(n) != plain[i].type)
      r = unit_fail("'%s' is type %d, expected %d", plain[i].text, node_type(n),
               plain[i].type);
    n->style = SC_QUOTED;
    if (!r && node_type(n) != ST_STRING)
      r = unit_fail("quoted '%s' is not a string", plain[i].text);
  }
  if (!r && node_type(node_new_scalar(&ctx, at, "1\0", 2, SC_PLAIN)) !=
                ST_STRING)
    r = unit_fail("'1\\0' is not a string");
  if (!r && node_type(node_new_scalar(&ctx, at, "true", 4, SC_BLOCK)) !=
                ST_STRING)
    r = unit_fail("a block 'true' is not a string");
  ctx_free(&ctx);
  return r;
}

static const char *t_kind_name(void) {
  Node *root = load("m: {}\nl: []\ns: x\ni: 1\nf: 1.5\nb: true\nn: ~\n"
                    "q: '1'\n");
  TRY(expect_clean(root));
  static const char *const want[][2] = {
      {"m", "a map"},    {"l", "a list"},    {"s", "a string"},
      {"i", "a number"}, {"f", "a number"},  {"b", "a boolean"},
      {"n", "null"},     {"q", "a string"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const char *got = node_kind_name(node_get(root, want[i][0]));
    if (strcmp(got, want[i][1]) != 0)
      return unit_fail("'%s' is %s, expected %s", want[i][0], got, want[i][1]);
  }
  if (strcmp(node_kind_name(NULL), "null") != 0 || !node_is_null(NULL))
    return unit_fail("NULL is not null");
  return NULL;
}

static const char *t_node_api(void) {
  Ctx ctx;
  ctx_init(&ctx);
  const char *r = NULL;
  Loc at = {0};
  Node *map = node_new_map(&ctx, at);
  Node *seq = node_new_seq(&ctx, at);
  char key[16];
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "k%d", i);
    Node *k = node_new_scalar(&ctx, at, key, strlen(key), SC_PLAIN);
    node_map_put(&ctx, map, k, k);
    node_seq_push(&ctx, seq, k);
  }
  Pair *p = node_get_pair(map, "k57");
  if (map->npairs != 100 || seq->nitems != 100 || !p || p != &map->pairs[57])
    r = unit_fail("wrong map or list");
  else if (node_get(map, "k") || node_get(seq, "k1") || node_get(NULL, "k1"))
    r = unit_fail("node_get found a missing key");
  else if (strcmp(seq->items[99]->text, "k99") != 0)
    r = unit_fail("list out of order");
  // An array a caller set up by hand grows by copying.
  Node *small = node_new_map(&ctx, at);
  small->pairs = arena_calloc(ctx.arena, sizeof(Pair));
  small->pairs[0] = map->pairs[0];
  small->npairs = 1;
  node_map_put(&ctx, small, map->pairs[1].key, map->pairs[1].value);
  if (!r && (small->npairs != 2 || !node_get(small, "k0") ||
             !node_get(small, "k1")))
    r = unit_fail("put into a hand-made map");
  // A deep copy: new nodes and text, same content and positions.
  Node *top = node_new_map(&ctx, (Loc){NULL, 3, 4});
  node_map_put(&ctx, top, map->pairs[2].key, seq);
  node_map_put(&ctx, top, map->pairs[3].key, seq); // shared, as an alias
  Node *copy = node_copy(&ctx, top);
  Node *c2 = node_get(copy, "k2");
  if (!r && (copy == top || copy->loc.line != 3 || copy->loc.col != 4 ||
             copy->npairs != 2 || c2 == seq || c2->nitems != 100 ||
             c2 == node_get(copy, "k3") ||
             c2->items[5]->text == seq->items[5]->text ||
             strcmp(c2->items[5]->text, "k5") != 0))
    r = unit_fail("bad deep copy");
  ctx_free(&ctx);
  return r;
}

//
// node_text_loc
//
static const char *expect_text_loc(const char *key, size_t offset,
                                   const char *needle, int line, int col) {
  Node *n = node_get(run.root, key);
  if (!n)
    return unit_fail("no key '%s'", key);
  char what[64];
  snprintf(what, sizeof what, "'%s' offset %zu", key, offset);
  return expect_loc(node_text_loc(n, offset, needle), line, col, what);
}

static const char *t_text_loc(void) {
  TRY(expect_clean(load("plain: Hello ${who}\n"
                        "quoted: \"Hello ${who}\"\n"
                        "single: 'it''s ${who}'\n"
                        "escaped: \"a\\tb ${who}\"\n"
                        "props: &p !!str \"x ${who}\"\n"
                        "literal: |\n"
                        "  line one\n"
                        "    indented ${who}\n"
                        "  last\n"
                        "folded: >\n"
                        "  first line\n"
                        "  second ${who}\n"
                        "multi: first\n"
                        "  second ${who}\n"
                        "utf8: \xC3\xA9t\xC3\xA9 ${who}\n"
                        "header: |2 # note\n"
                        "    x ${who}\n")));
  TRY(expect_text_loc("plain", 0, NULL, 1, 8));
  TRY(expect_text_loc("plain", 6, NULL, 1, 14));
  TRY(expect_text_loc("plain", 12, NULL, 1, 20)); // the end
  TRY(expect_text_loc("quoted", 6, NULL, 2, 16));
  // '' and \t are escapes: direct mapping fails, the needle is found.
  TRY(expect_text_loc("single", 5, "${who}", 3, 16));
  TRY(expect_text_loc("single", 5, NULL, 3, 9));
  TRY(expect_text_loc("single", 2, NULL, 3, 12)); // before the ''
  TRY(expect_text_loc("escaped", 4, "${who}", 4, 16));
  TRY(expect_text_loc("props", 2, "${who}", 5, 20));
  TRY(expect_text_loc("literal", 0, NULL, 7, 3));
  TRY(expect_text_loc("literal", 20, NULL, 8, 14));
  TRY(expect_text_loc("literal", 27, NULL, 9, 3));
  TRY(expect_text_loc("folded", 18, "${who}", 12, 10));
  TRY(expect_text_loc("folded", 18, NULL, 10, 9));
  TRY(expect_text_loc("folded", 3, NULL, 10, 9));
  TRY(expect_text_loc("multi", 13, "${who}", 14, 10));
  TRY(expect_text_loc("multi", 2, NULL, 13, 10));
  TRY(expect_text_loc("utf8", 6, NULL, 15, 11)); // columns count characters
  TRY(expect_text_loc("header", 4, NULL, 17, 7));
  TRY(expect_text_loc("plain", 99, "x", 1, 8)); // past the end
  return expect_text_loc("folded", 3, "nowhere", 10, 9);
}

typedef struct {
  const char *name;
  const char *(*run)(void);
} Case;

int main(void) {
  static const Case cases[] = {
      {"positions", t_positions},
      {"styles", t_styles},
      {"bom", t_bom},
      {"crlf", t_crlf},
      {"odd_breaks", t_odd_breaks},
      {"aliases", t_aliases},
      {"syntax", t_syntax},
      {"tabs", t_tabs},
      {"duplicate_keys", t_duplicate_keys},
      {"many_keys", t_many_keys},
      {"nonscalar_keys", t_nonscalar_keys},
      {"documents", t_documents},
      {"tags", t_tags},
      {"empty", t_empty},
      {"undefined_alias", t_undefined_alias},
      {"billion_laughs", t_billion_laughs},
      {"nesting", t_nesting},
      {"too_many_nodes", t_too_many_nodes},
      {"bad_bytes", t_bad_bytes},
      {"one_pass", t_one_pass},
      {"node_type", t_node_type},
      {"kind_name", t_kind_name},
      {"node_api", t_node_api},
      {"text_loc", t_text_loc},
  };
  if (!mkdtemp(dir)) {
    perror(dir);
    return 2;
  }
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *r = cases[i].run();
    finish();
    unit_result(cases[i].name, r);
  }
  rmdir(dir);
  return unit_status();
}
