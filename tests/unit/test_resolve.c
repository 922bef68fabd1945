// SPDX-License-Identifier: MIT
// test_resolve: unit tests for compiler/include.c, vars.c and rows.c.
//
// Each case writes its files into a mkdtemp directory (the cwd and the
// project root, so messages show short names), runs include_resolve(),
// vars_overrides()/vars_expand() or rows_open() while diagnostics go to
// an open_memstream buffer, and checks the resulting tree (as a compact
// flow-style dump: plain scalars bare, quoted ones in double quotes) and
// the exact "file:line:col: error: message" lines. Prints "ok NAME" or
// "not ok NAME: reason" per case; exits 1 when any case failed.
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[PATH_MAX];
static Ctx ctx;
static FILE *mem;
static char *diags; // what the current case printed
static size_t ndiags;

//
// Harness
//
static void begin(void) {
  ctx_init(&ctx);
  ctx.arena = arena_new();
  ctx.root = dir;
  mem = open_memstream(&diags, &ndiags);
  ctx.err = mem;
}

static void end(void) {
  fclose(mem);
  free(diags);
  diags = NULL;
  ctx_free(&ctx);
}

// Reports the case and ends it.
static void result(const char *name, const char *why) {
  unit_result(name, why);
  end();
}

static void put(const char *path, const char *text) {
  unit_write(path, text, strlen(text));
}

static const char *captured(void) {
  fflush(mem);
  return diags ? diags : "";
}

// Every row of a rows file in one list: rows_next's rows, copied out of
// the arena each overwrites. NULL after reporting.
static Node *rows_load(Ctx *c, const char *path, const Loc *from) {
  int errors = c->nerrors;
  Rows *r = rows_open(c, path, from);
  if (!r)
    return NULL;
  Node *list = node_new_seq(c, (Loc){0});
  int no;
  for (const Node *row; (row = rows_next(r, &no));)
    node_seq_push(c, list, node_copy(c, row));
  rows_close(r);
  return c->nerrors == errors ? list : NULL;
}

static void dump_to(FILE *out, const Node *n) {
  if (!n) {
    fputs("<NULL>", out);
    return;
  }
  switch (n->kind) {
  case NK_SCALAR:
    if (n->style == SC_PLAIN) {
      fwrite(n->text, 1, n->len, out);
      break;
    }
    fputc('"', out);
    for (size_t i = 0; i < n->len; i++)
      fputs(n->text[i] == '\n'   ? "\\n"
            : n->text[i] == '\r' ? "\\r"
            : n->text[i] == '"'  ? "\\\""
                                 : (char[]){n->text[i], 0},
            out);
    fputc('"', out);
    break;
  case NK_MAP:
    fputc('{', out);
    for (int i = 0; i < n->npairs; i++) {
      fputs(i ? ", " : "", out);
      dump_to(out, n->pairs[i].key);
      fputs(": ", out);
      dump_to(out, n->pairs[i].value);
    }
    fputc('}', out);
    break;
  case NK_SEQ:
    fputc('[', out);
    for (int i = 0; i < n->nitems; i++) {
      fputs(i ? ", " : "", out);
      dump_to(out, n->items[i]);
    }
    fputc(']', out);
    break;
  }
}

// NULL when n dumps as want and nothing was reported.
static const char *want_tree(const Node *n, const char *want) {
  char *got = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&got, &len);
  dump_to(out, n);
  fclose(out);
  const char *why = NULL;
  if (strcmp(got, want) != 0)
    why = unit_fail("got %s", got);
  else if (*captured())
    why = unit_fail("unexpected diagnostics:\n%s", captured());
  free(got);
  return why;
}

