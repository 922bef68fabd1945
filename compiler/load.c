// SPDX-License-Identifier: MIT
// load.c: one YAML file -> a Node tree, every node with its Loc.
//
// Input: a SourceFile (UTF-8, BOM stripped). Output: the root Node of its
// one document, allocated in ctx->arena, or NULL after reporting. The
// events come from scan.c when it can read the file, else from libyaml's
// parser; either drives an explicit, heap-allocated stack of open maps and
// lists, so no input can overflow the C stack; nesting stops at
// ctx->limits.depth. An alias shares its anchored Node, so the tree is a
// DAG: later stages must not modify nodes in place. Nodes are counted as
// if every alias were expanded and loading stops past ctx->limits.nodes,
// so a "billion laughs" file fails at once. Map keys are scalars, unique per
// map. Locs are 1-based and count characters, as libyaml's marks do.
// Scalars keep libyaml's exact bytes and length (a "\0" escape makes a
// NUL). Errors that leave the structure intact (duplicate keys, bad tags,
// undefined aliases) are all reported; the others stop the load.
// load_stream runs the same load but hands out the items of a top-level
// list one at a time, keeping none: batch rows of any number.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CORE_TAG "tag:yaml.org,2002:"
// Keys of a map checked for duplicates one by one, before a table.
#define KEYS_SCAN 8

// An entry of a Table: an anchor, or a key of the map being read.
typedef struct {
  const char *name; // NULL: an empty slot
  size_t len;
  Node *node; // anchor: the anchored node
  long size;  // anchor: its node count, aliases expanded
  Loc loc;    // key: where it first appeared
} Entry;

// Open addressing with linear probing; cap is 0 or a power of two.
typedef struct {
  Entry *slots;
  size_t cap;
  size_t count;
} Table;

typedef struct {
  Node *node;         // the open map or list
  Node *key;          // map: the key awaiting its value (NULL: rejected)
  bool want_value;    // map: a key was read, its value comes next
  const char *anchor; // to define when the node ends, or NULL
  long start;         // Loader.count before this node
  Table keys;         // map: keys so far, to find duplicates
  int kids;           // where its children start in Loader.kids
  bool flow;          // written [...] or {...}
} Frame;

// Where a libyaml line starts in diag.c's terms (see map_lines).
typedef struct {
  int line; // diag line, 1-based
  int col0; // characters before it on that line
} LineStart;

struct Loader {
  Ctx *ctx;
  SourceFile *f;
  yaml_parser_t parser;
  bool parser_ok;  // initialised, to delete
  ScanEvents scan; // the file's events, when scan.c could read it
  LineStart *lines; // libyaml line -> diag line; NULL when they agree
  int nlines;
  Frame *stack; // open maps and lists, innermost last
  int depth;
  int cap;
  // The children of the open maps and lists, innermost last (a map's as
  // key, value): a node gets an array of its exact size when it closes.
  // The stack and the kids are malloc'd, not in an arena: the next file's
  // loader reuses the memory. Freed by loader_free.
  Node **kids;
  int nkids;
  int kids_cap;
  Table anchors;
  long count; // nodes so far, as if every alias were expanded
  Node *root;
  int ndocs;
  int flow_line; // last line of the latest [...] or {...} closed
  bool stop; // an error after which the rest cannot be read sensibly
  bool done;   // the stream has ended
  int errors;  // ctx->nerrors before loading
  // load_stream: the items of a top-level list are handed out one at a
  // time (item) and not kept in the list.
  bool stream;
  Node *item;
  bool anchored; // an anchor was defined inside an item
};

//
// Tables
//
size_t text_hash(const char *s, size_t n) {
  uint64_t h = 14695981039346656037u; // FNV-1a
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211u;
  return (size_t)h;
}

// The entry for name, or the empty slot where it would go; NULL when the
// table has no slots yet.
static Entry *table_find(const Table *t, const char *name, size_t len) {
  if (!t->cap)
    return NULL;
  size_t i = text_hash(name, len) & (t->cap - 1);
  for (;; i = (i + 1) & (t->cap - 1)) {
    Entry *e = &t->slots[i];
    if (!e->name || (e->len == len && memcmp(e->name, name, len) == 0))
      return e;
  }
}

