// SPDX-License-Identifier: MIT
// driver.c: chains the stages for one spec file, once per batch row.
//
//   include_resolve -> [rows_open] -> vars_expand -> validate_spec
//   -> [online_check, with --online] -> lower_spec -> the caller's ArtifactFn
//
// Errors are collected within a stage; the driver stops between stages
// when any was reported (style.md §4). Each row compiles in an arena of
// its own, emptied (and its memory reused) before the next, and the rows
// file is read a row at a time (rows_next), so a batch of any length runs
// in the memory of one row plus the spec (and of what the caller keeps
// per artifact). A row's diagnostics are followed by a
// note naming the row, so the user can find it in the data file; rows
// that report exactly what the row before them did (a mistake in the
// spec itself) are summed up in one note instead of repeating it.
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
                        const char *source, const Node *overrides,
                        const Node *row, int row_no, ArtifactFn fn,
                        void *user) {
  int before = ctx->nerrors;
  Node *expanded = vars_expand(ctx, doc, overrides, row);
  if (!expanded || ctx->nerrors > before)
    return false;
  Spec *spec = validate_spec(ctx, expanded, path, source);
  if (!spec || ctx->nerrors > before)
    return false;
  if (ctx->catalogue && !online_check(ctx, spec))
    return false;
  Request req = lower_spec(ctx, spec);
  return fn(ctx, spec, &req, row, row_no, user);
}

// The rows of a batch, from --rows or the spec's `rows:`; NULL when the
// spec is not a batch (*failed tells an error from no batch).
static Rows *open_rows(Ctx *ctx, const Node *doc, const CompileOptions *opts,
                       bool *failed) {
  *failed = false;
  Rows *rows = NULL;
  if (opts->rows) {
    rows = rows_open(ctx, opts->rows, NULL);
  } else {
    const Node *n = node_get(doc, "rows");
    if (!n)
      return NULL;
    if (n->kind != NK_SCALAR || node_type(n) != ST_STRING) {
      error_at(ctx, n->loc, "write rows: data.csv", "'rows' must be a path");
      *failed = true;
      return NULL;
    }
    if (strstr(n->text, "${")) { // rows: data-${x}.csv
      error_at(ctx, n->loc, "write the path out, or pass --rows FILE",
               "the 'rows' path cannot use variables (it is read before "
               "variables are expanded)");
      *failed = true;
      return NULL;
    }
    const char *path = include_path(ctx, n, n->text);
    rows = path ? rows_open(ctx, path, &n->loc) : NULL;
  }
  *failed = rows == NULL;
  return rows;
}

// Diagnostics of one batch row, held back until the row is done: when a
// row reports exactly what the last reporting row did (a mistake in the
// spec, not in the data), its copy is dropped and one note lists such
// rows. Otherwise the row's diagnostics are followed by a note naming it.
typedef struct {
  FILE *saved; // ctx->err while capturing
  FILE *mem;   // the capture; kept open while rows report nothing
  char *text;  // this row's diagnostics (open_memstream)
  size_t len;
  char *last; // the last printed row's diagnostics
  size_t last_len;
  int last_row;    // its number
  bool last_error; // it had errors, not only warnings
  int same_from;   // rows same_from..same_to reported the same
  int same_to;
  int nsame;
  Loc same_at; // where the first of them is
} RowLog;

static void log_begin(Ctx *ctx, RowLog *log) {
  if (!log->mem)
    log->mem = open_memstream(&log->text, &log->len);
  log->saved = ctx->err;
  if (log->mem) // without it, diagnostics go out at once, repeats and all
    ctx->err = log->mem;
}

// "rows 2 to 20 had the same errors as row 1", for the dropped copies.
static void log_flush_same(Ctx *ctx, RowLog *log) {
  const char *what = log->last_error ? "errors" : "warnings";
  if (!log->nsame)
    return;
  if (log->nsame == 1)
    note_at(ctx, log->same_at, "row %d had the same %s as row %d",
            log->same_from, what, log->last_row);
  else if (log->nsame == log->same_to - log->same_from + 1)
    note_at(ctx, log->same_at, "rows %d to %d had the same %s as row %d",
            log->same_from, log->same_to, what, log->last_row);
  else
    note_at(ctx, log->same_at,
            "%d rows from row %d to row %d had the same %s as row %d",
            log->nsame, log->same_from, log->same_to, what, log->last_row);
  log->nsame = 0;
}

static void note_row(Ctx *ctx, const Node *row, int row_no) {
  note_at(ctx, row->loc, "in row %d of '%s'", row_no,
          row->loc.file ? diag_display(ctx, row->loc.file) : "the rows");
}

