// SPDX-License-Identifier: MIT
// scan.c: the YAML that specs are written in, read without libyaml.
//
// Spec files keep to a small part of YAML: maps and lists indented with
// spaces, [...] and {...} on one line, and one-line scalars, plain or
// quoted without escapes. scan_yaml reads such a file in one pass into
// the events libyaml's parser would give, with the same marks, and load.c
// builds the tree from them as it does from libyaml's. At anything else
// (anchors, tags, block scalars, escapes, a scalar or [...] over several
// lines, tabs, CRs, document markers, and every error) it gives up, and
// load.c reads the file with libyaml from the start: so every message
// about bad YAML is still libyaml's.
//
// Why: libyaml decodes each character into a buffer and allocates a token
// and a string per scalar; on a tree of a few hundred small includes that
// was most of hgc's time. tests/unit/test_scan.c checks, on every YAML
// file of the tests and on thousands of mutations of them, that what
// scan_yaml accepts gives exactly libyaml's events.
#include "hgc.h"

#include <stdlib.h>

// Deeper nesting goes to libyaml (and the loader's --max-depth check).
#define SCAN_DEPTH 32
// libyaml takes a key of up to 1024 characters; bytes are at least as many.
#define SCAN_KEY 1000

typedef struct {
  const char *s;
  size_t n;
  size_t i;      // the next byte
  int line;      // 1-based, of s[i]
  size_t bol;    // where that line starts
  bool ascii;    // the text is all ASCII: a column is a byte offset
  size_t col_at; // else col_of's last answer: the column of s[col_at]
  int col;
  bool eof; // no content is left
  int depth;
  ScanEvents *out;
} Scanner;

// Does the text hold a byte libyaml reads differently from this scanner:
// a tab, a CR or another control, or the start of NEL, LS, PS, a C1
// control, a BOM or U+FFFE/U+FFFF? (diag.c has checked the UTF-8.) Sets
// *ascii when it is all ASCII.
static bool odd_text(const char *text, size_t n, bool *ascii) {
  const unsigned char *u = (const unsigned char *)text;
  *ascii = true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = u[i];
    if ((c >= 0x20 && c < 0x7F) || c == '\n')
      continue;
    *ascii = false;
    if (c < 0x80 || (c == 0xC2 && i + 1 < n && u[i + 1] < 0xA0))
      return true;
    if (c == 0xE2 && i + 2 < n && u[i + 1] == 0x80 && (u[i + 2] & 0xFE) == 0xA8)
      return true;
    if (c == 0xEF && i + 2 < n &&
        ((u[i + 1] == 0xBB && u[i + 2] == 0xBF) ||
         (u[i + 1] == 0xBF && u[i + 2] >= 0xBE)))
      return true;
  }
  return false;
}