// Inserts or replaces (a redefined anchor replaces the old one). name
// must live as long as the table.
static Entry *table_put(Arena *a, Table *t, const char *name, size_t len) {
  if ((t->count + 1) * 2 > t->cap) {
    Table old = *t;
    t->cap = old.cap ? old.cap * 2 : 8;
    t->slots = arena_calloc(a, sizeof *t->slots * t->cap);
    for (size_t i = 0; i < old.cap; i++)
      if (old.slots[i].name)
        *table_find(t, old.slots[i].name, old.slots[i].len) = old.slots[i];
  }
  Entry *e = table_find(t, name, len);
  if (!e->name) {
    t->count++;
    e->name = name;
    e->len = len;
  }
  return e;
}

//
// Positions
//
// Length of the line break libyaml sees at t[i], or 0.
static size_t yaml_break(const char *t, size_t n, size_t i) {
  const unsigned char *u = (const unsigned char *)t + i;
  if (u[0] == '\n')
    return 1;
  if (u[0] == '\r')
    return i + 1 < n && u[1] == '\n' ? 2 : 1;
  if (u[0] == 0xC2 && i + 1 < n && u[1] == 0x85) // NEL
    return 2;
  if (u[0] == 0xE2 && i + 2 < n && u[1] == 0x80 && (u[2] & 0xFE) == 0xA8)
    return 3; // LS, PS
  return 0;
}

// The scans below pass over a big rows file 256 KiB at a time, giving
// each back (diag_release) before the next.
#define SCAN_STEP (256 << 10)

// Does the text hold a CR, 0xC2 or 0xE2, where those breaks start?
static bool maybe_odd_breaks(SourceFile *f) {
  for (size_t at = 0; at < f->len; at += SCAN_STEP) {
    size_t n = f->len - at < SCAN_STEP ? f->len - at : SCAN_STEP;
    const char *t = f->text + at;
    if (memchr(t, '\r', n) || memchr(t, 0xC2, n) || memchr(t, 0xE2, n))
      return true;
    diag_release(f, at + n);
  }
  return false;
}

// libyaml also ends lines at a lone CR, NEL, LS and PS, where diag.c
// counts LF only. For files holding any of them, map libyaml's lines onto
// diag's, so marks convert in O(1) either way.
static void map_lines(Loader *l) {
  const char *t = l->f->text;
  size_t n = l->f->len;
  // Most files have none of those breaks.
  if (!maybe_odd_breaks(l->f))
    return;
  int breaks = 0;
  bool odd = false;
  for (size_t i = 0, step = SCAN_STEP; i < n;) {
    size_t k = yaml_break(t, n, i);
    breaks += k > 0;
    odd |= k > 0 && t[i + k - 1] != '\n';
    i += k ? k : 1;
    if (i >= step) {
      diag_release(l->f, i);
      step += SCAN_STEP;
    }
  }
  if (!odd)
    return;
  l->nlines = breaks + 1;
  l->lines = arena_calloc(l->ctx->arena, sizeof *l->lines * l->nlines);
  LineStart at = {1, 0};
  int k = 0;
  l->lines[k++] = at;
  for (size_t i = 0, step = SCAN_STEP; i < n;) {
    if (i >= step) {
      diag_release(l->f, i);
      step += SCAN_STEP;
    }
    size_t b = yaml_break(t, n, i);
    if (!b) {
      at.col0 += ((unsigned char)t[i++] & 0xC0) != 0x80;
      continue;
    }
    if (t[i + b - 1] == '\n')
      at = (LineStart){at.line + 1, 0};
    else
      at.col0++;
    l->lines[k++] = at;
    i += b;
  }
}

static Loc mark_loc(const Loader *l, yaml_mark_t m) {
  int line = (int)m.line;
  int col = (int)m.column + 1;
  if (!l->lines)
    return (Loc){l->f, line + 1, col};
  if (line >= l->nlines)
    line = l->nlines - 1;
  return (Loc){l->f, l->lines[line].line, l->lines[line].col0 + col};
}

//
// Scalars
//
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static size_t digits(const char *s, size_t i, size_t n) {
  size_t j = i;
  while (j < n && is_digit(s[j]))
    j++;
  return j - i;
}