// NULL when the diagnostics hold this line.
static const char *want_diag(const char *line) {
  const char *all = captured();
  size_t n = strlen(line);
  for (const char *p = all; (p = strstr(p, line)); p++)
    if ((p == all || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
      return NULL;
  return unit_fail("no line '%s' in:\n%s", line, all);
}

static const char *both(const char *a, const char *b) { return a ? a : b; }

static int count_lines(const char *prefix) {
  int n = 0;
  const char *all = captured();
  for (const char *p = all; (p = strstr(p, prefix)); p++)
    n += p == all || p[-1] == '\n';
  return n;
}

//
// Includes
//
static void test_deep_merge(void) {
  begin();
  put("base.yaml", "hgc: 1\n"
                   "title: base\n"
                   "defaults:\n"
                   "  voice: {id: v1, speed: 1.1}\n"
                   "  avatar: {id: a1}\n"
                   "vars: {a: 1, b: 2}\n");
  put("main.yaml", "hgc: 1\n"
                   "include: base.yaml\n"
                   "defaults:\n"
                   "  voice: {speed: 1.2}\n"
                   "vars: {b: 3}\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-deep-merge",
         want_tree(n, "{title: base, defaults: {voice: {id: v1, speed: 1.2}, "
                      "avatar: {id: a1}}, vars: {a: 1, b: 3}, hgc: 1}"));
}

static void test_list_replace(void) {
  begin();
  put("base.yaml", "env: [A, B]\nscenes: [{script: one}]\nx: {y: [1, 2]}\n");
  put("main.yaml", "include: [base.yaml]\nenv: [C]\nx: {y: [3]}\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-list-replace",
         want_tree(n, "{env: [C], scenes: [{script: one}], x: {y: [3]}}"));
}

static void test_slot_replace(void) {
  begin();
  put("base.yaml", "defaults:\n"
                   "  avatar: {id: a1, style: circle}\n"
                   "  script: hello\n"
                   "  background: {image: u, fit: cover}\n"
                   "  voice: {id: v1}\n"
                   "other:\n"
                   "  background: {a: 1}\n"
                   "  avatar: {id: kept, style: closeUp}\n");
  put("main.yaml", "include: base.yaml\n"
                   "defaults:\n"
                   "  talking_photo: tp\n"
                   "  audio: x.mp3\n"
                   "  background: {color: \"#fff\"}\n"
                   "other:\n"
                   "  background: {b: 2}\n"
                   "  avatar: {id: new}\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-slot-replace",
         want_tree(n, "{defaults: {background: {color: \"#fff\"}, voice: {id: "
                      "v1}, talking_photo: tp, audio: x.mp3}, other: "
                      "{background: {b: 2}, avatar: {id: new}}}"));
}

// vars hold user-chosen names: `script` there is no slot.
static void test_vars_plain_merge(void) {
  begin();
  put("base.yaml", "vars: {script: s, audio: a, background: {x: 1}}\n");
  put("main.yaml",
      "include: base.yaml\nvars: {audio: b, background: {y: 2}}\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-vars-merge",
         want_tree(n, "{vars: {script: s, audio: b, background: {x: 1, y: "
                      "2}}}"));
}

static void test_order_and_nesting(void) {
  begin();
  put("a.yaml", "title: A\nx: 1\n");
  put("sub/b.yaml", "include: c.yaml\ntitle: B\ny: 2\n");
  put("sub/c.yaml", "z: 3\ntitle: C\n");
  put("main.yaml", "include: [a.yaml, sub/b.yaml]\nw: 0\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-order-nested",
         want_tree(n, "{title: B, x: 1, z: 3, y: 2, w: 0}"));
}

// Loaded nodes are shared by aliases; a merge must not change them.
static void test_no_mutation(void) {
  begin();
  put("base.yaml", "a: &x {k: 1, j: 0}\nb: *x\n");
  put("main.yaml", "include: base.yaml\na: {k: 2}\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-no-mutation",
         want_tree(n, "{a: {k: 2, j: 0}, b: {k: 1, j: 0}}"));
}

static void test_scene_splice(void) {
  begin();
  put("parts/outro.yaml", "hgc: 1\n"
                          "scenes:\n"
                          "  - script: o1\n"
                          "  - include: more.yaml\n");
  put("parts/more.yaml", "- script: m1\n- script: m2\n");
  put("main.yaml", "hgc: 1\n"
                   "scenes:\n"
                   "  - script: s1\n"
                   "  - include: parts/outro.yaml\n"
                   "  - script: s3\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-scene-splice",
         want_tree(n, "{hgc: 1, scenes: [{script: s1}, {script: o1}, {script: "
                      "m1}, {script: m2}, {script: s3}]}"));
}

static void test_splice_in_include(void) {
  begin();
  put("lib/brand.yaml", "scenes:\n  - include: intro.yaml\n");
  put("lib/intro.yaml", "- script: hi\n");
  put("main.yaml", "include: lib/brand.yaml\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-splice-in-included-file",
         want_tree(n, "{scenes: [{script: hi}]}"));
}

static void test_splice_ignored_keys(void) {
  begin();
  put("outro.yaml", "defaults: {voice: v}\nscenes: [{script: o}]\n");
  put("main.yaml", "scenes:\n  - include: outro.yaml\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-splice-ignored-keys",
         both(want_diag("outro.yaml:1:1: warning: 'defaults' is ignored: only "
                        "the scenes of this file are spliced"),
              n ? NULL : "resolve failed"));
}

static void test_splice_errors(void) {
  begin();
  put("none.yaml", "title: x\n");
  put("main.yaml", "scenes:\n"
                   "  - include: none.yaml\n"
                   "    script: hi\n"
                   "  - include: none.yaml\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-splice-errors",
         both(n ? "resolve succeeded" : NULL,
              both(want_diag("main.yaml:3:5: error: a scene that includes a "
                             "file cannot have other keys ('script')"),
                   want_diag("none.yaml:1:1: error: 'none.yaml' has no list "
                             "of scenes to splice"))));
}

static void test_cycle(void) {
  begin();
  put("a.yaml", "hgc: 1\ninclude: b.yaml\n");
  put("b.yaml", "x: 1\ninclude:\n  - c.yaml\n  - a.yaml\n");
  put("c.yaml", "y: 1\n");
  Node *n = include_resolve(&ctx, "a.yaml");
  result("include-cycle",
         both(n ? "resolve succeeded" : NULL,
              both(want_diag("b.yaml:4:5: error: include cycle: a.yaml -> "
                             "b.yaml -> a.yaml"),
                   want_diag("  included from a.yaml:2"))));
}

static void test_self_cycle(void) {
  begin();
  put("self.yaml", "include: ./self.yaml\n");
  Node *n = include_resolve(&ctx, "self.yaml");
  result("include-self-cycle",
         both(n ? "resolve succeeded" : NULL,
              want_diag("self.yaml:1:10: error: include cycle: self.yaml -> "
                        "self.yaml")));
}

static void test_scene_cycle(void) {
  begin();
  put("s1.yaml", "- include: s2.yaml\n");
  put("s2.yaml", "- script: x\n- include: s1.yaml\n");
  put("main.yaml", "scenes:\n  - include: s1.yaml\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-scene-cycle",
         both(n ? "resolve succeeded" : NULL,
              want_diag("s2.yaml:2:12: error: include cycle: s1.yaml -> "
                        "s2.yaml -> s1.yaml")));
}

static void test_root_escape(void) {
  begin();
  char root[PATH_MAX + 8];
  snprintf(root, sizeof root, "%s/proj", dir);
  ctx.root = root;
  put("outside.yaml", "x: 1\n");
  put("proj/in.yaml", "y: 2\n");
  put("proj/main.yaml", "include:\n  - ../outside.yaml\n  - in.yaml\n");
  Node *n = include_resolve(&ctx, "proj/main.yaml");
  result("include-root-escape-dotdot",
         both(n ? "resolve succeeded" : NULL,
              want_diag("proj/main.yaml:2:5: error: include "
                        "'../outside.yaml' leaves the project root")));
  begin();
  ctx.root = root;
  symlink("../outside.yaml", "proj/link.yaml");
  put("proj/main2.yaml", "include: link.yaml\n");
  n = include_resolve(&ctx, "proj/main2.yaml");
  result("include-root-escape-symlink",
         both(n ? "resolve succeeded" : NULL,
              want_diag("proj/main2.yaml:1:10: error: include 'link.yaml' "
                        "leaves the project root (a symlink takes it to "
                        "'outside.yaml')")));
  begin();
  ctx.root = root;
  symlink("in.yaml", "proj/inlink.yaml");
  put("proj/main3.yaml", "include: inlink.yaml\n");
  n = include_resolve(&ctx, "proj/main3.yaml");
  result("include-symlink-inside-root", want_tree(n, "{y: 2}"));
}

static void test_missing_and_bad(void) {
  begin();
  put("main.yaml", "include: [nope.yaml, {a: 1}]\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-missing-and-bad",
         both(n ? "resolve succeeded" : NULL,
              both(want_diag("main.yaml:1:11: error: cannot read 'nope.yaml': "
                             "No such file or directory"),
                   want_diag("main.yaml:1:22: error: expected a file name to "
                             "include, found a map"))));
  begin();
  put("list.yaml", "- 1\n");
  put("main.yaml", "include: list.yaml\n");
  n = include_resolve(&ctx, "main.yaml");
  result("include-not-a-map",
         both(want_diag("list.yaml:1:1: error: an included file must be a "
                        "map, not a list"),
              want_diag("  included from main.yaml:1")));
}

static void test_included_from(void) {
  begin();
  put("inner.yaml", "a: 1\na: 2\n");
  put("mid.yaml", "include: inner.yaml\n");
  put("main.yaml", "hgc: 1\ninclude: mid.yaml\n");
  include_resolve(&ctx, "main.yaml");
  result("include-included-from",
         both(want_diag("inner.yaml:2:1: error: duplicate key 'a'"),
              both(want_diag("  included from mid.yaml:1"),
                   want_diag("  included from main.yaml:2"))));
}

static void test_version(void) {
  begin();
  put("ok.yaml", "hgc: 1\nx: 1\n");
  put("bad.yaml", "hgc: 2\n");
  put("main.yaml", "hgc: 1\ninclude: [ok.yaml, bad.yaml]\n");
  Node *n = include_resolve(&ctx, "main.yaml");
  result("include-version-mismatch",
         both(n ? "resolve succeeded" : NULL,
              want_diag("bad.yaml:1:6: error: included file has 'hgc: 2', "
                        "but the including file has 'hgc: 1'")));
  begin();
  put("main2.yaml", "include: ok.yaml\n");
  n = include_resolve(&ctx, "main2.yaml");
  result("include-version-not-inherited", want_tree(n, "{x: 1}"));
}

static void test_limits(void) {
  char name[64];
  char text[128];
  // 2 + 4 + ... + 2^11 includes of a diamond chain.
  for (int i = 0; i < 12; i++) {
    snprintf(name, sizeof name, "wide%d.yaml", i);
    snprintf(text, sizeof text, "include: [wide%d.yaml, wide%d.yaml]\n", i + 1,
             i + 1);
    put(name, i < 11 ? text : "x: 1\n");
  }
  begin();
  Node *n = include_resolve(&ctx, "wide0.yaml");
  result("include-too-many",
         both(n ? "resolve succeeded" : NULL,
              count_lines("wide") == 1 &&
                      strstr(captured(), "error: too many includes "
                                         "(limit is 1000; raise it with "
                                         "--max-includes)")
                  ? NULL
                  : unit_fail("got:\n%s", captured())));
  for (int i = 0; i < 70; i++) {
    snprintf(name, sizeof name, "deep%d.yaml", i);
    snprintf(text, sizeof text, "include: deep%d.yaml\n", i + 1);
    put(name, text);
  }
  put("deep70.yaml", "x: 1\n");
  begin();
  n = include_resolve(&ctx, "deep0.yaml");
  result("include-too-deep",
         both(n ? "resolve succeeded" : NULL,
              want_diag("deep63.yaml:1:10: error: includes nested too deeply "
                        "(limit is 64 levels; raise it with --max-depth)")));
}

static void test_include_path(void) {
  begin();
  char root[PATH_MAX + 8];
  snprintf(root, sizeof root, "%s/site", dir);
  ctx.root = root;
  put("site/specs/s.yaml", "rows: ../data/r.csv\n"
                           "out: ../../top.csv\n"
                           "gone: nope.csv\n");
  put("site/data/r.csv", "a\n1\n");
  put("top.csv", "a\n1\n");
  Node *doc = load_file(&ctx, "site/specs/s.yaml", NULL);
  const char *p = include_path(&ctx, node_get(doc, "rows"), "../data/r.csv");
  const char *q = include_path(&ctx, node_get(doc, "out"), "../../top.csv");
  const char *r = include_path(&ctx, node_get(doc, "gone"), "nope.csv");
  const char *why = p && strcmp(p, "site/data/r.csv") == 0
                        ? NULL
                        : unit_fail("got path '%s'", p ? p : "(null)");
  result("include-path",
         both(why, both(q || r ? "bad path accepted" : NULL,
                        both(want_diag("site/specs/s.yaml:2:6: error: path "
                                       "'../../top.csv' leaves the project "
                                       "root"),
                             want_diag("site/specs/s.yaml:3:7: error: cannot "
                                       "read 'nope.csv': No such file or "
                                       "directory")))));
}

//
// Variables
//
static Node *overrides(const char **defs, int n, const char *vars_file) {
  VarsOptions o = {defs, n, vars_file};
  return vars_overrides(&ctx, &o);
}

static Node *expand_text(const char *yaml, const Node *ov, const Node *row) {
  put("spec.yaml", yaml);
  Node *doc = load_file(&ctx, "spec.yaml", NULL);
  return doc ? vars_expand(&ctx, doc, ov, row) : NULL;
}

static const char *want_type(const Node *map, const char *key, ScalarType t,
                             const char *text) {
  const Node *v = node_get(map, key);
  if (!v || v->kind != NK_SCALAR)
    return unit_fail("'%s' missing or not a scalar", key);
  if (node_type(v) != t || strcmp(v->text, text) != 0)
    return unit_fail("'%s' is '%s' of type %d", key, v->text, node_type(v));
  return NULL;
}

static void test_defines(void) {
  begin();
  const char *defs[] = {"speed=1.2", "flag=true",  "t=\"1.5\"", "color=#fff",
                        "n=42",      "s= spaced ", "e=",        "n=43"};
  Node *ov = overrides(defs, 8, NULL);
  const char *why = ov ? NULL : "vars_overrides failed";
  if (!why)
    why = want_type(ov, "speed", ST_FLOAT, "1.2");
  if (!why)
    why = want_type(ov, "flag", ST_BOOL, "true");
  if (!why)
    why = want_type(ov, "t", ST_STRING, "1.5");
  if (!why)
    why = want_type(ov, "color", ST_STRING, "#fff");
  if (!why)
    why = want_type(ov, "n", ST_INT, "43");
  if (!why)
    why = want_type(ov, "s", ST_STRING, "spaced");
  if (!why)
    why = want_type(ov, "e", ST_NULL, "");
  if (!why && ov->npairs != 7)
    why = unit_fail("%d overrides", ov->npairs);
  result("vars-define-typing", both(why, *captured() ? captured() : NULL));
}

static void test_define_errors(void) {
  begin();
  const char *defs[] = {"noequals", "1bad=x", "row=1", "q='open"};
  Node *ov = overrides(defs, 4, NULL);
  result("vars-define-errors",
         both(ov ? "vars_overrides succeeded" : NULL,
              both(want_diag("hgc: error: -D 'noequals' is not of the form "
                             "name=value"),
                   both(want_diag("hgc: error: -D '1bad=x': invalid variable "
                                  "name '1bad'"),
                        both(want_diag("hgc: error: -D 'row=1': variable "
                                       "name 'row' is reserved for "
                                       "${row.NAME}"),
                             want_diag("<command line>:1:6: error: invalid "
                                       "quoted value"))))));
}

static void test_vars_file(void) {
  begin();
  put("v.yaml", "a: 1\nb: text\nc: \"2\"\n");
  const char *defs[] = {"a=2"};
  Node *ov = overrides(defs, 1, "v.yaml");
  const char *why = ov ? NULL : "vars_overrides failed";
  if (!why)
    why = want_type(ov, "a", ST_INT, "2");
  if (!why)
    why = want_type(ov, "c", ST_STRING, "2");
  result("vars-file-and-precedence", why);
  begin();
  put("nested.yaml", "a: {b: 1}\nok: 1\nl: [1]\n");
  ov = overrides(NULL, 0, "nested.yaml");
  result("vars-file-nested",
         both(ov ? "vars_overrides succeeded" : NULL,
              both(want_diag("nested.yaml:1:4: error: variable 'a' is a map, "
                             "but --vars takes a flat map of scalars"),
                   want_diag("nested.yaml:3:4: error: variable 'l' is a "
                             "list, but --vars takes a flat map of "
                             "scalars"))));
  begin();
  put("list.yaml", "- a\n");
  ov = overrides(NULL, 0, "list.yaml");
  result("vars-file-not-a-map",
         both(ov ? "vars_overrides succeeded" : NULL,
              want_diag("list.yaml:1:1: error: expected a map of variables, "
                        "found a list")));
}

static void test_expand_basic(void) {
  begin();
  Node *n = expand_text("vars:\n"
                        "  product: Acme\n"
                        "  speed: 1.1\n"
                        "  on: true\n"
                        "  brand: {color: \"#fff\", name: \"${product} Inc\"}\n"
                        "  list: [1, x]\n"
                        "title: \"Welcome to ${product}!\"\n"
                        "speed: ${speed}\n"
                        "q: \"${speed}\"\n"
                        "on: ${on}\n"
                        "brand: ${brand}\n"
                        "c: ${brand.color}\n"
                        "name: ${brand.name}\n"
                        "list: ${list}\n"
                        "${product}: key\n",
                        NULL, NULL);
  result("vars-expand-basic",
         want_tree(n, "{vars: {product: Acme, speed: 1.1, on: true, brand: "
                      "{color: \"#fff\", name: \"Acme Inc\"}, list: [1, x]}, "
                      "title: \"Welcome to Acme!\", speed: 1.1, q: 1.1, on: "
                      "true, brand: {color: \"#fff\", name: \"Acme Inc\"}, c: "
                      "\"#fff\", name: \"Acme Inc\", list: [1, x], "
                      "${product}: key}"));
}

static void test_whole_types(void) {
  begin();
  Node *n = expand_text("vars: {n: 2, s: Acme, f: 1.50, z: ~}\n"
                        "a: ${n}\nb: ${s}\nc: '${f}'\nd: ${z}\ne: x${z}y\n"
                        "f: ${n}0\n",
                        NULL, NULL);
  const char *why = n ? NULL : "expansion failed";
  if (!why)
    why = want_type(n, "a", ST_INT, "2");
  if (!why)
    why = want_type(n, "b", ST_STRING, "Acme");
  if (!why)
    why = want_type(n, "c", ST_FLOAT, "1.50");
  if (!why)
    why = want_type(n, "d", ST_NULL, "~");
  if (!why)
    why = want_type(n, "e", ST_STRING, "xy");
  if (!why)
    why = want_type(n, "f", ST_STRING, "20");
  if (!why && node_get(n, "a")->loc.line != 2)
    why = "value not at the use site";
  result("vars-whole-scalar-types", both(why, *captured() ? captured() : NULL));
}

static void test_map_in_string(void) {
  begin();
  Node *n = expand_text("vars: {brand: {a: 1}}\ntitle: \"x ${brand} y\"\n",
                        NULL, NULL);
  result("vars-map-in-string",
         both(n ? "expansion succeeded" : NULL,
              want_diag("spec.yaml:2:11: error: 'brand' is a map and cannot "
                        "be part of a string")));
}

static void test_fallback(void) {
  begin();
  Node *n = expand_text("vars: {set: yes, empty: '', nul: ~}\n"
                        "g: ${empty:-x}\n"
                        "h: ${nul:-2}\n"
                        "a: ${missing:-1.5}\n"
                        "b: ${missing:-\"1.5\"}\n"
                        "c: \"x ${missing:-b c} y\"\n"
                        "d: ${set:-no}\n"
                        "e: ${missing:-}\n"
                        "f: ${row.id:-none}\n",
                        NULL, NULL);
  const char *why = n ? NULL : "expansion failed";
  if (!why)
    why = want_type(n, "a", ST_FLOAT, "1.5");
  if (!why)
    why = want_type(n, "b", ST_STRING, "1.5");
  if (!why)
    why = want_type(n, "c", ST_STRING, "x b c y");
  if (!why)
    why = want_type(n, "d", ST_STRING, "yes");
  if (!why)
    why = want_type(n, "e", ST_NULL, "");
  if (!why)
    why = want_type(n, "f", ST_STRING, "none");
  if (!why)
    why = want_type(n, "g", ST_STRING, "x");
  if (!why)
    why = want_type(n, "h", ST_INT, "2");
  result("vars-fallback", both(why, *captured() ? captured() : NULL));
}

static void test_literal_dollar(void) {
  begin();
  Node *n = expand_text("vars: {x: 1}\n"
                        "a: $${x}\n"
                        "b: \"cost $5, ${x} and $${x} $$ $\"\n",
                        NULL, NULL);
  result("vars-literal-dollar",
         want_tree(n, "{vars: {x: 1}, a: ${x}, b: \"cost $5, 1 and ${x} $$ "
                      "$\"}"));
}

static void test_env(void) {
  begin();
  setenv("HGC_TEST_COLOR", "#abc", 1);
  unsetenv("HGC_TEST_UNSET");
  Node *n = expand_text("env: [HGC_TEST_COLOR, HGC_TEST_UNSET]\n"
                        "a: ${env.HGC_TEST_COLOR}\n"
                        "b: \"c=${env.HGC_TEST_COLOR}\"\n"
                        "c: ${env.HGC_TEST_UNSET:-dflt}\n",
                        NULL, NULL);
  result("vars-env-allowed",
         want_tree(n, "{env: [HGC_TEST_COLOR, HGC_TEST_UNSET], a: \"#abc\", b: "
                      "\"c=#abc\", c: \"dflt\"}"));
  begin();
  n = expand_text("env: [HGC_TEST_UNSET]\n"
                  "a: ${env.HOME}\n"
                  "b: ${env.HGC_TEST_UNSET}\n"
                  "c: ${env}\n",
                  NULL, NULL);
  result("vars-env-denied",
         both(n ? "expansion succeeded" : NULL,
              both(want_diag("spec.yaml:2:4: error: environment variable "
                             "'HOME' is not listed under 'env:'"),
                   both(want_diag("spec.yaml:3:4: error: environment variable "
                                  "'HGC_TEST_UNSET' is not set"),
                        want_diag("spec.yaml:4:4: error: '${env}' does not "
                                  "name an environment variable")))));
}

static void test_undefined(void) {
  begin();
  Node *n = expand_text("vars:\n"
                        "  product: Acme\n"
                        "  brand: {color: red}\n"
                        "title: \"Hi ${prodcut}\"\n"
                        "script: |\n"
                        "  Line one.\n"
                        "  Buy ${brand.colour} now ${nothing_like_it}.\n",
                        NULL, NULL);
  result("vars-undefined-position",
         both(n ? "expansion succeeded" : NULL,
              both(want_diag("spec.yaml:4:12: error: undefined variable "
                             "'prodcut'"),
                   both(want_diag("  hint: did you mean 'product'?"),
                        both(want_diag("spec.yaml:7:7: error: undefined "
                                       "variable 'brand.colour'"),
                             both(want_diag("  hint: did you mean "
                                            "'brand.color'?"),
                                  want_diag("spec.yaml:7:27: error: undefined "
                                            "variable 'nothing_like_it'")))))));
}

static void test_cycles_and_limits(void) {
  begin();
  Node *n = expand_text("vars:\n  a: \"${b}\"\n  b: \"x${a}\"\nt: ${a}\n", NULL,
                        NULL);
  result("vars-self-reference",
         both(n ? "expansion succeeded" : NULL,
              both(want_diag("spec.yaml:3:8: error: variable 'a' refers to "
                             "itself: a -> b -> a"),
                   count_lines("spec.yaml") == 1 ? NULL
                                                 : unit_fail("%s", captured()))));
  begin();
  n = expand_text("vars:\n"
                  "  brand: {name: Acme, tag: \"${brand.name} rocks\"}\n"
                  "t: ${brand.tag}\n",
                  NULL, NULL);
  result("vars-sibling-reference",
         want_tree(n, "{vars: {brand: {name: Acme, tag: \"Acme rocks\"}}, t: "
                      "\"Acme rocks\"}"));
  // v0 -> v1 -> ... -> v99
  char *text = malloc(100 * 40);
  size_t len = (size_t)sprintf(text, "vars:\n");
  for (int i = 0; i < 99; i++)
    len += (size_t)sprintf(text + len, "  v%d: \"${v%d}\"\n", i, i + 1);
  sprintf(text + len, "  v99: end\nt: ${v0}\n");
  begin();
  n = expand_text(text, NULL, NULL);
  result("vars-long-chain",
         both(n ? "expansion succeeded" : NULL,
              count_lines("spec.yaml") == 1 &&
                      strstr(captured(), "error: too many nested variable "
                                         "references (limit is 64; raise "
                                         "it with --max-var-depth)")
                  ? NULL
                  : unit_fail("%s", captured())));
  // Each variable doubles the one before: 2^40 bytes if nothing stopped it.
  len = (size_t)sprintf(text, "vars:\n  v0: xxxxxxxxxxxxxxxx\n");
  for (int i = 1; i <= 40; i++)
    len += (size_t)sprintf(text + len, "  v%d: \"${v%d}${v%d}\"\n", i, i - 1,
                           i - 1);
  begin();
  n = expand_text(text, NULL, NULL);
  result("vars-exponential",
         both(n ? "expansion succeeded" : NULL,
              count_lines("spec.yaml") == 1 &&
                      strstr(captured(), "error: variable expansion too large")
                  ? NULL
                  : unit_fail("%s", captured())));
  free(text);
}

static void test_precedence(void) {
  begin();
  const char *defs[] = {"product=Beta", "greet=Hi ${product}", "speed=1.3"};
  Node *ov = overrides(defs, 3, NULL);
  Node *n = expand_text("vars: {product: Acme, speed: \"${undefined}\"}\n"
                        "a: ${product}\nb: ${greet}\nc: ${speed}\n",
                        ov, NULL);
  result("vars-override-precedence",
         want_tree(n, "{vars: {product: Acme, speed: \"${undefined}\"}, a: "
                      "\"Beta\", b: \"Hi Beta\", c: 1.3}"));
}

static void test_rows_refs(void) {
  begin();
  put("r.csv", "id,name\n7,Ann\n");
  Node *rows = rows_load(&ctx, "r.csv", NULL);
  Node *n = rows ? expand_text("name: welcome-${row.id}\nn: ${row.id}\n"
                               "who: ${row.name}\n",
                               NULL, rows->items[0])
                 : NULL;
  result("vars-row", want_tree(n, "{name: \"welcome-7\", n: \"7\", who: "
                                  "\"Ann\"}"));
  begin();
  put("r.csv", "id,name\n7,Ann\n");
  rows = rows_load(&ctx, "r.csv", NULL);
  n = rows ? expand_text("a: ${row.nmae}\n", NULL, rows->items[0]) : NULL;
  Node *m = expand_text("b: ${row.id}\n", NULL, NULL);
  result("vars-row-errors",
         both(n || m ? "expansion succeeded" : NULL,
              both(want_diag("spec.yaml:1:4: error: unknown column 'nmae' in "
                             "the batch row"),
                   both(want_diag("  hint: did you mean 'name'?"),
                        want_diag("spec.yaml:1:4: error: '${row.id}' needs a "
                                  "batch row")))));
}

static void test_bad_refs(void) {
  begin();
  Node *n = expand_text("a: \"${a b}\"\nb: x ${c\nc: ${}\nd: ${a.b..c}\n", NULL,
                        NULL);
  result("vars-bad-references",
         both(n ? "expansion succeeded" : NULL,
              both(want_diag("spec.yaml:1:5: error: invalid variable "
                             "reference '${a b}'"),
                   both(want_diag("spec.yaml:2:6: error: unterminated '${'"),
                        both(want_diag("spec.yaml:3:4: error: invalid "
                                       "variable reference '${}'"),
                             want_diag("spec.yaml:4:4: error: invalid "
                                       "variable reference '${a.b..c}'"))))));
}

static void test_from_includes(void) {
  begin();
  put("brand.yaml", "vars: {color: \"#000\", who: base}\n"
                    "defaults: {background: \"${color}\"}\n");
  put("main.yaml", "include: brand.yaml\nvars: {color: \"#fff\"}\n");
  Node *doc = include_resolve(&ctx, "main.yaml");
  Node *n = doc ? vars_expand(&ctx, doc, NULL, NULL) : NULL;
  result("vars-after-merge",
         want_tree(n, "{vars: {color: \"#fff\", who: base}, defaults: "
                      "{background: \"#fff\"}}"));
}

//
// Rows
//
static void test_csv(void) {
  begin();
  put("r.csv", "\xEF\xBB\xBFid,text,n\r\n"
               "1,\"a, b\",x\r\n"
               "2,\"say \"\"hi\"\"\r\nthere\",\r\n"
               "\r\n"
               "3,plain \xC3\xA9,\"\"\n");
  Node *rows = rows_load(&ctx, "r.csv", NULL);
  const char *why =
      want_tree(rows, "[{\"id\": \"1\", \"text\": \"a, b\", \"n\": \"x\"}, "
                      "{\"id\": \"2\", \"text\": \"say \\\"hi\\\"\\nthere\", "
                      "\"n\": \"\"}, {\"id\": \"3\", \"text\": \"plain "
                      "\xC3\xA9\", \"n\": \"\"}]");
  if (!why) {
    Loc a = node_get(rows->items[1], "text")->loc;
    Loc b = node_get(rows->items[2], "n")->loc;
    if (a.line != 3 || a.col != 3 || b.line != 6 || b.col != 11)
      why = unit_fail("locations %d:%d and %d:%d", a.line, a.col, b.line, b.col);
  }
  result("rows-csv", why);
}

static void test_csv_errors(void) {
  begin();
  put("bad.csv", "a,b\n1,2,3\n4\n\"x\"y,2\n");
  Node *rows = rows_load(&ctx, "bad.csv", NULL);
  result("rows-csv-field-count",
         both(rows ? "load succeeded" : NULL,
              both(want_diag("bad.csv:2:5: error: expected 2 fields as in the "
                             "header, found 3"),
                   both(want_diag("bad.csv:3:1: error: expected 2 fields as in "
                                  "the header, found 1"),
                        want_diag("bad.csv:4:4: error: expected ',' or the "
                                  "end of the line after a closing "
                                  "quote")))));
  begin();
  put("open.csv", "a,b\n1,\"never\nclosed\n");
  rows = rows_load(&ctx, "open.csv", NULL);
  result("rows-csv-unterminated",
         both(rows ? "load succeeded" : NULL,
              want_diag("open.csv:2:3: error: unterminated quoted field")));
  begin();
  put("head.csv", "a,,a\n1,2,3\n");
  rows = rows_load(&ctx, "head.csv", NULL);
  result("rows-csv-header",
         both(rows ? "load succeeded" : NULL,
              both(want_diag("head.csv:1:3: error: empty column name in the "
                             "header"),
                   both(want_diag("head.csv:1:4: error: duplicate column name "
                                  "'a'"),
                        want_diag("head.csv:1:1: note: first named here")))));
  begin();
  put("only.csv", "a,b\n\n");
  put("empty.csv", "");
  rows = rows_load(&ctx, "only.csv", NULL);
  Node *rows2 = rows_load(&ctx, "empty.csv", NULL);
  result("rows-csv-empty",
         both(rows || rows2 ? "load succeeded" : NULL,
              both(want_diag("only.csv:1:1: error: rows file has a header but "
                             "no rows"),
                   want_diag("empty.csv:1:1: error: rows file is empty"))));
}

static void test_yaml_rows(void) {
  begin();
  put("r.yaml", "- {id: 1, name: Ann}\n- id: 2\n  name: \"Bob\"\n");
  Node *rows = rows_load(&ctx, "r.yaml", NULL);
  result("rows-yaml",
         want_tree(rows, "[{id: 1, name: Ann}, {id: 2, name: \"Bob\"}]"));
  begin();
  put("bad.yaml", "- {id: [1]}\n- 3\n");
  put("map.yaml", "id: 1\n");
  put("none.yaml", "[]\n");
  rows = rows_load(&ctx, "bad.yaml", NULL);
  Node *r2 = rows_load(&ctx, "map.yaml", NULL);
  Node *r3 = rows_load(&ctx, "none.yaml", NULL);
  Node *r4 = rows_load(&ctx, "data.txt", NULL);
  result("rows-yaml-errors",
         both(rows || r2 || r3 || r4 ? "load succeeded" : NULL,
              both(want_diag("bad.yaml:1:8: error: column 'id' of row 1 must "
                             "be a scalar, found a list"),
                   both(want_diag("bad.yaml:2:3: error: row 2 must be a map, "
                                  "found a number"),
                        both(want_diag("map.yaml:1:1: error: expected a list "
                                       "of rows, found a map"),
                             both(want_diag("none.yaml:1:1: error: rows file "
                                            "has no rows"),
                                  want_diag("hgc: error: unknown type of rows "
                                            "file 'data.txt'")))))));
}

// A rows file cut short while a batch reads it (rewritten under hgc, say):
// rows_next reports it and stops, where the pages of the mapped file past
// its new end would have ended the run with SIGBUS.
static void test_rows_cut(void) {
  begin();
  Buf text;
  buf_init(&text, SIZE_MAX);
  bool ok = buf_addstr(&text, "id,text\n");
  int total = 0;
  while (ok && text.len < (5 << 18)) // past DIAG_MAP_MIN: mapped
    ok = buf_addf(&text, "%d,%s\n", ++total,
                  "the quick brown fox jumps over the lazy dog");
  if (ok && text.len % 4096 == 0) // a whole number of pages is not mapped
    ok = buf_addstr(&text, "x,y\n");
  const char *why = ok ? NULL : "out of memory";
  if (ok)
    unit_write("cut.csv", text.data, text.len);
  buf_free(&text);
  Rows *r = why ? NULL : rows_open(&ctx, "cut.csv", NULL);
  int no, n = 0;
  if (!why && (!r || !rows_next(r, &no)))
    why = unit_fail("no first row:\n%s", captured());
  if (!why) {
    if (truncate("cut.csv", 64 << 10) != 0)
      why = "truncate failed";
    while (rows_next(r, &no))
      n++;
  }
  rows_close(r);
  if (!why)
    why = both(want_diag("cut.csv: error: file was cut short while hgc read it"),
               n + 1 >= total ? "every row was read" : NULL);
  result("rows-cut-short", why);
}

// Descriptors open in this process.
static int open_fds(void) {
  int n = 0;
  for (int fd = 0; fd < 4096; fd++)
    n += fcntl(fd, F_GETFD) != -1;
  return n;
}

// diag.c leaves files read open to close them in runs (close_later): all
// are closed when include_resolve returns, and a low RLIMIT_NOFILE still
// leaves room for every open.
static void test_closes_files(void) {
  char name[64], text[64];
  char *top = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&top, &len);
  fputs("include: [", out);
  mkdir("fds", 0777);
  for (int i = 0; i < 300; i++) {
    // Every tenth in another directory: its descriptor breaks the run.
    snprintf(name, sizeof name, "%sf%d.yaml", i % 10 ? "" : "fds/", i);
    snprintf(text, sizeof text, "k%d: %d\n", i, i);
    put(name, text);
    fprintf(out, "%s%s", i ? ", " : "", name);
  }
  fputs("]\nlast: 1\n", out);
  fclose(out);
  put("fds.yaml", top);
  free(top);
  begin();
  int before = open_fds();
  Node *n = include_resolve(&ctx, "fds.yaml");
  int after = open_fds();
  result("include-closes-files",
         !n || n->npairs != 301 ? unit_fail("got:\n%s", captured())
         : after != before
             ? unit_fail("%d descriptors open before, %d after", before, after)
             : NULL);
  struct rlimit was, low;
  begin();
  if (getrlimit(RLIMIT_NOFILE, &was) != 0) {
    result("include-low-fd-limit", "getrlimit failed");
    return;
  }
  low = was;
  low.rlim_cur = (rlim_t)before + 12;
  bool lowered = setrlimit(RLIMIT_NOFILE, &low) == 0;
  n = include_resolve(&ctx, "fds.yaml");
  setrlimit(RLIMIT_NOFILE, &was);
  result("include-low-fd-limit",
         !lowered                 ? "setrlimit failed"
         : !n || n->npairs != 301 ? unit_fail("got:\n%s", captured())
                                  : NULL);
}

// The "error: ..." texts of the diagnostics, one per line, in order.
static char *error_texts(void) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  for (const char *p = captured(); (p = strstr(p, "error: ")); p++) {
    const char *end = strchr(p, '\n');
    fprintf(f, "%.*s\n", (int)(end ? (size_t)(end - p) : strlen(p)), p);
  }
  fclose(f);
  return out;
}

