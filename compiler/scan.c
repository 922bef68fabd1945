// SPDX-License-Identifier: MIT
// scan.c: the YAML that specs are written in, read without libyaml.
//
// Spec files keep to a small part of YAML: maps and lists indented with
// spaces, [...] and {...} on one line, plain and quoted scalars on one
// line (escapes decoded), and literal and folded block scalars. scan_yaml
// reads such a file in one pass into the events libyaml's parser would
// give, with the same marks, and load.c builds the tree from them as it
// does from libyaml's. At anything else (anchors, tags, a plain or quoted
// scalar or a [...] over several lines, tabs, CRs, document markers, and
// every error) it gives up, and load.c reads the file with libyaml from
// the start: so every message about bad YAML is still libyaml's.
//
// Why: libyaml decodes each character into a buffer and allocates a token
// and a string per scalar; on a tree of a few hundred small includes that
// was most of hgc's time. tests/unit/test_scan.c checks, on every YAML
// file of the tests and on thousands of mutations of them, that what
// scan_yaml accepts gives exactly libyaml's events.
#include "hgc.h"

#include <limits.h>
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
// *ascii when it is all ASCII. Printable ASCII goes eight bytes at a time.
static bool odd_text(const char *text, size_t n, bool *ascii) {
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  const unsigned char *u = (const unsigned char *)text;
  *ascii = true;
  for (size_t i = 0; i < n;) {
    if (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, u + i, 8);
      uint64_t del = w ^ 0x7F * ones; // a zero byte where w has a DEL
      if (!((w | ((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & highs)) {
        i += 8;
        continue;
      }
    }
    // Something in the next eight bytes (a line break, most often).
    for (size_t stop = i + 8 < n ? i + 8 : n; i < stop; i++) {
      unsigned char c = u[i];
      if ((c >= 0x20 && c < 0x7F) || c == '\n')
        continue;
      *ascii = false;
      if (c < 0x80 || (c == 0xC2 && i + 1 < n && u[i + 1] < 0xA0))
        return true;
      if (c == 0xE2 && i + 2 < n && u[i + 1] == 0x80 &&
          (u[i + 2] & 0xFE) == 0xA8)
        return true;
      if (c == 0xEF && i + 2 < n &&
          ((u[i + 1] == 0xBB && u[i + 2] == 0xBF) ||
           (u[i + 1] == 0xBF && u[i + 2] >= 0xBE)))
        return true;
    }
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

// Past a comment that starts at s[i], if one does, to its line break.
static void skip_comment(Scanner *sc) {
  if (sc->i < sc->n && sc->s[sc->i] == '#')
    while (sc->i < sc->n && sc->s[sc->i] != '\n')
      sc->i++;
}

// A ':' at s[i] that ends a key: a blank follows it.
static bool at_colon(const Scanner *sc) {
  return sc->i < sc->n && sc->s[sc->i] == ':' && blank_at(sc, sc->i + 1);
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

static void scalar(Scanner *sc, size_t at, const char *text, size_t len,
                   size_t end, ScalarStyle style) {
  ScanEvent *e = push(sc, SE_SCALAR, at);
  e->style = style;
  e->end = (Pos){sc->line, col_of(sc, end)};
  e->text = text;
  e->len = len;
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

// Past the line break at s[i].
static void newline(Scanner *sc) {
  sc->i++;
  sc->line++;
  sc->bol = sc->i;
}

// Past spaces, comments and line breaks to the next content, or sets eof.
// False at a marker.
static bool to_content(Scanner *sc) {
  for (;;) {
    skip_spaces(sc);
    skip_comment(sc);
    if (sc->i == sc->n) {
      sc->eof = true;
      return true;
    }
    if (sc->s[sc->i] != '\n')
      return sc->i != sc->bol || !marker(sc);
    newline(sc);
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
  // What may end a run of the scalar's characters: a blank, a ':', and in
  // [...] and {...} a flow indicator.
  enum { BLANK = 1, COLON = 2, FLOW = 4 };
  static const unsigned char stops[256] = {
      [' '] = BLANK, ['\n'] = BLANK, [':'] = COLON, [','] = FLOW,
      ['['] = FLOW,  [']'] = FLOW,   ['{'] = FLOW,  ['}'] = FLOW};
  const unsigned char *s = (const unsigned char *)sc->s;
  unsigned mask = flow ? BLANK | COLON | FLOW : BLANK | COLON;
  size_t i = sc->i, n = sc->n;
  *end = i;
  for (;;) {
    size_t run = i;
    for (;;) {
      while (i < n && !(stops[s[i]] & mask))
        i++;
      if (i == n || s[i] != ':' || blank_at(sc, i + 1))
        break;
      if (flow)
        return -1;
      i++; // "a:b" is one scalar
    }
    if (i > run)
      *end = i;
    if (i == n || (s[i] != ' ' && s[i] != '\n'))
      break; // ": ", or a flow indicator
    while (i < n && s[i] == ' ')
      i++;
    if (i == n || s[i] == '\n' || s[i] == '#')
      break;
  }
  sc->i = i;
  return i < n ? s[i] : 0;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (c | 0x20) - 'a' + 10;
  return -1;
}

// The escape at s[j] (a backslash) of a double-quoted scalar, as libyaml
// decodes it, written at *to: returns its length in the source, or 0 to
// give up (an escape libyaml rejects, a line break, and \L and \P, the only
// ones longer than their source: see decode_room).
static size_t unescape(const Scanner *sc, size_t j, char **to) {
  static const char from[] = "0abtnvfre \"/\\N_",
                    into[] = "\0\a\b\t\n\v\f\r\x1b \"/\\";
  char c = j + 1 < sc->n ? sc->s[j + 1] : '\n';
  const char *hit = c ? memchr(from, c, sizeof from - 1) : NULL;
  char *o = *to;
  if (hit && *hit == 'N') {
    *o++ = '\xC2', *o++ = '\x85';
  } else if (hit && *hit == '_') {
    *o++ = '\xC2', *o++ = '\xA0';
  } else if (hit) {
    *o++ = into[hit - from];
  } else {
    size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    if (!digits || j + 2 + digits > sc->n)
      return 0;
    uint32_t v = 0;
    for (size_t k = 0; k < digits; k++) {
      int d = hex_digit(sc->s[j + 2 + k]);
      if (d < 0)
        return 0;
      v = v << 4 | (uint32_t)d;
    }
    if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
      return 0;
    if (v < 0x80) {
      *o++ = (char)v;
    } else if (v < 0x800) {
      *o++ = (char)(0xC0 | v >> 6);
      *o++ = (char)(0x80 | (v & 0x3F));
    } else if (v < 0x10000) {
      *o++ = (char)(0xE0 | v >> 12);
      *o++ = (char)(0x80 | (v >> 6 & 0x3F));
      *o++ = (char)(0x80 | (v & 0x3F));
    } else {
      *o++ = (char)(0xF0 | v >> 18);
      *o++ = (char)(0x80 | (v >> 12 & 0x3F));
      *o++ = (char)(0x80 | (v >> 6 & 0x3F));
      *o++ = (char)(0x80 | (v & 0x3F));
    }
    *to = o;
    return 2 + digits;
  }
  *to = o;
  return 2;
}

// Room to decode quoted and block scalars into: as much as the source,
// since none of them is longer decoded than in the source (unescape
// takes no escape that grows). Made before the first of a text, so that
// the pointers into it stay put.
static void decode_room(Scanner *sc) {
  ScanEvents *o = sc->out;
  if (o->buf_cap < sc->n) {
    char *p = realloc(o->buf, sc->n);
    if (!p)
      out_of_memory();
    o->buf = p;
    o->buf_cap = sc->n;
  }
}

// A quoted scalar on one line, from its quote at s[i]: leaves i past the
// closing quote and, with text, sets its value: in the source, or decoded
// into the ScanEvents' buffer when it holds escapes ('' in single quotes).
static bool quoted(Scanner *sc, const char **text, size_t *len) {
  const char *s = sc->s;
  char q = s[sc->i];
  size_t j = sc->i + 1, from = j;
  char *to = NULL; // decoding: where the next byte goes
  for (;; j++) {
    if (j == sc->n || s[j] == '\n')
      return false;
    bool quote2 = q == '\'' && s[j] == q && j + 1 < sc->n && s[j + 1] == q;
    if (s[j] == q && !quote2)
      break;
    if (!quote2 && (q == '\'' || s[j] != '\\')) {
      if (to)
        *to++ = s[j];
      continue;
    }
    if (!to && text) { // the first escape: copy what came before it
      decode_room(sc);
      to = sc->out->buf + sc->out->buf_len;
      memcpy(to, s + from, j - from);
      to += j - from;
    }
    char scratch[4], *at = to ? to : scratch; // scratch: only checking
    size_t k = 2;
    if (quote2)
      *at++ = q;
    else if (!(k = unescape(sc, j, &at)))
      return false;
    if (to)
      to = at;
    j += k - 1;
  }
  if (text && to) {
    *text = sc->out->buf + sc->out->buf_len;
    *len = (size_t)(to - *text);
    sc->out->buf_len += *len;
  } else if (text) {
    *text = s + from;
    *len = j - from;
  }
  sc->i = j + 1;
  return true;
}

static bool is_quote(char c) { return c == '"' || c == '\''; }

// Does a block map start here (a key and its ':')? Leaves i alone.
static bool starts_key(Scanner *sc) {
  size_t at = sc->i, end;
  bool yes;
  if (is_quote(sc->s[at])) {
    yes = quoted(sc, NULL, NULL);
    skip_spaces(sc);
    yes = yes && at_colon(sc);
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

// A quoted or plain scalar at s[i], emitted. Returns '"' after a quoted
// one, else what stopped the plain one (see plain); -1 to give up.
static int scalar_here(Scanner *sc, bool flow) {
  size_t at = sc->i, end, len;
  const char *text;
  if (is_quote(sc->s[at])) {
    if (!quoted(sc, &text, &len))
      return -1;
    scalar(sc, at, text, len, sc->i, SC_QUOTED);
    return '"';
  }
  if (!plain_start(sc, flow))
    return -1;
  int stop = plain(sc, flow, &end);
  scalar(sc, at, sc->s + at, end - at, end, SC_PLAIN);
  return stop;
}

// A key of a block map, with its ':': emits it and leaves i past the ':'.
static bool key(Scanner *sc) {
  size_t at = sc->i;
  int stop = scalar_here(sc, false);
  if (stop == '"') {
    skip_spaces(sc);
    if (at_colon(sc))
      stop = ':';
  }
  if (stop != ':' || sc->i - at > SCAN_KEY)
    return false;
  sc->i++;
  return true;
}

// An item of [...], or a key or value of {...}: a scalar or a nested
// collection; i is left at what follows it.
static bool flow_item(Scanner *sc, bool is_key) {
  char c = sc->s[sc->i];
  if (c == '[' || c == '{')
    return !is_key && flow_node(sc);
  size_t at = sc->i;
  int stop = scalar_here(sc, true);
  if (is_key && sc->i - at > SCAN_KEY)
    return false;
  if (stop == '"')
    return true;
  return is_key ? stop == ':' : stop == ',' || stop == ']' || stop == '}';
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
      if (!at_colon(sc))
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

// The indentation and empty lines before a block scalar's next line, as
// libyaml's yaml_parser_scan_block_scalar_breaks reads them: spaces up to
// the scalar's *width (all of them while it is 0, to find it); *breaks
// counts the line breaks, *end is where the last one ended.
static void block_breaks(Scanner *sc, int parent, int *width, size_t *breaks,
                         Pos *end) {
  int max = 0;
  *end = (Pos){sc->line, col_of(sc, sc->i)};
  for (;;) {
    while ((!*width || indent(sc) < *width) && sc->i < sc->n &&
           sc->s[sc->i] == ' ')
      sc->i++;
    if (indent(sc) > max)
      max = indent(sc);
    if (sc->i == sc->n || sc->s[sc->i] != '\n')
      break;
    newline(sc);
    ++*breaks;
    *end = (Pos){sc->line, 1};
  }
  if (!*width)
    *width = max > parent + 1 ? max : parent + 1;
}

// A literal (|) or folded (>) block scalar, from its indicator at s[i],
// in a block collection at column parent: libyaml's algorithm
// (yaml_parser_scan_block_scalar), its value decoded into the buffer (it
// is never longer than its source). Then the next content.
static bool block_scalar(Scanner *sc, int parent) {
  const char *s = sc->s;
  bool literal = s[sc->i] == '|';
  ScanEvent *e = push(sc, SE_SCALAR, sc->i);
  int chomp = 0, increment = 0; // chomp: -1 strip, 0 clip, +1 keep
  sc->i++;
  for (int k = 0; k < 2 && sc->i < sc->n; k++, sc->i++) {
    char c = s[sc->i];
    if ((c == '+' || c == '-') && !chomp)
      chomp = c == '+' ? 1 : -1;
    else if (c >= '1' && c <= '9' && !increment)
      increment = c - '0';
    else
      break;
  }
  skip_spaces(sc);
  skip_comment(sc);
  if (sc->i < sc->n && s[sc->i] != '\n')
    return false;
  if (sc->i < sc->n)
    newline(sc);
  decode_room(sc);
  char *start = sc->out->buf + sc->out->buf_len, *to = start;
  int width = increment ? parent + increment : 0;
  size_t breaks = 0;
  bool leading = false, leading_blank = false; // a line break before
  block_breaks(sc, parent, &width, &breaks, &e->end);
  while (sc->i < sc->n && indent(sc) == width) {
    bool blank = s[sc->i] == ' ';
    if (!literal && leading && !leading_blank && !blank) {
      if (!breaks)
        *to++ = ' ';
    } else if (leading) {
      *to++ = '\n';
    }
    memset(to, '\n', breaks);
    to += breaks;
    breaks = 0;
    leading_blank = blank;
    size_t from = sc->i;
    while (sc->i < sc->n && s[sc->i] != '\n')
      sc->i++;
    memcpy(to, s + from, sc->i - from);
    to += sc->i - from;
    leading = sc->i < sc->n;
    if (leading)
      newline(sc);
    block_breaks(sc, parent, &width, &breaks, &e->end);
  }
  if (chomp != -1 && leading)
    *to++ = '\n';
  if (chomp == 1) {
    memset(to, '\n', breaks);
    to += breaks;
  }
  e->style = SC_BLOCK;
  e->text = start;
  e->len = (size_t)(to - start);
  sc->out->buf_len += e->len;
  return to_content(sc);
}

// A scalar or a flow collection that ends its line, then the next content.
// parent: the column of the block collection it is in.
static bool line_value(Scanner *sc, int parent) {
  char c = sc->s[sc->i];
  if (c == '[' || c == '{')
    return flow_node(sc) && line_done(sc);
  if (c == '|' || c == '>')
    return block_scalar(sc, parent);
  int stop = scalar_here(sc, false);
  return stop >= 0 && stop != ':' && line_done(sc);
}

static bool block_map(Scanner *sc, int col);
static bool block_seq(Scanner *sc, int col, bool indentless);

// The node that starts at the current content.
static bool block_node(Scanner *sc, int parent) {
  if (starts_entry(sc))
    return block_seq(sc, indent(sc), false);
  if (starts_key(sc))
    return block_map(sc, indent(sc));
  return line_value(sc, parent);
}

// After ':' or '-': a value on the same line, or on the lines below when
// they are indented deeper than col; else empty, just past the indicator.
// A map's value may also be a list at the map's own column.
static bool value(Scanner *sc, int col, bool in_map) {
  Pos mark = {sc->line, col_of(sc, sc->i)};
  skip_spaces(sc);
  if (sc->i < sc->n && sc->s[sc->i] != '\n' && sc->s[sc->i] != '#')
    return in_map ? line_value(sc, col) : block_node(sc, col);
  if (!to_content(sc))
    return false;
  if (!sc->eof && indent(sc) > col)
    return block_node(sc, col);
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
  out->buf_len = 0;
  // Specs hold about an event per 10 bytes: one allocation for most files,
  // not a series of doublings.
  if ((size_t)out->cap < len / 8 + 16 && len / 8 < INT_MAX / 2) {
    out->cap = (int)(len / 8 + 16);
    free(out->ev);
    if (!(out->ev = malloc(sizeof *out->ev * (size_t)out->cap)))
      out_of_memory();
  }
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