// s is NUL-terminated: its first byte can be compared before the lengths.
static bool is_one_of(const char *s, size_t n, const char *const *words) {
  for (; *words; words++)
    if ((*words)[0] == s[0] && strlen(*words) == n &&
        memcmp(*words, s, n) == 0)
      return true;
  return false;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, and the
// infinities and NaNs of the core schema.
static bool is_float(const char *s, size_t n) {
  static const char *const special[] = {
      ".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF", "-.inf",
      "-.Inf", "-.INF", ".nan",  ".NaN",  ".NAN",  NULL};
  if (is_one_of(s, n, special))
    return true;
  size_t i = n && (s[0] == '-' || s[0] == '+');
  size_t whole = digits(s, i, n);
  i += whole;
  size_t frac = 0;
  if (i < n && s[i] == '.') {
    frac = digits(s, i + 1, n);
    i += 1 + frac;
  }
  if (!whole && !frac)
    return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    i += i < n && (s[i] == '-' || s[i] == '+');
    size_t exp = digits(s, i, n);
    if (!exp)
      return false;
    i += exp;
  }
  return i == n;
}

static ScalarType plain_type(const char *s, size_t n) {
  static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
  static const char *const bools[] = {"true", "false", NULL};
  // Most plain scalars are words (ids, text): only these first characters
  // can start a null, a boolean or a number.
  if (n && !strchr("~nNtf+-.0123456789", s[0]))
    return ST_STRING;
  if (n == 0 || is_one_of(s, n, nulls))
    return ST_NULL;
  if (is_one_of(s, n, bools))
    return ST_BOOL;
  size_t sign = s[0] == '-' || s[0] == '+';
  if (n > sign && digits(s, sign, n) == n - sign)
    return ST_INT;
  return is_float(s, n) ? ST_FLOAT : ST_STRING;
}

ScalarType node_type(const Node *n) {
  if (n->style != SC_PLAIN)
    return ST_STRING;
  return plain_type(n->text, n->len);
}

bool node_is_null(const Node *n) {
  return !n || (n->kind == NK_SCALAR && node_type(n) == ST_NULL);
}

const char *node_kind_name(const Node *n) {
  if (node_is_null(n))
    return "null";
  if (n->kind == NK_MAP)
    return "a map";
  if (n->kind == NK_SEQ)
    return "a list";
  switch (node_type(n)) {
  case ST_BOOL:
    return "a boolean";
  case ST_INT:
  case ST_FLOAT:
    return "a number";
  default:
    return "a string";
  }
}

//
// Building trees
//
Pair *node_get_pair(const Node *map, const char *key) {
  if (!map || map->kind != NK_MAP)
    return NULL;
  size_t len = strlen(key);
  for (int i = 0; i < map->npairs; i++) {
    const Node *k = map->pairs[i].key;
    if (k->kind == NK_SCALAR && k->len == len && memcmp(k->text, key, len) == 0)
      return &map->pairs[i];
  }
  return NULL;
}

Node *node_get(const Node *map, const char *key) {
  Pair *p = node_get_pair(map, key);
  return p ? p->value : NULL;
}

static Node *new_node(Ctx *ctx, NodeKind kind, Loc loc) {
  Node *n = arena_calloc(ctx->arena, sizeof *n);
  n->kind = kind;
  n->loc = loc;
  n->end = loc_pos(loc);
  return n;
}

Node *node_new_scalar(Ctx *ctx, Loc loc, const char *text, size_t len,
                      ScalarStyle style) {
  Node *n = new_node(ctx, NK_SCALAR, loc);
  n->text = arena_strndup(ctx->arena, text ? text : "", text ? len : 0);
  n->len = text ? len : 0;
  n->style = style;
  return n;
}

Node *node_new_map(Ctx *ctx, Loc loc) { return new_node(ctx, NK_MAP, loc); }

Node *node_new_seq(Ctx *ctx, Loc loc) { return new_node(ctx, NK_SEQ, loc); }

void node_map_put(Ctx *ctx, Node *map, Node *key, Node *value) {
  map->pairs =
      arena_grow(ctx->arena, map->pairs, map->npairs, &map->cap, sizeof(Pair));
  map->pairs[map->npairs++] = (Pair){key, value};
}

void node_seq_push(Ctx *ctx, Node *seq, Node *item) {
  seq->items = arena_grow(ctx->arena, seq->items, seq->nitems, &seq->cap,
                          sizeof(Node *));
  seq->items[seq->nitems++] = item;
}

