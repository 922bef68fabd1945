// SPDX-License-Identifier: MIT
// rows.c: batch rows (CSV or YAML) -> maps, one row at a time.
//
// Input: a rows file, chosen by its extension: .csv, or .yaml/.yml.
// Output: one map per data row, keyed by column name, in file order, a
// row at a time, each row in an arena emptied for the next, so a batch of
// any length holds one row (the file itself is mapped, and read through a
// window: diag_map_file). A CSV file is read twice: once to report every
// problem it has before any row compiles, then as the rows compile. A
// YAML file is read once, as the rows compile: a second parse would cost
// as much as a tenth of a row. Its problems are reported when the reader
// reaches them, after the diagnostics of the rows before: one that stops
// reading (YAML that never closes, too many nodes) ends the rows, a row
// of the wrong shape is skipped, and either fails the build, which then
// writes nothing. A YAML file that holds no rows, or a YAML error before
// the first row ends, is reported before any row compiles. CSV follows
// RFC 4180: a header row, then records of comma-separated fields; a
// quoted field may hold commas, line breaks and doubled quotes; records
// end in CRLF or LF (a lone CR too); lines with nothing on them are
// skipped. Every cell is a quoted-style scalar, a string, at its own line
// and column; a CRLF inside a quoted cell reads as LF, so a file gives
// the same text on any system. YAML rows are a list of maps whose
// values are scalars. A rows file without rows is an error: a batch of
// nothing would quietly build nothing.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
  Ctx *ctx;
  Arena *keep; // outlives the rows: the cells array
  SourceFile *f;
  size_t pos;   // next byte of f->text
  size_t mark;  // an offset whose position is known...
  Loc mark_loc; // ...and that position
  int ncells;   // cells read so far, against ctx->limits.cells
  bool stop;    // an error after which the rest cannot be read
  Node **cells; // the current record's cells, reused
  int n;
  int cap;
} Csv;

// The position of byte `pos`. Positions are asked for in file order, so
// counting on from the last one keeps a long line linear (diag_loc
// would count from the line start each time).
static Loc csv_loc(Csv *c, size_t pos) {
  if (pos < c->mark || !c->mark_loc.file)
    return c->mark_loc = diag_loc(c->f, c->mark = pos);
  for (; c->mark < pos; c->mark++) {
    unsigned char ch = (unsigned char)c->f->text[c->mark];
    if (ch == '\n')
      c->mark_loc.line++, c->mark_loc.col = 1;
    else if ((ch & 0xC0) != 0x80) // not a UTF-8 continuation byte
      c->mark_loc.col++;
  }
  return c->mark_loc;
}

static bool at_eol(const Csv *c) {
  return c->pos >= c->f->len || c->f->text[c->pos] == '\n' ||
         c->f->text[c->pos] == '\r';
}

static void skip_eol(Csv *c) {
  const char *t = c->f->text;
  if (c->pos < c->f->len && t[c->pos] == '\r')
    c->pos++;
  if (c->pos < c->f->len && t[c->pos] == '\n')
    c->pos++;
}

// A quoted field: "" is a quote, CRLF reads as LF. pos is at the opening
// quote; NULL (and stop) when it never closes.
static Node *quoted_field(Csv *c, Loc at) {
  const char *t = c->f->text;
  size_t len = c->f->len;
  size_t close = c->pos + 1;
  while (close < len &&
         !(t[close] == '"' && (close + 1 >= len || t[close + 1] != '"')))
    close += t[close] == '"' ? 2 : 1;
  if (close >= len) {
    error_at(c->ctx, at, "close the field with '\"'",
             "unterminated quoted field");
    c->stop = true;
    return NULL;
  }
  char *text = arena_calloc(c->ctx->arena, close - c->pos);
  size_t n = 0;
  for (size_t i = c->pos + 1; i < close; i++) {
    if (t[i] == '"' || (t[i] == '\r' && t[i + 1] == '\n'))
      i++;
    text[n++] = t[i];
  }
  c->pos = close + 1;
  Node *cell = node_new_scalar(c->ctx, at, text, n, SC_QUOTED);
  cell->end = loc_pos(csv_loc(c, c->pos));
  if (!at_eol(c) && t[c->pos] != ',') {
    error_at(c->ctx, csv_loc(c, c->pos),
             "write a quote inside a quoted field as \"\"",
             "expected ',' or the end of the line after a closing quote");
    while (!at_eol(c) && t[c->pos] != ',')
      c->pos++;
  }
  return cell;
}

// The next field, pos at its first byte; leaves pos at the ',' or line
// end after it.
static Node *field(Csv *c) {
  const char *t = c->f->text;
  Loc at = csv_loc(c, c->pos);
  if (++c->ncells > c->ctx->limits.cells) {
    error_at(c->ctx, at, "split the rows into several files",
             "too many cells in the rows file (limit is %d; raise it with "
             "--max-cells)",
             c->ctx->limits.cells);
    c->stop = true;
    return NULL;
  }
  if (c->pos < c->f->len && t[c->pos] == '"')
    return quoted_field(c, at);
  size_t start = c->pos;
  while (!at_eol(c) && t[c->pos] != ',')
    c->pos++;
  Node *n = node_new_scalar(c->ctx, at, t + start, c->pos - start, SC_QUOTED);
  n->end = loc_pos(csv_loc(c, c->pos));
  return n;
}