// Once LIST_AFTER files were opened from a directory, include.c lists it
// and diag.c reads the files it calls regular before any fstat: a file
// bigger than the first read, one of exactly its size, an empty one,
// invalid UTF-8, a FIFO, a directory and the input budget must all come
// out as when each file is read with its fstat first. The odd files are
// included after the fillers (the directory listed by then) and before
// them (not yet listed).
static void test_listed_dir(void) {
  mkdir("ls", 0777);
  mkdir("ls/dir.yaml", 0777);
  mkfifo("ls/fifo.yaml", 0666);
  static char big[40000], exact[32 << 10];
  memset(big, 'x', sizeof big);
  memcpy(big, "big: ", 5);
  big[sizeof big - 1] = '\n';
  memset(exact, 'y', sizeof exact);
  memcpy(exact, "exact: ", 7);
  exact[sizeof exact - 1] = '\n';
  unit_write("ls/big.yaml", big, sizeof big);
  unit_write("ls/exact.yaml", exact, sizeof exact);
  put("ls/empty.yaml", "");
  put("ls/bad.yaml", "bad: \xff\n");
  put("ls/small.yaml", "small: 1\n");
  char name[32], text[32];
  for (int i = 0; i < 8; i++) {
    snprintf(name, sizeof name, "ls/f%d.yaml", i);
    snprintf(text, sizeof text, "f%d: %d\n", i, i);
    put(name, text);
  }
  const char *odd[] = {"big", "exact", "small", "empty", "bad", "fifo", "dir"};
  for (int listed = 0; listed < 2; listed++) {
    char *spec = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&spec, &len);
    fputs("include:\n", f);
    for (int part = 0; part < 2; part++) {
      if (part != listed)
        for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
          fprintf(f, "  - ls/%s.yaml\n", odd[i]);
      else
        for (int i = 0; i < 8; i++)
          fprintf(f, "  - ls/f%d.yaml\n", i);
    }
    fclose(f);
    put(listed ? "warm.yaml" : "cold.yaml", spec);
    free(spec);
  }
  char *errors[2];
  const char *why = NULL;
  for (int listed = 0; listed < 2; listed++) {
    begin();
    if (include_resolve(&ctx, listed ? "warm.yaml" : "cold.yaml"))
      why = "resolve succeeded";
    errors[listed] = error_texts();
    end();
  }
  if (!why && strcmp(errors[0], errors[1]) != 0)
    why = unit_fail("listed:\n%snot listed:\n%s", errors[1], errors[0]);
  if (!why &&
      (!strstr(errors[1], "error: cannot read 'ls/fifo.yaml': not a regular "
                          "file\n") ||
       !strstr(errors[1], "error: cannot read 'ls/dir.yaml': is a "
                          "directory\n") ||
       !strstr(errors[1], "error: invalid UTF-8 byte 0xFF\n")))
    why = unit_fail("missing errors in:\n%s", errors[1]);
  unit_result("include-listed-as-unlisted", why);
  free(errors[0]);
  free(errors[1]);

  // Without the odd ones, the big and exact files read whole.
  put("whole.yaml", "include: [ls/f0.yaml, ls/f1.yaml, ls/f2.yaml, "
                    "ls/f3.yaml, ls/f4.yaml, ls/f5.yaml, ls/f6.yaml, "
                    "ls/f7.yaml, ls/big.yaml, ls/exact.yaml, ls/small.yaml]\n");
  begin();
  Node *n = include_resolve(&ctx, "whole.yaml");
  const Node *b = n ? node_get(n, "big") : NULL;
  const Node *e = n ? node_get(n, "exact") : NULL;
  size_t used = ctx.read_bytes;
  result("include-listed-read-whole",
         !b || !e ? unit_fail("got:\n%s", captured())
         : b->len != sizeof big - 6 || e->len != sizeof exact - 8
             ? unit_fail("big %zu bytes, exact %zu", b->len, e->len)
             : NULL);

  // The input budget runs out at a listed file: the message is the one
  // its size from fstat gives, whether the first read fills what is left
  // of the budget (small) or its 32 KiB (big, with 35,000 bytes left).
  for (int i = 0; i < 2; i++) {
    const char *file = i ? "big" : "small";
    begin();
    ctx.limits.bytes =
        used - (i ? sizeof exact + strlen("small: 1\n") + sizeof big - 35000
                  : 1);
    n = include_resolve(&ctx, "whole.yaml");
    char want[200];
    snprintf(want, sizeof want,
             i ? "error: 'ls/%s.yaml' is too large (limit is %zu bytes; "
                 "raise it with --max-bytes)"
               : "error: 'ls/%s.yaml' takes the input of this spec past %zu "
                 "bytes (the limit; raise it with --max-bytes)",
             file, ctx.limits.bytes);
    result(i ? "include-listed-budget-guess" : "include-listed-budget",
           both(n ? "resolve succeeded" : NULL,
                strstr(captured(), want)
                    ? NULL
                    : unit_fail("no '%s' in:\n%s", want, captured())));
  }
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/hgc-test-resolve-XXXXXX");
  if (!mkdtemp(dir) || chdir(dir) != 0) {
    perror(dir);
    return 2;
  }
  // The root as include.c sees it, symlinks resolved.
  char *real = realpath(dir, NULL);
  snprintf(dir, sizeof dir, "%s", real);
  free(real);
  test_deep_merge();
  test_list_replace();
  test_slot_replace();
  test_vars_plain_merge();
  test_order_and_nesting();
  test_no_mutation();
  test_scene_splice();
  test_splice_in_include();
  test_splice_ignored_keys();
  test_splice_errors();
  test_cycle();
  test_self_cycle();
  test_scene_cycle();
  test_root_escape();
  test_missing_and_bad();
  test_included_from();
  test_version();
  test_limits();
  test_closes_files();
  test_listed_dir();
  test_include_path();
  test_defines();
  test_define_errors();
  test_vars_file();
  test_expand_basic();
  test_whole_types();
  test_map_in_string();
  test_fallback();
  test_literal_dollar();
  test_env();
  test_undefined();
  test_cycles_and_limits();
  test_precedence();
  test_rows_refs();
  test_bad_refs();
  test_from_includes();
  test_csv();
  test_csv_errors();
  test_yaml_rows();
  test_rows_cut();
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return unit_status();
}