static bool is_flow_indicator(char c) {
  return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

// A space, a line break or the end of the text at s[i].
static bool blank_at(const Scanner *sc, size_t i) {
  return i >= sc->n || sc->s[i] == ' ' || sc->s[i] == '\n';
}

static void skip_spaces(Scanner *sc) {
  while (sc->i < sc->n && sc->s[sc->i] == ' ')
    sc->i++;
}

// libyaml's 1-based column of s[at] on the current line: it counts
// characters, not bytes. Counted on from the last answer, so that a long
// line costs linear time.
static int col_of(Scanner *sc, size_t at) {
  if (sc->ascii)
    return (int)(at - sc->bol) + 1;
  if (sc->col_at < sc->bol || sc->col_at > at) {
    sc->col_at = sc->bol;
    sc->col = 1;
  }
  for (; sc->col_at < at; sc->col_at++)
    sc->col += ((unsigned char)sc->s[sc->col_at] & 0xC0) != 0x80;
  return sc->col;
}

// The column of the current content, 0-based, where the line's prefix is
// spaces and dashes (block structure).
static int indent(const Scanner *sc) { return (int)(sc->i - sc->bol); }

static ScanEvent *next_event(Scanner *sc) {
  ScanEvents *o = sc->out;
  if (o->n == o->cap)
    o->ev = grow_array(o->ev, &o->cap, o->n, sizeof *o->ev);
  return &o->ev[o->n++];
}

static ScanEvent *push(Scanner *sc, ScanKind kind, size_t at) {
  ScanEvent *e = next_event(sc);
  *e = (ScanEvent){.kind = kind, .at = {sc->line, col_of(sc, at)}};
  return e;
}

static void scalar(Scanner *sc, size_t at, size_t from, size_t to, size_t end,
                   ScalarStyle style) {
  ScanEvent *e = push(sc, SE_SCALAR, at);
  e->style = style;
  e->end = (Pos){sc->line, col_of(sc, end)};
  e->text = sc->s + from;
  e->len = to - from;
}

// An empty value (null) where libyaml puts it: just past its ':' or '-'.
static void empty(Scanner *sc, Pos mark) {
  *next_event(sc) =
      (ScanEvent){.kind = SE_SCALAR, .at = mark, .end = mark, .text = sc->s};
}

static bool open(Scanner *sc, ScanKind kind, bool flow) {
  if (sc->depth == SCAN_DEPTH)
    return false;
  sc->depth++;
  push(sc, kind, sc->i)->flow = flow;
  return true;
}

static void close(Scanner *sc, Pos end) {
  sc->depth--;
  *next_event(sc) = (ScanEvent){.kind = SE_END, .end = end};
}

// A block collection at column col ends where the next content starts.
// At the end of the text, libyaml first closes those deeper than the last
// line, there, then the others at the start of a line after it.
static void close_block(Scanner *sc, int col) {
  int at = col_of(sc, sc->i);
  if (!sc->eof || col >= at)
    close(sc, (Pos){sc->line, at});
  else
    close(sc, (Pos){sc->line + (at > 1), 1});
}

// A directive or a document marker at the start of a line.
static bool marker(const Scanner *sc) {
  const char *p = sc->s + sc->i;
  size_t left = sc->n - sc->i;
  if (p[0] == '%')
    return true;
  return left >= 3 && (memcmp(p, "---", 3) == 0 || memcmp(p, "...", 3) == 0) &&
         blank_at(sc, sc->i + 3);
}

// Past spaces, comments and line breaks to the next content, or sets eof.
// False at a marker.
static bool to_content(Scanner *sc) {
  for (;;) {
    skip_spaces(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '#')
      while (sc->i < sc->n && sc->s[sc->i] != '\n')
        sc->i++;
    if (sc->i == sc->n) {
      sc->eof = true;
      return true;
    }
    if (sc->s[sc->i] != '\n')
      return sc->i != sc->bol || !marker(sc);
    sc->i++;
    sc->line++;
    sc->bol = sc->i;
  }
}

// After a line's last node: spaces, then a comment (after a space) or the
// end of the line; then on to the next content.
static bool line_done(Scanner *sc) {
  skip_spaces(sc);
  if (sc->i < sc->n && sc->s[sc->i] != '\n' &&
      (sc->s[sc->i] != '#' || sc->s[sc->i - 1] != ' '))
    return false;
  return to_content(sc);
}

// Can a plain scalar start here? libyaml's rule, less a start with '?'
// or ':', which no spec needs.
static bool plain_start(const Scanner *sc, bool flow) {
  switch (sc->s[sc->i]) {
  case '-':
    return !blank_at(sc, sc->i + 1) &&
           !(flow && is_flow_indicator(sc->s[sc->i + 1]));
  default:
    return !memchr("?:,[]{}#&*!|>'\"%@`", sc->s[sc->i], 18);
  }
}

// A plain scalar on this line, from s[i]: sets *end just past its last
// non-space, leaves i at what stopped it and returns that: ':' for ": ",
// '#', '\n' or 0 at the end of the text, and in [...] or {...} one of
// ",[]{}". -1: give up (a ':' inside a scalar of a flow, where libyaml
// has quirks).
static int plain(Scanner *sc, bool flow, size_t *end) {
  const char *s = sc->s;
  size_t i = sc->i;
  *end = i;
  for (;;) {
    for (; i < sc->n && s[i] != ' ' && s[i] != '\n'; *end = ++i) {
      if (s[i] == ':' && blank_at(sc, i + 1))
        goto stop;
      if (flow && s[i] == ':')
        return -1;
      if (flow && is_flow_indicator(s[i]))
        goto stop;
    }
    while (i < sc->n && s[i] == ' ')
      i++;
    if (i == sc->n || s[i] == '\n' || s[i] == '#')
      break;
  }
stop:
  sc->i = i;
  return i < sc->n ? s[i] : 0;
}

// A quoted scalar on one line without escapes, from its quote at s[i]:
// sets its text [*from, *to) and leaves i past the closing quote.
static bool quoted(Scanner *sc, size_t *from, size_t *to) {
  const char *s = sc->s;
  char q = s[sc->i];
  size_t j = sc->i + 1;
  while (j < sc->n && s[j] != q) {
    if (s[j] == '\n' || (q == '"' && s[j] == '\\'))
      return false;
    j++;
  }
  if (j == sc->n || (q == '\'' && j + 1 < sc->n && s[j + 1] == '\''))
    return false;
  *from = sc->i + 1;
  *to = j;
  sc->i = j + 1;
  return true;
}

static bool is_quote(char c) { return c == '"' || c == '\''; }

// A key of a block map, with its ':': emits it and leaves i past the ':'.
static bool key(Scanner *sc) {
  size_t at = sc->i, from = at, to, end;
  ScalarStyle style = SC_PLAIN;
  if (is_quote(sc->s[at])) {
    if (!quoted(sc, &from, &to))
      return false;
    end = sc->i;
    skip_spaces(sc);
    if (sc->i == sc->n || sc->s[sc->i] != ':' || !blank_at(sc, sc->i + 1))
      return false;
    style = SC_QUOTED;
  } else {
    if (!plain_start(sc, false) || plain(sc, false, &end) != ':')
      return false;
    to = end;
  }
  if (sc->i - at > SCAN_KEY)
    return false;
  scalar(sc, at, from, to, end, style);
  sc->i++;
  return true;
}

// Does a block map start here (a key and its ':')? Leaves i alone.
static bool starts_key(Scanner *sc) {
  size_t at = sc->i, from, to, end;
  bool yes;
  if (is_quote(sc->s[at])) {
    yes = quoted(sc, &from, &to);
    skip_spaces(sc);
    yes =
        yes && sc->i < sc->n && sc->s[sc->i] == ':' && blank_at(sc, sc->i + 1);
  } else {
    yes = plain_start(sc, false) && plain(sc, false, &end) == ':';
  }
  sc->i = at;
  return yes;
}

static bool starts_entry(const Scanner *sc) {
  return sc->s[sc->i] == '-' && blank_at(sc, sc->i + 1);
}

static bool flow_node(Scanner *sc);

// An item of [...], or a key or value of {...}: a scalar or a nested
// collection; i is left at what follows it.
static bool flow_item(Scanner *sc, bool is_key) {
  char c = sc->s[sc->i];
  if (c == '[' || c == '{')
    return !is_key && flow_node(sc);
  size_t at = sc->i, from, to, end;
  if (is_quote(c)) {
    if (!quoted(sc, &from, &to))
      return false;
    scalar(sc, at, from, to, sc->i, SC_QUOTED);
    return true;
  }
  if (!plain_start(sc, true))
    return false;
  int stop = plain(sc, true, &end);
  if (is_key ? stop != ':' : stop != ',' && stop != ']' && stop != '}')
    return false;
  scalar(sc, at, at, end, end, SC_PLAIN);
  return true;
}

// [...] or {...}, closed on the same line, from its bracket at s[i].
static bool flow_node(Scanner *sc) {
  bool map = sc->s[sc->i] == '{';
  char end = map ? '}' : ']';
  if (!open(sc, map ? SE_MAP : SE_SEQ, true))
    return false;
  sc->i++;
  skip_spaces(sc);
  while (sc->i < sc->n && sc->s[sc->i] != end) {
    if (!flow_item(sc, map))
      return false;
    if (map) {
      skip_spaces(sc);
      if (sc->i == sc->n || sc->s[sc->i] != ':' || !blank_at(sc, sc->i + 1))
        return false;
      sc->i++;
      skip_spaces(sc);
      if (sc->i == sc->n || !flow_item(sc, false))
        return false;
    }
    skip_spaces(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ',') {
      sc->i++;
      skip_spaces(sc);
      if (sc->i < sc->n && sc->s[sc->i] == end) // [a, ]: libyaml's
        return false;
    } else if (sc->i == sc->n || sc->s[sc->i] != end) {
      return false;
    }
  }
  if (sc->i == sc->n)
    return false;
  sc->i++;
  close(sc, (Pos){sc->line, col_of(sc, sc->i)});
  return true;
}

// A scalar or a flow collection that ends its line, then the next content.
static bool line_value(Scanner *sc) {
  char c = sc->s[sc->i];
  if (c == '[' || c == '{')
    return flow_node(sc) && line_done(sc);
  size_t at = sc->i, from, to, end;
  if (is_quote(c)) {
    if (!quoted(sc, &from, &to))
      return false;
    scalar(sc, at, from, to, sc->i, SC_QUOTED);
  } else {
    if (!plain_start(sc, false) || plain(sc, false, &end) == ':')
      return false;
    scalar(sc, at, at, end, end, SC_PLAIN);
  }
  return line_done(sc);
}

static bool block_map(Scanner *sc, int col);
static bool block_seq(Scanner *sc, int col, bool indentless);

// The node that starts at the current content.
static bool block_node(Scanner *sc) {
  if (starts_entry(sc))
    return block_seq(sc, indent(sc), false);
  if (starts_key(sc))
    return block_map(sc, indent(sc));
  return line_value(sc);
}

// After ':' or '-': a value on the same line, or on the lines below when
// they are indented deeper than col; else empty, just past the indicator.
// A map's value may also be a list at the map's own column.
static bool value(Scanner *sc, int col, bool in_map) {
  Pos mark = {sc->line, col_of(sc, sc->i)};
  skip_spaces(sc);
  if (sc->i < sc->n && sc->s[sc->i] != '\n' && sc->s[sc->i] != '#')
    return in_map ? line_value(sc) : block_node(sc);
  if (!to_content(sc))
    return false;
  if (!sc->eof && indent(sc) > col)
    return block_node(sc);
  if (!sc->eof && in_map && indent(sc) == col && starts_entry(sc))
    return block_seq(sc, col, true);
  empty(sc, mark);
  return true;
}

// Keys at column col, each at the start of its content.
static bool block_map(Scanner *sc, int col) {
  if (!open(sc, SE_MAP, false))
    return false;
  do {
    if (!key(sc) || !value(sc, col, true))
      return false;
    if (!sc->eof && indent(sc) > col)
      return false;
  } while (!sc->eof && indent(sc) == col);
  close_block(sc, col);
  return true;
}

// Entries "- " at column col. An indentless list (a map's value at the
// map's column) ends at the map's next key.
static bool block_seq(Scanner *sc, int col, bool indentless) {
  if (!open(sc, SE_SEQ, false))
    return false;
  do {
    sc->i++; // the '-'
    if (!value(sc, col, false))
      return false;
    if (!sc->eof && indent(sc) > col)
      return false;
  } while (!sc->eof && indent(sc) == col && starts_entry(sc));
  if (!sc->eof && indent(sc) == col && !indentless)
    return false;
  close_block(sc, col);
  return true;
}

bool scan_yaml(const char *text, size_t len, ScanEvents *out) {
  out->n = 0;
  bool ascii;
  if (odd_text(text, len, &ascii))
    return false;
  Scanner sc = {
      .s = text, .n = len, .line = 1, .ascii = ascii, .col = 1, .out = out};
  if (!to_content(&sc) || sc.eof)
    return false;
  // A map or a list at the top, and nothing after it.
  bool ok = starts_entry(&sc) ? block_seq(&sc, indent(&sc), false)
            : starts_key(&sc) ? block_map(&sc, indent(&sc))
                              : false;
  return ok && sc.eof;
}