// Ends a capture; false when there was one and it holds nothing, which
// leaves the stream open for the next: opening one per row cost more
// than compiling a small row.
static bool log_stop(Ctx *ctx, RowLog *log) {
  if (ctx->err == log->saved)
    return true;
  ctx->err = log->saved;
  if (fflush(log->mem) == 0 && !log->len)
    return false;
  fclose(log->mem);
  log->mem = NULL;
  return true;
}

// The next row. What reading it reports (a problem of the rows file) is
// printed as it is, after the note on the rows before it.
static const Node *log_next_row(Ctx *ctx, RowLog *log, Rows *rows,
                                int *row_no) {
  log_begin(ctx, log);
  const Node *row = rows_next(rows, row_no);
  if (log_stop(ctx, log)) {
    log_flush_same(ctx, log);
    if (log->text)
      fwrite(log->text, 1, log->len, ctx->err);
    free(log->text);
    log->text = NULL;
    log->len = 0;
  }
  return row;
}

// Ends the capture of row `row_no` and prints what it held, with a note
// naming the row, unless it is what the last printed row held.
static void log_end(Ctx *ctx, RowLog *log, const Node *row, int row_no,
                    bool failed) {
  if (!log_stop(ctx, log))
    return;
  if (!log->text) { // not captured: already printed
    if (failed)
      note_row(ctx, row, row_no);
  } else if (!log->len) {
    // the row reported nothing
  } else if (log->last && log->len == log->last_len &&
             failed == log->last_error &&
             memcmp(log->text, log->last, log->len) == 0) {
    if (!log->nsame++) {
      log->same_from = row_no;
      log->same_at = row->loc;
    }
    log->same_to = row_no;
  } else {
    log_flush_same(ctx, log);
    fwrite(log->text, 1, log->len, ctx->err);
    note_row(ctx, row, row_no);
    free(log->last);
    log->last = log->text;
    log->last_len = log->len;
    log->last_row = row_no;
    log->last_error = failed;
    log->text = NULL;
  }
  free(log->text);
  log->text = NULL;
  log->len = 0;
}

// Compiles every row, so one run lists the errors of all rows; returns
// the number of artifacts, or -1.
static int compile_rows(Ctx *ctx, const Node *doc, const char *path,
                        const char *source, const Node *overrides, Rows *rows,
                        ArtifactFn fn, void *user) {
  int count = 0;
  Arena *spec_arena = ctx->arena;
  Arena *row_arena = arena_new(); // emptied after each row, and reused
  RowLog log = {0};
  const Node *row;
  int no;
  while ((row = log_next_row(ctx, &log, rows, &no))) {
    if (ctx->nerrors >= HGC_MAX_ERRORS) {
      log_flush_same(ctx, &log);
      note_at(ctx, row->loc,
              "rows from row %d on were not checked: too many "
              "errors (limit is %d)",
              no, HGC_MAX_ERRORS);
      count = -1;
      break;
    }
    if (ctx->built_bytes > ctx->limits.expansion) { // reported by a row
      log_flush_same(ctx, &log);
      note_at(ctx, row->loc,
              "rows from row %d on were not checked: the expansion "
              "limit is spent",
              no);
      count = -1;
      break;
    }
    int before = ctx->nerrors;
    ctx->arena = row_arena;
    log_begin(ctx, &log);
    bool ok =
        compile_one(ctx, doc, path, source, overrides, row, no, fn, user);
    bool failed = !ok || ctx->nerrors > before;
    log_end(ctx, &log, row, no, failed);
    if (failed)
      count = -1;
    else if (count >= 0)
      count++;
    arena_reset(row_arena);
    ctx->arena = spec_arena;
  }
  arena_free(row_arena);
  log_flush_same(ctx, &log);
  if (log.mem)
    fclose(log.mem);
  free(log.text);
  free(log.last);
  return count;
}

int driver_compile(Ctx *ctx, const char *path, const CompileOptions *opts,
                   const Node *overrides, ArtifactFn fn, void *user) {
  Arena *outer = ctx->arena;
  ctx->arena = arena_new();
  int errors = ctx->nerrors; // errors of earlier specs do not stop this one
  int count = -1;
  ctx->read_bytes = ctx->built_bytes = 0; // the limits are per spec
  bool failed = false;
  Node *doc = include_resolve(ctx, path);
  Rows *rows =
      doc && ctx->nerrors == errors ? open_rows(ctx, doc, opts, &failed) : NULL;
  if (doc && !failed && ctx->nerrors == errors) {
    const char *source = validate_source(ctx, path);
    if (rows)
      count = compile_rows(ctx, doc, path, source, overrides, rows, fn, user);
    else
      count = compile_one(ctx, doc, path, source, overrides, NULL, 0, fn, user)
                  ? 1
                  : -1;
  }
  rows_close(rows);
  arena_free(ctx->arena);
  ctx->arena = outer;
  return ctx->nerrors > errors ? -1 : count;
}
