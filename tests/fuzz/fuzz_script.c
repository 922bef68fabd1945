// SPDX-License-Identifier: MIT
// fuzz_script.c: libFuzzer harness for the script and pause parser.
//
// The first byte of an input chooses how the rest is presented:
//   bits 0-1  the scalar's style: plain, quoted, block (3: quoted)
//   bit 2     a list: the text is split at line breaks into items, and a
//             line "pause: X" becomes the item {pause: X}
//   bits 3-4  the plan: 500, 1500, 3000 or 5000 characters
// The text becomes scalar nodes located in a source file holding it, so
// that positions inside scalars (node_text_loc) are worked out against
// text that may not match them. script_compile runs on the script and
// script_duration on the text as a duration. Diagnostics go to /dev/null.
#include "../../compiler/hgc.h"

#include <stdlib.h>
#include <string.h>

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  devnull = fopen("/dev/null", "w");
  if (!devnull)
    abort();
  return 0;
}

static Node *scalar(Ctx *ctx, SourceFile *f, const char *text, size_t len,
                    ScalarStyle style) {
  size_t off = (size_t)(text - f->text) <= f->len ? (size_t)(text - f->text)
                                                  : f->len;
  Node *n = node_new_scalar(ctx, diag_loc(f, off), text, len, style);
  n->end = loc_pos(diag_loc(f, off + len <= f->len ? off + len : f->len));
  return n;
}

// One "pause: X" line as {pause: X}, any other line as text.
static Node *item(Ctx *ctx, SourceFile *f, const char *line, size_t len,
                  ScalarStyle style) {
  static const char pause[] = "pause:";
  size_t plen = sizeof pause - 1;
  if (len < plen || memcmp(line, pause, plen) != 0)
    return scalar(ctx, f, line, len, style);
  Node *map = node_new_map(ctx, diag_loc(f, (size_t)(line - f->text)));
  Node *key = scalar(ctx, f, line, plen - 1, SC_PLAIN);
  const char *v = line + plen;
  size_t vlen = len - plen;
  while (vlen && *v == ' ')
    v++, vlen--;
  node_map_put(ctx, map, key, scalar(ctx, f, v, vlen, SC_PLAIN));
  return map;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  static const int plans[] = {500, 1500, 3000, 5000};
  static const ScalarStyle styles[] = {SC_PLAIN, SC_QUOTED, SC_BLOCK,
                                       SC_QUOTED};
  unsigned mode = data[0];
  Ctx ctx;
  ctx_init(&ctx);
  ctx.err = devnull;
  ctx.plan_chars = plans[(mode >> 3) & 3];
  ScalarStyle style = styles[mode & 3];
  // The source keeps the input's bytes; diag_text_file stops at a NUL,
  // so a text holding one is located against the part before it.
  char *text = arena_strndup(ctx.arena, (const char *)data + 1, size - 1);
  SourceFile *f = diag_text_file(&ctx, "script.yaml", text);
  size_t len = size - 1;
  const char *t = f->text;
  Node *script;
  if (mode & 4) {
    script = node_new_seq(&ctx, (Loc){f, 1, 1});
    for (size_t i = 0; i <= len && i <= f->len;) {
      const char *nl = memchr(t + i, '\n', f->len - i);
      size_t end = nl ? (size_t)(nl - t) : f->len;
      node_seq_push(&ctx, script, item(&ctx, f, t + i, end - i, style));
      i = end + 1;
    }
  } else {
    script = node_new_scalar(&ctx, (Loc){f, 1, 1}, text, len, style);
    script->end = loc_pos(diag_loc(f, f->len));
  }
  Script out;
  script_compile(&ctx, script, 1, &out);
  long ms;
  const char *hint;
  Node *d = node_new_scalar(&ctx, (Loc){f, 1, 1}, text, len, style);
  if (!script_duration(&ctx, d, &ms, &hint)) { // ms is set only then
    char secs[32];
    script_format_seconds(ms, secs);
  }
  ctx_free(&ctx);
  return 0;
}
