// SPDX-License-Identifier: MIT
// fuzz_compile.c: libFuzzer harness for the whole compile path.
//
// Each input is written to spec.yaml in a temp directory made once per
// run, which is also the project root, and compiled as `hgc build` would:
// includes, rows, variables, validation, lowering, then the artifact as
// canonical JSON (emit_artifact + emit_jval_to). The directory holds a few
// files an input may name (inc.yaml, scenes.yaml, rows.csv, rows.yaml,
// bg.png), so includes, batches and assets are reached too. Diagnostics
// go to /dev/null; everything is freed per input, so a leak is a crash.
//
// The node, nesting and expansion limits are lowered, so that inputs
// which would only run into the default limits slowly hit them at once:
// the code that enforces a limit is the same at any value.
#include "../../compiler/hgc.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[PATH_MAX]; // the temp directory, absolute
static char spec[PATH_MAX];
static FILE *devnull;

// out = dir/name; out holds PATH_MAX bytes.
static void path_in(char *out, const char *name) {
  if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
    abort();
}

static void put(const char *name, const void *data, size_t len) {
  char path[PATH_MAX];
  path_in(path, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
    perror(path);
    abort();
  }
  close(fd);
}

static const char *const helpers[][2] = {
    {"inc.yaml", "hgc: 1\nvars: {who: Ana, speed: 1.1}\n"
                 "defaults:\n  avatar: Daisy-inskirt-20220818\n"
                 "  voice: {id: 2d5b0e6cf36f460aa7fc47e3eee4ba54}\n"},
    {"scenes.yaml", "- script: Hello ${who}.\n- silence: 1s\n"},
    {"rows.csv", "id,who,speed\na,Ana,1.1\nb,\"Ben, Jr.\",\n"},
    {"rows.yaml", "- {id: a, who: Ana}\n- {id: b, who: Ben}\n"},
};

static void cleanup(void) {
  char path[PATH_MAX];
  for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++) {
    path_in(path, helpers[i][0]);
    unlink(path);
  }
  path_in(path, "bg.png");
  unlink(path);
  unlink(spec);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/hgc-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  char real[PATH_MAX];
  if (!mkdtemp(dir) || !realpath(dir, real)) {
    perror(dir);
    abort();
  }
  snprintf(dir, sizeof dir, "%s", real);
  path_in(spec, "spec.yaml");
  for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
    put(helpers[i][0], helpers[i][1], strlen(helpers[i][1]));
  static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                      0x1a, '\n', 0,   0,   0,    13};
  put("bg.png", png, sizeof png);
  devnull = fopen("/dev/null", "w");
  if (!devnull)
    abort();
  atexit(cleanup);
  return 0;
}

static bool emit(Ctx *ctx, const Spec *spec, const Request *req,
                 const Node *row, int row_no, void *user) {
  (void)row, (void)row_no, (void)user;
  const Jval *doc = emit_artifact(ctx->arena, spec, req);
  Buf text;
  buf_init(&text, 64 << 20);
  if (doc && emit_jval_to(&text, doc))
    buf_free(&text);
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  put("spec.yaml", data, size);
  Ctx ctx;
  ctx_init(&ctx);
  ctx.err = devnull;
  ctx.root = dir;
  ctx.limits.nodes = 20000;
  ctx.limits.depth = 32;
  ctx.limits.includes = 50;
  ctx.limits.expansion = 4 << 20;
  CompileOptions opts = {0};
  Node *overrides = vars_overrides(&ctx, &opts.vars);
  if (overrides)
    driver_compile(&ctx, spec, &opts, overrides, emit, NULL);
  ctx_free(&ctx);
  return 0;
}