Node *node_copy(Ctx *ctx, const Node *n) {
  if (!n)
    return NULL;
  Node *c = new_node(ctx, n->kind, n->loc);
  c->end = n->end;
  switch (n->kind) {
  case NK_SCALAR:
    c->text = arena_strndup(ctx->arena, n->text ? n->text : "", n->len);
    c->len = n->len;
    c->style = n->style;
    break;
  case NK_MAP:
    for (int i = 0; i < n->npairs; i++)
      node_map_put(ctx, c, node_copy(ctx, n->pairs[i].key),
                   node_copy(ctx, n->pairs[i].value));
    break;
  case NK_SEQ:
    for (int i = 0; i < n->nitems; i++)
      node_seq_push(ctx, c, node_copy(ctx, n->items[i]));
    break;
  }
  return c;
}

//
// Events
//
// Counts one node against the budget; false (after reporting) past it.
static bool count_node(Loader *l, Loc at) {
  if (++l->count <= l->ctx->limits.nodes)
    return true;
  error_at(l->ctx, at, "split the file",
           "document too large (limit is %d nodes; raise it with "
           "--max-nodes)",
           l->ctx->limits.nodes);
  l->stop = true;
  return false;
}

static void define_anchor(Loader *l, const char *name, Node *n, long size) {
  // A later item may alias it: the stream's items must now be kept.
  l->anchored |= l->stream && l->depth > 0;
  Entry *e = table_put(l->ctx->arena, &l->anchors, name, strlen(name));
  e->node = n;
  e->size = size;
}


// Accepts the core tags, which only pin down a scalar's type: !!str (or
// the non-specific "!") makes it a string; !!int, !!float, !!bool and
// !!null must agree with what the plain text means, and make a quoted
// scalar read as plain.
static void apply_tag(Loader *l, Node *n, const char *tag) {
  static const struct {
    const char *name;
    ScalarType type;
  } core[] = {{"null", ST_NULL},
              {"bool", ST_BOOL},
              {"int", ST_INT},
              {"float", ST_FLOAT}};
  if (!tag)
    return;
  size_t pre = strlen(CORE_TAG);
  const char *name = strncmp(tag, CORE_TAG, pre) == 0 ? tag + pre : "";
  bool any = strcmp(tag, "!") == 0;
  if (n->kind != NK_SCALAR) {
    const char *own = n->kind == NK_MAP ? "map" : "seq";
    if (any || strcmp(name, own) == 0)
      return;
  } else if (any || strcmp(name, "str") == 0) {
    n->style = SC_QUOTED;
    return;
  } else {
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++) {
      if (strcmp(name, core[i].name) != 0)
        continue;
      ScalarType t = plain_type(n->text, n->len);
      if (t == core[i].type || (core[i].type == ST_FLOAT && t == ST_INT))
        n->style = SC_PLAIN;
      else
        error_at(l->ctx, n->loc, "remove the tag or fix the value",
                 "value does not match its tag '!!%s'", name);
      return;
    }
  }
  // Show the core schema's tags with the "!!" shorthand they were written in.
  error_at(l->ctx, n->loc, "remove the tag",
           "unsupported tag '%s%s' (expected !!str, !!int, !!float, !!bool "
           "or !!null)",
           *name ? "!!" : "", *name ? name : tag);
}

// Checks a map key; the key to keep, or NULL after reporting.
static Node *check_key(Loader *l, Frame *fr, Node *key, Loc at) {
  if (key->kind != NK_SCALAR) {
    error_at(l->ctx, at, "write the key as plain text",
             "map key must be a scalar, not %s", node_kind_name(key));
    return NULL;
  }
  // Most maps are small: their keys are compared one by one, and only a
  // map that grows past KEYS_SCAN gets a table (which would otherwise
  // cost more memory than the map).
  int nkeys = (l->nkids - fr->kids) / 2;
  if (!fr->keys.cap && nkeys >= KEYS_SCAN)
    for (int i = 0; i < nkeys; i++) {
      const Node *k = l->kids[fr->kids + 2 * i];
      table_put(l->ctx->arena, &fr->keys, k->text, k->len)->loc = k->loc;
    }
  const Loc *first = NULL;
  if (fr->keys.cap) {
    Entry *e = table_find(&fr->keys, key->text, key->len);
    first = e->name ? &e->loc : NULL;
  } else {
    for (int i = 0; i < nkeys && !first; i++) {
      const Node *k = l->kids[fr->kids + 2 * i];
      if (k->len == key->len && memcmp(k->text, key->text, k->len) == 0)
        first = &k->loc;
    }
  }
  if (first) {
    error_at(l->ctx, at, "remove or rename one of them", "duplicate key '%s'",
             key->text);
    note_at(l->ctx, *first, "first defined here");
    return NULL;
  }
  if (fr->keys.cap)
    table_put(l->ctx->arena, &fr->keys, key->text, key->len)->loc = at;
  return key;
}