// Reads one record into c->cells; false at the end of the text or after
// an error that stops reading.
static bool record(Csv *c, Loc *at) {
  const char *t = c->f->text;
  while (c->pos < c->f->len && (t[c->pos] == '\n' || t[c->pos] == '\r'))
    c->pos++; // a blank line holds no record
  if (c->pos >= c->f->len)
    return false;
  *at = csv_loc(c, c->pos);
  c->n = 0;
  for (;;) {
    Node *cell = field(c);
    if (!cell)
      return false;
    if (c->n == c->cap) {
      Node **old = c->cells;
      c->cap = c->cap ? c->cap * 2 : 16;
      c->cells = arena_calloc(c->keep, sizeof *old * (size_t)c->cap);
      if (c->n)
        memcpy(c->cells, old, sizeof *old * (size_t)c->n);
    }
    c->cells[c->n++] = cell;
    if (at_eol(c))
      break;
    c->pos++; // the ','
  }
  skip_eol(c);
  return true;
}

typedef struct {
  const Node *cell;
  int index; // column number, so equal names sort in file order
} Column;

static int cmp_columns(const void *a, const void *b) {
  const Column *x = a;
  const Column *y = b;
  if (x->cell->len != y->cell->len)
    return x->cell->len < y->cell->len ? -1 : 1;
  int c = memcmp(x->cell->text, y->cell->text, x->cell->len);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

// Header names must be given and distinct; they are sorted to find
// repeats, as a header may be long. Returns the header's cells; errors
// come in file order.
static Node **read_header(Csv *c, int *ncols) {
  Ctx *ctx = c->ctx;
  int n = c->n;
  Node **cols = arena_calloc(ctx->arena, sizeof *cols * (size_t)n);
  Column *sorted = arena_calloc(ctx->arena, sizeof *sorted * (size_t)n);
  const Node **first = arena_calloc(ctx->arena, sizeof *first * (size_t)n);
  for (int i = 0; i < n; i++) {
    cols[i] = c->cells[i];
    sorted[i] = (Column){cols[i], i};
  }
  qsort(sorted, (size_t)n, sizeof *sorted, cmp_columns);
  for (int i = 1, group = 0; i < n; i++) {
    const Node *a = sorted[group].cell;
    const Node *b = sorted[i].cell;
    if (a->len == b->len && memcmp(a->text, b->text, a->len) == 0)
      first[sorted[i].index] = a;
    else
      group = i;
  }
  for (int i = 0; i < n; i++) {
    if (!cols[i]->len) {
      error_at(ctx, cols[i]->loc, "name every column",
               "empty column name in the header");
    } else if (first[i]) {
      error_at(ctx, cols[i]->loc, "rename one of the columns",
               "duplicate column name '%s'", cols[i]->text);
      note_at(ctx, first[i]->loc, "first named here");
    }
  }
  *ncols = n;
  return cols;
}

struct Rows {
  Ctx *ctx;
  SourceFile *f;
  Arena *items;    // the current row, emptied before the next
  bool keep_items; // YAML anchors: a later row may alias an earlier one
  int nrows;       // rows read so far, good or not
  bool ended;      // the end was reached and its errors reported
  // CSV
  Csv csv;     // at the first record after the header, then onwards
  Node **cols; // the header's cells
  int ncols;
  Loc header;
  // YAML
  Loader *yaml;
  const Node *first; // the first row, read by rows_open to see it is one
};

// The next record as a row; NULL at the end or after an error that
// stops reading. A record of the wrong length is reported, and stands as
// an empty row (rows_next skips it).
static const Node *next_csv(Rows *r) {
  Csv *c = &r->csv;
  Loc at;
  if (!record(c, &at))
    return NULL;
  diag_release(r->f, c->pos);
  if (c->n != r->ncols) {
    error_at(r->ctx, c->n > r->ncols ? c->cells[r->ncols]->loc : at,
             c->n > r->ncols ? "quote fields that contain commas"
                             : "add the missing fields (an empty one is "
                               "written ,,)",
             "expected %d field%s as in the header, found %d", r->ncols,
             r->ncols == 1 ? "" : "s", c->n);
    return node_new_map(r->ctx, at);
  }
  Node *row = node_new_map(r->ctx, at);
  for (int i = 0; i < r->ncols; i++)
    node_map_put(r->ctx, row, r->cols[i], c->cells[i]);
  return row;
}

// Reports a row that is not a map of scalars.
static void row_shape(Ctx *ctx, const Node *row, int row_no) {
  if (row->kind != NK_MAP) {
    error_at(ctx, row->loc, "write the row as 'column: value' pairs",
             "row %d must be a map, found %s", row_no, node_kind_name(row));
    return;
  }
  for (int j = 0; j < row->npairs; j++) {
    const Node *v = row->pairs[j].value;
    if (v->kind != NK_SCALAR)
      error_at(ctx, v->loc, "give the column one value",
               "column '%s' of row %d must be a scalar, found %s",
               row->pairs[j].key->text, row_no, node_kind_name(v));
  }
}

// The next list item, its shape reported when it is not a row of
// scalars; NULL at the end or after an error that stops reading.
static const Node *next_yaml(Rows *r) {
  const Node *row = r->first;
  r->first = NULL;
  if (!row && (row = load_stream_next(r->yaml))) {
    r->keep_items = load_stream_anchored(r->yaml);
    // The text before the row may leave memory (diag_release).
    diag_release(r->f, diag_offset(r->f, row->loc.line, 1));
  }
  if (row)
    row_shape(r->ctx, row, r->nrows + 1);
  return row;
}

// What the end of the file tells: a CSV header with no rows under it; a
// YAML file read to its end (its first row was seen by rows_open).
static void end_rows(Rows *r) {
  if (r->ended)
    return;
  r->ended = true;
  if (r->yaml) {
    load_stream_end(r->yaml);
    r->yaml = NULL;
  } else if (!r->csv.stop && !r->nrows) {
    error_at(r->ctx, r->header, "add one line per video under the header",
             "rows file has a header but no rows");
  }
}

const Node *rows_next(Rows *r, int *row_no) {
  Ctx *ctx = r->ctx;
  Arena *keep = ctx->arena;
  ctx->arena = r->items;
  const Node *row;
  bool yaml = r->yaml != NULL;
  for (;;) {
    if (!r->keep_items && !r->first)
      arena_reset(r->items);
    int errors = ctx->nerrors;
    row = r->ended ? NULL : yaml ? next_yaml(r) : next_csv(r);
    if (diag_cut_short(r->f) && !r->ended) {
      diag_report_cut(ctx, r->f);
      r->csv.stop = true; // no "no rows" message: the rows were cut
      row = NULL;
    }
    if (!row)
      break;
    r->nrows++;
    if (ctx->nerrors == errors) // a row the reader reported is skipped
      break;
  }
  if (!row)
    end_rows(r);
  ctx->arena = keep;
  *row_no = r->nrows;
  return row;
}

static bool has_ext(const char *path, const char *ext) {
  size_t n = strlen(path);
  size_t e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

// Reads the header; false after reporting an empty file.
static bool open_csv(Rows *r) {
  Csv *c = &r->csv;
  if (!record(c, &r->header)) {
    if (!c->stop)
      error_at(r->ctx, (Loc){r->f, 1, 1},
               "write a header line, then one line per video",
               "rows file is empty");
    return false;
  }
  r->cols = read_header(c, &r->ncols);
  return true;
}

// Reads up to the first row, to report a file that holds no list of rows
// before any row compiles; false after reporting.
static bool open_yaml(Rows *r) {
  Ctx *ctx = r->ctx;
  r->yaml = load_stream(ctx, r->f);
  Arena *keep = ctx->arena;
  ctx->arena = r->items;
  r->first = load_stream_next(r->yaml);
  ctx->arena = keep;
  if (r->first) {
    r->keep_items = load_stream_anchored(r->yaml);
    return true;
  }
  Node *doc = load_stream_end(r->yaml);
  r->yaml = NULL;
  r->ended = true;
  if (!doc)
    return false;
  if (doc->kind != NK_SEQ)
    error_at(ctx, doc->loc, "write one '- column: value' map per row",
             "expected a list of rows, found %s", node_kind_name(doc));
  else
    error_at(ctx, doc->loc, "add a map per row", "rows file has no rows");
  return false;
}

Rows *rows_open(Ctx *ctx, const char *path, const Loc *from) {
  int errors = ctx->nerrors;
  bool csv = has_ext(path, ".csv");
  if (!csv && !has_ext(path, ".yaml") && !has_ext(path, ".yml")) {
    error_at(ctx, from ? *from : (Loc){0}, "use a .csv, .yaml or .yml file",
             "unknown type of rows file '%s'", path);
    return NULL;
  }
  SourceFile *f = diag_map_file(ctx, path, from);
  if (!f)
    return NULL;
  Rows *r = arena_calloc(ctx->arena, sizeof *r);
  *r = (Rows){.ctx = ctx, .f = f, .items = arena_new()};
  r->csv = (Csv){.ctx = ctx, .keep = ctx->arena, .f = f};
  bool ok = csv ? open_csv(r) : open_yaml(r);
  if (ok && (csv || ctx->nerrors != errors)) {
    // Every row is read for its errors first: always for CSV, where it
    // costs little and keeps the cells limit from compiling 200,000 rows
    // before failing; for YAML, whose second parse would cost a tenth of
    // each row, only after an error before the first row ends.
    Csv start = r->csv;
    int row_no;
    while (rows_next(r, &row_no))
      ;
    r->csv = start;
    r->nrows = 0;
    r->ended = false;
  }
  if (!ok || ctx->nerrors != errors) {
    rows_close(r);
    return NULL;
  }
  return r;
}

void rows_close(Rows *r) {
  if (!r)
    return;
  if (r->yaml) {
    load_stream_end(r->yaml);
  }
  arena_free(r->items);
}
