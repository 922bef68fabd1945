// SPDX-License-Identifier: MIT
// driver.c: chains the stages for one spec file, once per batch row.
//
//   include_resolve -> [rows_load] -> vars_expand -> validate_spec
//   -> lower_spec -> the caller's ArtifactFn
//
// Errors are collected within a stage; the driver stops between stages
// when any was reported (style.md §4). Each row compiles in an arena of
// its own, freed before the next, so a batch of any length runs in the
// memory of one row plus the spec. An error in a row is followed by a
// note naming the row, so the user can find it in the data file.
#include "hgc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *driver_root(Ctx *ctx, const char *opt_root) {
  char buf[PATH_MAX];
  if (opt_root) {
    struct stat st;
    if (!realpath(opt_root, buf) || stat(buf, &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
      msg_error("--root '%s' is not a directory", opt_root);
      return NULL;
    }
    return arena_strdup(ctx->perm, buf);
  }
  if (!getcwd(buf, sizeof buf)) {
    msg_error("cannot find the current directory");
    return NULL;
  }
  // Walk up to the nearest directory holding .git (a dir, or a file in a
  // worktree or submodule).
  char probe[PATH_MAX + 8];
  for (size_t n = strlen(buf); n > 0;) {
    struct stat st;
    snprintf(probe, sizeof probe, "%.*s/.git", (int)n, buf);
    if (stat(probe, &st) == 0)
      return arena_strndup(ctx->perm, buf, n ? n : 1);
    while (n > 0 && buf[n - 1] != '/')
      n--;
    if (n > 0)
      n--; // drop the slash; "" means we passed the filesystem root
  }
  if (!getcwd(buf, sizeof buf))
    return NULL;
  return arena_strdup(ctx->perm, buf);
}

// Runs the stages after include resolution for one row (or no row).
static bool compile_one(Ctx *ctx, const Node *doc, const char *path,
                        const Node *overrides, const Node *row, int row_no,
                        ArtifactFn fn, void *user) {
  int before = ctx->nerrors;
  Node *expanded = vars_expand(ctx, doc, overrides, row);
  if (!expanded || ctx->nerrors > before)
    return false;
  Spec *spec = validate_spec(ctx, expanded, path);
  if (!spec || ctx->nerrors > before)
    return false;
  Request req = lower_spec(ctx, spec);
  bool ok = fn(ctx, spec, &req, row, row_no, user);
  json_decref(req.body);
  return ok;
}

// The rows of a batch, from --rows or the spec's `rows:`; NULL when the
// spec is not a batch (*failed tells an error from no batch).
static Node *load_rows(Ctx *ctx, const Node *doc, const CompileOptions *opts,
                       bool *failed) {
  *failed = false;
  Node *rows = NULL;
  if (opts->rows) {
    rows = rows_load(ctx, opts->rows, NULL);
  } else {
    const Node *n = node_get(doc, "rows");
    if (!n)
      return NULL;
    if (n->kind != NK_SCALAR || node_type(n) != ST_STRING) {
      error_at(ctx, n->loc, "write rows: data.csv", "'rows' must be a path");
      *failed = true;
      return NULL;
    }
    const char *path = include_path(ctx, n, n->text);
    rows = path ? rows_load(ctx, path, &n->loc) : NULL;
  }
  *failed = rows == NULL;
  return rows;
}

int driver_compile(Ctx *ctx, const char *path, const CompileOptions *opts,
                   const Node *overrides, ArtifactFn fn, void *user) {
  Arena *outer = ctx->arena;
  ctx->arena = arena_new();
  int errors = ctx->nerrors; // errors of earlier specs do not stop this one
  int count = -1;
  bool failed = false;
  Node *doc = include_resolve(ctx, path);
  Node *rows = doc && ctx->nerrors == errors
                   ? load_rows(ctx, doc, opts, &failed)
                   : NULL;
  if (!doc || failed || ctx->nerrors > errors) {
    // reported
  } else if (!rows) {
    count = compile_one(ctx, doc, path, overrides, NULL, 0, fn, user) ? 1
                                                                      : -1;
  } else {
    count = 0;
    Arena *spec_arena = ctx->arena;
    for (int i = 0; i < rows->nitems; i++) {
      int before = ctx->nerrors;
      ctx->arena = arena_new();
      bool ok = compile_one(ctx, doc, path, overrides, rows->items[i], i + 1,
                            fn, user);
      // Every row is checked, so one run lists the errors of all rows.
      if (!ok || ctx->nerrors > before) {
        note_at(ctx, rows->items[i]->loc, "in row %d of '%s'", i + 1,
                rows->items[i]->loc.file ? rows->items[i]->loc.file->display
                                         : "the rows");
        count = -1;
      } else if (count >= 0) {
        count++;
      }
      arena_free(ctx->arena);
      ctx->arena = spec_arena;
    }
  }
  arena_free(ctx->arena);
  ctx->arena = outer;
  return ctx->nerrors > errors ? -1 : count;
}