static void push_kid(Loader *l, Node *n) {
  l->kids = grow_array(l->kids, &l->kids_cap, l->nkids, sizeof *l->kids);
  l->kids[l->nkids++] = n;
}

// Places a finished node (NULL: one that was rejected) in its parent.
static void add_node(Loader *l, Node *n, Loc at) {
  if (l->depth == 0) {
    l->root = n;
    return;
  }
  Frame *fr = &l->stack[l->depth - 1];
  if (l->stream && l->depth == 1 && fr->node->kind == NK_SEQ) {
    if (n)
      l->item = n;
  } else if (fr->node->kind == NK_SEQ) {
    if (n)
      push_kid(l, n);
  } else if (!fr->want_value) {
    fr->want_value = true;
    fr->key = n ? check_key(l, fr, n, at) : NULL;
  } else {
    fr->want_value = false;
    if (fr->key && n) {
      push_kid(l, fr->key);
      push_kid(l, n);
    }
    fr->key = NULL;
  }
}

static void on_alias(Loader *l, const char *name, Loc at) {
  Entry *e = table_find(&l->anchors, name, strlen(name));
  if (!e || !e->name) {
    bool open = false;
    for (int i = 0; i < l->depth; i++)
      open |= l->stack[i].anchor && strcmp(l->stack[i].anchor, name) == 0;
    if (open)
      error_at(l->ctx, at, "use the alias after the anchored node ends",
               "alias '*%s' is inside its own anchor", name);
    else
      error_at(l->ctx, at,
               arena_printf(l->ctx->arena, "define '&%s' before the alias",
                            name),
               "undefined alias '*%s'", name);
    add_node(l, NULL, at);
    return;
  }
  l->count += e->size;
  if (l->count > l->ctx->limits.nodes) {
    // each alias counts its anchor's whole content: nested aliases multiply
    error_at(l->ctx, at, "use fewer nested aliases",
             "alias expansion too large (limit is %d nodes; raise it with "
             "--max-nodes)",
             l->ctx->limits.nodes);
    l->stop = true;
    return;
  }
  add_node(l, e->node, at);
}

static ScalarStyle scalar_style(yaml_scalar_style_t s) {
  switch (s) {
  case YAML_SINGLE_QUOTED_SCALAR_STYLE:
  case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
    return SC_QUOTED;
  case YAML_LITERAL_SCALAR_STYLE:
  case YAML_FOLDED_SCALAR_STYLE:
    return SC_BLOCK;
  default:
    return SC_PLAIN;
  }
}

static void on_scalar(Loader *l, Loc at, Pos end, const char *text,
                      size_t len, ScalarStyle style, const char *tag,
                      const char *anchor) {
  if (!count_node(l, at))
    return;
  Node *n = node_new_scalar(l->ctx, at, text, len, style);
  n->end = end;
  apply_tag(l, n, tag);
  if (anchor)
    define_anchor(l, arena_strdup(l->ctx->arena, anchor), n, 1);
  add_node(l, n, at);
}

static void open_node(Loader *l, NodeKind kind, const char *tag,
                      const char *anchor, bool flow, Loc at) {
  if (!count_node(l, at))
    return;
  if (l->depth == l->ctx->limits.depth) {
    error_at(l->ctx, at, "flatten the structure",
             "nesting too deep (limit is %d levels; raise it with "
             "--max-depth)",
             l->ctx->limits.depth);
    l->stop = true;
    return;
  }
  Node *n = new_node(l->ctx, kind, at);
  apply_tag(l, n, tag);
  l->stack = grow_array(l->stack, &l->cap, l->depth, sizeof *l->stack);
  l->stack[l->depth++] = (Frame){
      .node = n,
      .anchor = anchor ? arena_strdup(l->ctx->arena, anchor) : NULL,
      .start = l->count - 1,
      .flow = flow,
      .kids = l->nkids,
  };
}

static void close_node(Loader *l, Pos end) {
  Frame fr = l->stack[--l->depth];
  Node *n = fr.node;
  int nkids = l->nkids - fr.kids;
  if (nkids) {
    Node **kids = l->kids + fr.kids;
    if (n->kind == NK_MAP) {
      n->npairs = n->cap = nkids / 2;
      n->pairs =
          arena_calloc(l->ctx->arena, sizeof(Pair) * (size_t)n->npairs);
      for (int i = 0; i < n->npairs; i++)
        n->pairs[i] = (Pair){kids[2 * i], kids[2 * i + 1]};
    } else {
      n->nitems = n->cap = nkids;
      n->items = arena_calloc(l->ctx->arena, sizeof(Node *) * (size_t)nkids);
      memcpy(n->items, kids, sizeof(Node *) * (size_t)nkids);
    }
  }
  l->nkids = fr.kids;
  fr.node->end = end;
  if (fr.flow)
    l->flow_line = fr.node->end.line;
  if (fr.anchor)
    define_anchor(l, fr.anchor, fr.node, l->count - fr.start);
  add_node(l, fr.node, fr.node->loc);
}

static void on_event(Loader *l, const yaml_event_t *ev) {
  Loc at = mark_loc(l, ev->start_mark);
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (++l->ndocs > 1) {
      error_at(l->ctx, at, "split the documents into separate files",
               "only one YAML document per file");
      l->stop = true;
    }
    break;
  case YAML_ALIAS_EVENT:
    on_alias(l, (const char *)ev->data.alias.anchor, at);
    break;
  case YAML_SCALAR_EVENT:
    on_scalar(l, at, loc_pos(mark_loc(l, ev->end_mark)),
              (const char *)ev->data.scalar.value, ev->data.scalar.length,
              scalar_style(ev->data.scalar.style),
              (const char *)ev->data.scalar.tag,
              (const char *)ev->data.scalar.anchor);
    break;
  case YAML_SEQUENCE_START_EVENT:
    open_node(l, NK_SEQ, (const char *)ev->data.sequence_start.tag,
              (const char *)ev->data.sequence_start.anchor,
              ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE, at);
    break;
  case YAML_MAPPING_START_EVENT:
    open_node(l, NK_MAP, (const char *)ev->data.mapping_start.tag,
              (const char *)ev->data.mapping_start.anchor,
              ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE, at);
    break;
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    close_node(l, loc_pos(mark_loc(l, ev->end_mark)));
    break;
  default:
    break;
  }
}

//
// Syntax errors
//
// libyaml's messages for a tab in the indentation vary with where it
// stands, so look at the failing position and at its line's indentation.
// Inside [...] and {...} tabs are plain white space: on a line that is
// or was in one, only a tab at the failing position counts.
static bool find_tab(SourceFile *f, Loc at, bool in_flow, Loc *tab) {
  size_t off = diag_offset(f, at.line, at.col);
  if (off < f->len && f->text[off] == '\t') {
    *tab = at;
    return true;
  }
  if (in_flow)
    return false;
  for (size_t i = diag_offset(f, at.line, 1);
       i < f->len && (f->text[i] == ' ' || f->text[i] == '\t'); i++)
    if (f->text[i] == '\t') {
      *tab = diag_loc(f, i);
      return true;
    }
  return false;
}

// A fix for the syntax errors people make most, by libyaml's problem.
static const char *syntax_hint(const char *problem) {
  static const struct {
    const char *problem;
    const char *hint;
  } hints[] = {
      {"mapping values are not allowed", "quote a value that contains ': '"},
      {"found character that cannot start", "quote the value"},
      {"did not find expected key", "check the indentation"},
      {"did not find expected '-'", "check the indentation"},
      {"found unexpected end of stream", "close the quote"},
      {"did not find expected ',' or ']'", "close the list with ']'"},
      {"did not find expected ',' or '}'", "close the map with '}'"},
  };
  for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
    if (strncmp(problem, hints[i].problem, strlen(hints[i].problem)) == 0)
      return hints[i].hint;
  return NULL;
}

static void report_syntax(Loader *l) {
  const yaml_parser_t *p = &l->parser;
  const char *problem = p->problem ? p->problem : "invalid YAML";
  Loc at;
  if (p->error == YAML_MEMORY_ERROR) {
    error_at(l->ctx, (Loc){l->f, 0, 0}, NULL, "out of memory reading YAML");
    return;
  }
  if (p->error == YAML_READER_ERROR) {
    at = diag_loc(l->f, p->problem_offset);
    error_at(l->ctx, at, "remove the character", "%s", problem);
    return;
  }
  at = mark_loc(l, p->problem_mark);
  Loc tab;
  bool in_flow = p->flow_level > 0 || at.line <= l->flow_line;
  if (find_tab(l->f, at, in_flow, &tab)) {
    error_at(l->ctx, tab, "indent with spaces",
             "tab character used for indentation");
    return;
  }
  char ctx[160] = "";
  Loc from = mark_loc(l, p->context_mark);
  if (p->context && from.line != at.line)
    snprintf(ctx, sizeof ctx, " (%s at line %d)", p->context, from.line);
  else if (p->context && from.col != at.col)
    snprintf(ctx, sizeof ctx, " (%s)", p->context);
  // libyaml's messages are lowercase already; keep it so if one is not.
  char first = problem[0] >= 'A' && problem[0] <= 'Z' ? problem[0] + 32
                                                        : problem[0];
  error_at(l->ctx, at, syntax_hint(problem), "%c%s%s", first, problem + 1,
           ctx);
}

//
// Loading
//
// Reads one event; false once the stream has ended or an error stopped
// the load.
static bool parse_event(Loader *l) {
  if (l->stop || l->done)
    return false;
  yaml_event_t ev;
  if (!yaml_parser_parse(&l->parser, &ev)) {
    report_syntax(l);
    l->stop = true;
    return false;
  }
  l->done = ev.type == YAML_STREAM_END_EVENT;
  on_event(l, &ev);
  yaml_event_delete(&ev);
  return !l->done;
}

static void loader_init(Loader *l, Ctx *ctx, SourceFile *f, bool stream) {
  *l = (Loader){.ctx = ctx, .f = f, .stream = stream,
                .errors = ctx->nerrors};
}

// Hands the file to libyaml.
static void start_parser(Loader *l) {
  if (!yaml_parser_initialize(&l->parser)) {
    error_at(l->ctx, (Loc){l->f, 0, 0}, NULL, "out of memory reading YAML");
    l->stop = true;
    return;
  }
  l->parser_ok = true;
  yaml_parser_set_encoding(&l->parser, YAML_UTF8_ENCODING);
  yaml_parser_set_input_string(&l->parser, (const unsigned char *)l->f->text,
                               l->f->len);
  map_lines(l);
}

static void loader_free(Loader *l) {
  if (l->parser_ok)
    yaml_parser_delete(&l->parser);
  l->parser_ok = false;
  free(l->kids);
  free(l->stack);
  free(l->scan.ev);
  free(l->scan.buf);
  l->kids = NULL;
  l->stack = NULL;
  l->scan = (ScanEvents){0};
  l->nkids = l->kids_cap = l->depth = l->cap = 0;
}

// The root after the whole stream was read, or NULL after reporting.
static Node *loader_finish(Loader *l) {
  loader_free(l);
  if (l->ctx->nerrors != l->errors)
    return NULL;
  if (node_is_null(l->root)) {
    // No document, only comments, or a document that is just null.
    error_at(l->ctx, (Loc){l->f, 1, 1}, "a spec starts with 'hgc: 1'",
             "file is empty");
    return NULL;
  }
  return l->root;
}

// Builds the tree from scan_yaml's events, as on_event does from libyaml's.
static void replay(Loader *l) {
  l->ndocs = 1;
  for (int i = 0; i < l->scan.n && !l->stop; i++) {
    const ScanEvent *e = &l->scan.ev[i];
    Loc at = {l->f, e->at.line, e->at.col};
    switch (e->kind) {
    case SE_SCALAR:
      on_scalar(l, at, e->end, e->text, e->len, e->style, NULL, NULL);
      break;
    case SE_MAP:
    case SE_SEQ:
      open_node(l, e->kind == SE_MAP ? NK_MAP : NK_SEQ, NULL, NULL, e->flow,
                at);
      break;
    case SE_END:
      close_node(l, e->end);
      break;
    }
  }
  l->done = true;
}

Node *load_source(Ctx *ctx, SourceFile *f) {
  Loader l;
  loader_init(&l, ctx, f, false);
  if (scan_yaml(f->text, f->len, &l.scan)) {
    replay(&l);
  } else {
    start_parser(&l);
    while (parse_event(&l))
      ;
  }
  return loader_finish(&l);
}

Loader *load_stream(Ctx *ctx, SourceFile *f) {
  Loader *l = arena_calloc(ctx->arena, sizeof *l);
  loader_init(l, ctx, f, true);
  start_parser(l);
  while (l->depth == 0 && parse_event(l)) // up to the top-level node
    ;
  return l;
}

Node *load_stream_next(Loader *l) {
  l->item = NULL;
  while (!l->item && parse_event(l))
    ;
  return l->item;
}

bool load_stream_anchored(const Loader *l) { return l->anchored; }

Node *load_stream_end(Loader *l) {
  if (!l->done && !l->stop) { // left before the end
    loader_free(l);
    return NULL;
  }
  return loader_finish(l);
}

Node *load_file(Ctx *ctx, const char *path, const Loc *from) {
  SourceFile *f = diag_read_file(ctx, path, from);
  return f ? load_source(ctx, f) : NULL;
}

//
// Positions inside scalars
//
// The start of the source line after the one holding s[i].
static size_t next_line(const char *s, size_t i, size_t stop) {
  while (i < stop && s[i] != '\n')
    i++;
  return i < stop ? i + 1 : stop;
}

static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Steps over a node's anchor and tag and the blanks, comments and line
// breaks after them: a node's start mark is at its properties.
static size_t skip_properties(const char *s, size_t i, size_t stop) {
  while (i < stop && (s[i] == '&' || s[i] == '!')) {
    while (i < stop && !is_blank(s[i]))
      i++;
    for (; i < stop && (is_blank(s[i]) || s[i] == '#'); i++) {
      if (s[i] == '#')
        i = next_line(s, i, stop) - 1;
    }
  }
  return i;
}

// In a literal block the text's lines are the source's lines after the
// header, less the block's indentation.
static bool literal_offset(const Node *n, const char *s, size_t value,
                           size_t stop, size_t offset, size_t *at) {
  size_t line = next_line(s, value, stop);
  size_t from = 0; // where the text line holding offset starts
  for (size_t k = 0; k < offset; k++)
    if (n->text[k] == '\n') {
      line = next_line(s, line, stop);
      from = k + 1;
    }
  size_t spaces = 0;
  while (line + spaces < stop && s[line + spaces] == ' ')
    spaces++;
  size_t inner = 0; // spaces the text keeps
  while (from + inner < n->len && n->text[from + inner] == ' ')
    inner++;
  if (spaces < inner)
    return false;
  size_t begin = line + spaces - inner;
  size_t width = offset - from;
  if (begin + width > stop || memcmp(s + begin, n->text + from, width) != 0)
    return false;
  *at = begin + width;
  return true;
}

// The source offset of text[offset] when the text before it appears
// verbatim on the scalar's first line: no escapes, folding or breaks.
static bool direct_offset(const Node *n, const char *s, size_t value,
                          size_t stop, size_t offset, size_t *at) {
  if (n->style == SC_BLOCK) {
    return value < stop && s[value] == '|' &&
           literal_offset(n, s, value, stop, offset, at);
  }
  size_t first = value;
  char escape = '\n'; // plain scalars have none: stand in a line break
  if (n->style == SC_QUOTED) {
    if (value >= stop)
      return false;
    escape = s[value] == '"' ? '\\' : '\'';
    first++;
  }
  if (first + offset > stop)
    return false;
  for (size_t i = 0; i < offset; i++) {
    char c = s[first + i];
    if (c != n->text[i] || c == escape || c == '\r' || c == '\n')
      return false;
  }
  *at = first + offset;
  return true;
}

// The first needle in s[from, stop), or stop.
static size_t search(const char *s, size_t from, size_t stop,
                     const char *needle) {
  size_t len = strlen(needle);
  for (size_t i = from; i + len <= stop; i++)
    if (memcmp(s + i, needle, len) == 0)
      return i;
  return stop;
}

Loc node_text_loc(const Node *n, size_t offset, const char *needle) {
  if (!n)
    return (Loc){0};
  SourceFile *f = n->loc.file;
  if (n->kind != NK_SCALAR || !f || n->loc.line < 1 || offset > n->len)
    return n->loc;
  size_t start = diag_offset(f, n->loc.line, n->loc.col);
  size_t stop = diag_offset(f, n->end.line, n->end.col);
  if (stop <= start)
    return n->loc;
  size_t value = skip_properties(f->text, start, stop);
  size_t at = 0;
  if (direct_offset(n, f->text, value, stop, offset, &at))
    return diag_loc(f, at);
  if (!needle || !*needle)
    return n->loc;
  // Escapes and folding seldom make the source shorter than the text, so
  // the needle is at or after value + offset; else look from the start.
  size_t guess = value + offset < stop ? value + offset : stop;
  at = search(f->text, guess, stop, needle);
  if (at == stop)
    at = search(f->text, value, stop, needle);
  return at < stop ? diag_loc(f, at) : n->loc;
}
