// SPDX-License-Identifier: MIT
// vars.c: ${var} expansion on the merged spec tree.
//
// Input: the merged document, the command-line overrides (-D, --vars) and,
// in a batch, one row. Output: a new tree (ctx->arena) in which every
// scalar value has its references replaced: ${name}, ${a.b.c},
// ${name:-fallback}, ${env.NAME} (only for names listed under `env:`) and
// ${row.COLUMN}; $${ is a literal ${. Keys are never expanded. A scalar
// that is exactly one reference takes the value's type (a number stays a
// number, a map is copied in); inside longer text only scalars fit.
// Lookup order: overrides, then the document's `vars`. Variables may use
// variables: each node under `vars` is expanded once, on first use, and
// remembered; the expansions under way form a stack that finds cycles and
// prints them. The nesting of references (ctx->limits.var_depth) and the
// bytes of the trees built (ctx->limits.expansion, shared by every row
// of a batch) are capped, so long chains, exponential growth and huge
// batches fail fast. Nothing
// here reads the environment except ${env.NAME}. `vars:` must be a map of
// valid names and `env:` a list of names; both are checked first.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NAME_HINT                                                              \
  "use letters, digits, '_' and '-', starting with a letter or '_'"
#define ENV_NAME_HINT                                                          \
  "use letters, digits and '_', starting with a letter or '_'"

// A hash table of structs by the pointer in their first member, open
// addressing; cap 0 or a power of 2.
typedef struct {
  void **slots;
  size_t cap;
  size_t count;
} PtrMap;

typedef enum { MEMO_BUSY, MEMO_DONE, MEMO_FAILED } MemoState;

// The expansion of one node under `vars` or of an override.
typedef struct {
  const Node *raw;  // the node as written
  const char *name; // its dotted path, for cycle messages
  MemoState state;
  Node *out; // MEMO_DONE: the expanded node
} Memo;

typedef struct {
  Ctx *ctx;
  const Node *vars;      // the document's `vars` map, or NULL
  const Node *overrides; // -D and --vars (a map), or NULL
  const Node *row;       // the batch row, or NULL
  const Node *env;       // the document's `env` list, or NULL
  PtrMap memos;          // Memo by the node it expands
  PtrMap indexes;        // KeyIndex by the map (or env list) it indexes
  Memo **busy; // expansions under way, outermost first
  int nbusy;
  int cap_busy;
  int hops;      // references being followed, one inside another
  size_t budget; // bytes the trees built may still take (text, and each
                 // node as sizeof(Node)); the rest of the spec's budget
  bool stop;     // a limit was hit and reported: expand nothing more
  bool spent;    // the budget ran out (for every later row too)
} Expander;

// One ${...} in a scalar's text.
typedef struct {
  size_t at;         // offset of "${"
  size_t end;        // offset just past the closing '}'
  const char *src;   // the reference as written (src_len bytes): see ref_src
  size_t src_len;
  const char **segs; // the name split at '.'
  int nsegs;
  const char *fallback; // the text after ":-", or NULL
  size_t fallback_len;
} Ref;

// Where a reference stands, worked out only when a message needs it: it
// costs a walk over the scalar's text up to the reference, and one long
// scalar may hold a great many references.
typedef struct {
  Ctx *ctx;
  const Node *site; // the scalar holding the reference...
  const Ref *ref;   // ...and the reference; NULL once loc is known
  Loc loc;
} At;

typedef enum { GOT_VALUE, GOT_FALLBACK, GOT_ERROR } Got;

static Node *expand(Expander *ex, const Node *n, const char *name);
static Loc at_loc(At *at);

//
// Scalars from text
//
// Types a -D value or a whole-scalar fallback as a YAML scalar: quoted
// text is unquoted into a string; anything else is a plain scalar,
// whatever it holds, so 1.2 is a number and true a bool while #fff and
// a: b stay text (YAML proper would read a comment and a map). NULL when
// quoted text is malformed.
static Node *parse_scalar(Ctx *ctx, Loc loc, const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t'))
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  if (!n || (*s != '"' && *s != '\''))
    return node_new_scalar(ctx, loc, s, n, SC_PLAIN);
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return NULL;
  yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
  yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
  Node *out = NULL;
  bool bad = false;
  for (bool end = false; !end && !bad;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev))
      break;
    end = ev.type == YAML_STREAM_END_EVENT;
    if (ev.type == YAML_SCALAR_EVENT && !out)
      out = node_new_scalar(ctx, loc, (const char *)ev.data.scalar.value,
                            ev.data.scalar.length, SC_QUOTED);
    else
      bad = ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
            ev.type == YAML_MAPPING_START_EVENT ||
            ev.type == YAML_SEQUENCE_START_EVENT;
    yaml_event_delete(&ev);
  }
  bad |= p.error != YAML_NO_ERROR;
  yaml_parser_delete(&p);
  return bad ? NULL : out;
}

static bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// A name a variable can be defined with: [A-Za-z_][A-Za-z0-9_-]*.
static bool is_var_name(const char *s) {
  if (!*s || (*s >= '0' && *s <= '9') || *s == '-')
    return false;
  for (; *s; s++)
    if (!is_name_char(*s))
      return false;
  return true;
}

static bool is_reserved(const char *name) {
  return strcmp(name, "env") == 0 || strcmp(name, "row") == 0;
}

// Reports a name -D or --vars cannot define; true when it is fine.
// `where` starts the message, for a -D that has no position to show.
static bool check_name(Ctx *ctx, Loc at, const char *where, const char *name) {
  if (!is_var_name(name))
    error_at(ctx, at, NAME_HINT, "%sinvalid variable name '%s'", where, name);
  else if (is_reserved(name))
    error_at(ctx, at, "pick another name",
             "%svariable name '%s' is reserved for ${%s.NAME}", where, name,
             name);
  else
    return true;
  return false;
}

//
// Overrides
//
static void put_var(Ctx *ctx, Node *map, Node *key, Node *value) {
  Pair *p = node_get_pair(map, key->text);
  if (p)
    *p = (Pair){key, value};
  else
    node_map_put(ctx, map, key, value);
}

// --vars FILE: a flat map of name: scalar.
static void read_vars_file(Ctx *ctx, const char *path, Node *map) {
  Node *doc = load_file(ctx, path, NULL);
  if (!doc)
    return;
  if (doc->kind != NK_MAP) {
    error_at(ctx, doc->loc, "write one 'name: value' per line",
             "expected a map of variables, found %s", node_kind_name(doc));
    return;
  }
  for (int i = 0; i < doc->npairs; i++) {
    Pair *p = &doc->pairs[i];
    if (!check_name(ctx, p->key->loc, "", p->key->text))
      continue;
    if (p->value->kind != NK_SCALAR) {
      error_at(ctx, p->value->loc,
               "put nested values under 'vars:' in the spec",
               "variable '%s' is %s, but --vars takes a flat map of scalars",
               p->key->text, node_kind_name(p->value));
      continue;
    }
    node_map_put(ctx, map, p->key, p->value);
  }
}

// -D name=value. The value gets a position in a one-line "file" holding
// the option, so a message about it can point at it.
static void add_define(Ctx *ctx, const char *def, Node *map) {
  const char *eq = strchr(def, '=');
  if (!eq) {
    error_at(ctx, (Loc){0}, "write -D name=value",
             "-D '%s' is not of the form name=value", def);
    return;
  }
  const char *name = arena_strndup(ctx->arena, def, (size_t)(eq - def));
  if (!check_name(ctx, (Loc){0}, arena_printf(ctx->arena, "-D '%s': ", def),
                  name))
    return;
  SourceFile *f = diag_text_file(ctx, "<command line>",
                                 arena_printf(ctx->arena, "-D %s", def));
  size_t off = 3 + strlen(name) + 1;
  while (off < f->len && (f->text[off] == ' ' || f->text[off] == '\t'))
    off++;
  Loc at = diag_loc(f, off);
  Node *v = parse_scalar(ctx, at, f->text + off, f->len - off);
  if (!v) {
    error_at(ctx, at, "close the quotes, or leave them out",
             "invalid quoted value");
    return;
  }
  // Unlike a file's text, the command line's was not checked as it was
  // read, and the request will carry it.
  if (!json_text_ok(v->text, v->len)) {
    error_at(ctx, at, NULL, "value is not valid UTF-8");
    return;
  }
  v->end = loc_pos(diag_loc(f, f->len));
  put_var(ctx, map,
          node_new_scalar(ctx, diag_loc(f, 3), name, strlen(name), SC_PLAIN),
          v);
}

Node *vars_overrides(Ctx *ctx, const VarsOptions *opts) {
  Arena *saved = ctx->arena;
  int errors = ctx->nerrors;
  ctx->arena = ctx->perm;
  Node *map = node_new_map(ctx, (Loc){0});
  if (opts->vars_file)
    read_vars_file(ctx, opts->vars_file, map);
  for (int i = 0; i < opts->ndefines; i++)
    add_define(ctx, opts->defines[i], map);
  ctx->arena = saved;
  return ctx->nerrors == errors ? map : NULL;
}

//
// Tables
//
static size_t ptr_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDu;
  x ^= x >> 33;
  return (size_t)x;
}

// The key an entry of a PtrMap is filed under: its first member.
static const void *entry_ptr(const void *entry) {
  return *(const void *const *)entry;
}

static void **ptrmap_slot(void **slots, size_t cap, const void *key) {
  size_t i = ptr_hash(key) & (cap - 1);
  while (slots[i] && entry_ptr(slots[i]) != key)
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

static void *ptrmap_get(const PtrMap *t, const void *key) {
  return t->cap ? *ptrmap_slot(t->slots, t->cap, key) : NULL;
}

static void ptrmap_put(Ctx *ctx, PtrMap *t, void *entry) {
  if ((t->count + 1) * 2 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    void **slots = arena_calloc(ctx->arena, sizeof *slots * cap);
    for (size_t i = 0; i < t->cap; i++)
      if (t->slots[i])
        *ptrmap_slot(slots, cap, entry_ptr(t->slots[i])) = t->slots[i];
    t->slots = slots;
    t->cap = cap;
  }
  *ptrmap_slot(t->slots, t->cap, entry_ptr(entry)) = entry;
  t->count++;
}

static Memo *memo_add(Expander *ex, const Node *raw, const char *name) {
  Memo *m = arena_calloc(ex->ctx->arena, sizeof *m);
  *m = (Memo){raw, name, MEMO_BUSY, NULL};
  ptrmap_put(ex->ctx, &ex->memos, m);
  return m;
}

// A map's keys (or an env list's names) by their text, built on first
// use: many references into one big map would otherwise scan it each.
typedef struct {
  const Node *owner; // the map or list indexed
  int *slots;        // an entry's position + 1; 0 is empty
  size_t cap;        // a power of 2, at least twice the entries
} KeyIndex;

#define INDEX_MIN 16 // entries below which a scan is as quick

static const Node *entry_name(const Node *owner, int i) {
  return owner->kind == NK_MAP ? owner->pairs[i].key : owner->items[i];
}

static bool has_text(const Node *n, const char *s, size_t len) {
  return n->kind == NK_SCALAR && n->len == len && memcmp(n->text, s, len) == 0;
}

// The slot of name in x: its entry, or the empty slot where it would go.
static int *index_slot(const KeyIndex *x, const char *name, size_t len) {
  size_t i = text_hash(name, len) & (x->cap - 1);
  while (x->slots[i] && !has_text(entry_name(x->owner, x->slots[i] - 1),
                                  name, len))
    i = (i + 1) & (x->cap - 1);
  return &x->slots[i];
}

static KeyIndex *key_index(Expander *ex, const Node *owner, int n) {
  KeyIndex *x = ptrmap_get(&ex->indexes, owner);
  if (x)
    return x;
  x = arena_calloc(ex->ctx->arena, sizeof *x);
  x->owner = owner;
  for (x->cap = 2 * INDEX_MIN; x->cap < 2 * (size_t)n;)
    x->cap *= 2;
  x->slots = arena_calloc(ex->ctx->arena, sizeof *x->slots * x->cap);
  for (int i = 0; i < n; i++) {
    const Node *k = entry_name(owner, i);
    int *slot = k->kind == NK_SCALAR ? index_slot(x, k->text, k->len) : NULL;
    if (slot && !*slot) // the first of equal names wins
      *slot = i + 1;
  }
  ptrmap_put(ex->ctx, &ex->indexes, x);
  return x;
}

// The position of the entry named `name` in owner, a map or a list of
// names; -1 when there is none.
static int find_entry(Expander *ex, const Node *owner, const char *name) {
  int n = owner->kind == NK_MAP ? owner->npairs : owner->nitems;
  size_t len = strlen(name);
  if (n < INDEX_MIN) {
    for (int i = 0; i < n; i++)
      if (has_text(entry_name(owner, i), name, len))
        return i;
    return -1;
  }
  return *index_slot(key_index(ex, owner, n), name, len) - 1;
}

// node_get for the maps references look into.
static const Node *find_key(Expander *ex, const Node *map, const char *name) {
  int i = map && map->kind == NK_MAP ? find_entry(ex, map, name) : -1;
  return i < 0 ? NULL : map->pairs[i].value;
}

static void push_busy(Expander *ex, Memo *m) {
  if (ex->nbusy == ex->cap_busy) {
    int cap = ex->cap_busy ? ex->cap_busy * 2 : 16;
    Memo **busy = arena_calloc(ex->ctx->arena, sizeof *busy * (size_t)cap);
    if (ex->nbusy)
      memcpy(busy, ex->busy, sizeof *busy * (size_t)ex->nbusy);
    ex->busy = busy;
    ex->cap_busy = cap;
  }
  ex->busy[ex->nbusy++] = m;
}

// "variable 'a' refers to itself: a -> b -> a", at the reference that
// closes the cycle. A long cycle shows its first and last names.
static void report_cycle(Expander *ex, const Memo *m, At *at) {
  int from = ex->nbusy - 1;
  while (from > 0 && ex->busy[from] != m)
    from--;
  const char *chain = m->name;
  for (int i = from + 1; i < ex->nbusy; i++) {
    if (i - from == 4 && ex->nbusy - i > 4) {
      chain = arena_printf(ex->ctx->arena, "%s -> ...", chain);
      i = ex->nbusy - 4;
    }
    chain = arena_printf(ex->ctx->arena, "%s -> %s", chain, ex->busy[i]->name);
  }
  error_at(ex->ctx, at_loc(at),
           "give one of them a value that uses no variable",
           "variable '%s' refers to itself: %s -> %s", m->name, chain, m->name);
}

// The expansion of a node under `vars` (or an override), named `name`,
// computed once. `at` is the reference that asks for it.
static Node *expand_var(Expander *ex, const Node *raw, const char *name,
                        At *at) {
  Memo *m = ptrmap_get(&ex->memos, raw);
  if (m && m->state == MEMO_BUSY)
    report_cycle(ex, m, at);
  if (m)
    return m->state == MEMO_DONE ? m->out : NULL;
  if (ex->stop)
    return NULL;
  m = memo_add(ex, raw, name);
  push_busy(ex, m);
  Node *out = expand(ex, raw, name);
  ex->nbusy--;
  m->state = out ? MEMO_DONE : MEMO_FAILED;
  m->out = out;
  return out;
}

//
// References
//
// Reports that expansion has run out of budget (once); false. In a
// batch the budget is shared by the rows, so a long batch of a big spec
// ends here too.
static bool too_large(Expander *ex, Loc at) {
  Ctx *ctx = ex->ctx;
  if (ex->stop)
    return false;
  if (ex->row)
    error_at(ctx, at,
             "split the rows into several files, or check for variables "
             "that repeat other variables",
             "variable expansion too large (limit is %zu bytes for the "
             "whole batch; raise it with --max-expansion)",
             ctx->limits.expansion);
  else
    error_at(ctx, at, "check for variables that repeat other variables",
             "variable expansion too large (limit is %zu bytes; raise it "
             "with --max-expansion)",
             ctx->limits.expansion);
  ex->stop = ex->spent = true;
  return false;
}

// Takes `bytes` from the budget; false when it runs out.
static bool charge(Expander *ex, Loc at, size_t bytes) {
  if (ex->stop || bytes > ex->budget)
    return too_large(ex, at);
  ex->budget -= bytes;
  return true;
}

// The bytes a copy of n takes, counted up to just past `cap`: aliases
// make a tree a DAG whose copy may be far larger than its nodes.
static size_t tree_bytes(const Node *n, size_t cap) {
  size_t size = sizeof *n + n->len;
  for (int i = 0; i < n->npairs && size <= cap; i++)
    size += tree_bytes(n->pairs[i].key, cap) +
            tree_bytes(n->pairs[i].value, cap);
  for (int i = 0; i < n->nitems && size <= cap; i++)
    size += tree_bytes(n->items[i], cap);
  return size;
}

static Node *unchanged(const Node *n);

// n, which needs no expansion, counted against the budget as a copy.
static Node *copy(Expander *ex, const Node *n) {
  if (!charge(ex, n->loc, tree_bytes(n, ex->budget)))
    return NULL;
  return unchanged(n);
}

// The reference as written, NUL-terminated: made only for a message.
static const char *ref_src(Ctx *ctx, const Ref *r) {
  return arena_strndup(ctx->arena, r->src, r->src_len);
}

// Where a reference stands in the source. Past the error limit no
// message is shown, and the walk to find it is skipped.
static Loc ref_loc(Ctx *ctx, const Node *site, const Ref *r) {
  if (ctx->nerrors >= HGC_MAX_ERRORS)
    return site->loc;
  return node_text_loc(site, r->at, ref_src(ctx, r));
}

static Loc at_loc(At *at) {
  if (at->ref) {
    at->loc = ref_loc(at->ctx, at->site, at->ref);
    at->ref = NULL;
  }
  return at->loc;
}

// "a.b", joined by hand: every row names the members of the map
// variables it expands, and vsnprintf cost more than the expansion.
static const char *dotted(Ctx *ctx, const char *a, const char *b) {
  size_t na = strlen(a);
  size_t nb = strlen(b);
  char *s = arena_calloc(ctx->arena, na + nb + 2);
  memcpy(s, a, na);
  s[na] = '.';
  memcpy(s + na + 1, b, nb);
  return s;
}

static const char *path_to(Ctx *ctx, const Ref *r, int k) {
  const char *s = r->segs[0];
  for (int i = 1; i <= k; i++)
    s = dotted(ctx, s, r->segs[i]);
  return s;
}

// Offset just past the '}' closing the reference at text[i], or 0.
static size_t ref_end(const Node *n, size_t i) {
  const char *close = memchr(n->text + i, '}', n->len - i);
  return close ? (size_t)(close - n->text) + 1 : 0;
}

// Parses the reference at text[i] ("${" is there). Sets r->end, also on
// failure (to the end of the text when the brace is missing); false after
// reporting.
static bool parse_ref(Expander *ex, const Node *n, size_t i, Ref *r) {
  Ctx *ctx = ex->ctx;
  *r = (Ref){.at = i, .src = n->text + i, .src_len = 2}; // "${"
  r->end = ref_end(n, i);
  if (!r->end) {
    r->end = n->len;
    error_at(ctx, ref_loc(ctx, n, r),
             "close it with '}', or write '$${' for a literal '${'",
             "unterminated '${'");
    return false;
  }
  const char *body = n->text + i + 2;
  size_t len = r->end - i - 3;
  r->src_len = r->end - i;
  const char *sep = NULL;
  for (size_t k = 0; k + 1 < len && !sep; k++)
    if (body[k] == ':' && body[k + 1] == '-')
      sep = body + k;
  size_t name_len = sep ? (size_t)(sep - body) : len;
  if (sep) {
    r->fallback = sep + 2;
    r->fallback_len = len - name_len - 2;
  }
  bool ok = name_len > 0 && body[0] != '.' && body[name_len - 1] != '.';
  r->nsegs = 1;
  for (size_t k = 0; k < name_len && ok; k++) {
    r->nsegs += body[k] == '.';
    ok = body[k] == '.' ? body[k + 1] != '.' : is_name_char(body[k]);
  }
  if (!ok) {
    error_at(ctx, ref_loc(ctx, n, r),
             "write ${name} or ${name.key}, or '$${' for a literal '${'",
             "invalid variable reference '%s'", ref_src(ctx, r));
    return false;
  }
  // ${x:-${y}} would read as the fallback "${y" and a stray '}'. The
  // fallback is plain text; say so rather than send "${y}".
  for (size_t k = 0; k + 1 < r->fallback_len; k++)
    if (r->fallback[k] == '$' && r->fallback[k + 1] == '{') {
      error_at(ctx, ref_loc(ctx, n, r),
               "give a plain default, or set a default under 'vars:'",
               "the fallback of '${%.*s}' cannot use a variable", (int)name_len,
               body);
      return false;
    }
  r->segs = arena_calloc(ctx->arena, sizeof *r->segs * (size_t)r->nsegs);
  const char *s = body;
  for (int k = 0; k < r->nsegs; k++) {
    const char *dot = memchr(s, '.', (size_t)(body + name_len - s));
    const char *stop = dot ? dot : body + name_len;
    r->segs[k] = arena_strndup(ctx->arena, s, (size_t)(stop - s));
    s = stop + 1;
  }
  return true;
}

static bool is_listed(Expander *ex, const char *name) {
  return ex->env && ex->env->kind == NK_SEQ &&
         find_entry(ex, ex->env, name) >= 0;
}

// ${env.NAME}: NAME must be listed under `env:`; an unset one may fall back.
// The API key is never read: a spec from a pull request could otherwise
// put it in a request, or in an error message on a CI log.
static Got find_env(Expander *ex, const Node *site, const Ref *r, At *at,
                    const Node **val) {
  Ctx *ctx = ex->ctx;
  if (r->nsegs != 2) {
    error_at(ctx, at_loc(at), "write ${env.NAME}",
             "'%s' does not name an environment variable", ref_src(ctx, r));
    return GOT_ERROR;
  }
  const char *name = r->segs[1];
  if (strcmp(name, "HEYGEN_API_KEY") == 0) {
    error_at(ctx, at_loc(at), "remove it: the runtime sends the key itself",
             "'${env.HEYGEN_API_KEY}' cannot be used: it is the API key");
    return GOT_ERROR;
  }
  if (!is_listed(ex, name)) {
    error_at(
        ctx, at_loc(at),
        arena_printf(ctx->arena, "add '%s' to the spec's 'env:' list", name),
        "environment variable '%s' is not listed under 'env:'", name);
    return GOT_ERROR;
  }
  const char *v = getenv(name);
  if (!v) {
    if (r->fallback)
      return GOT_FALLBACK;
    error_at(ctx, at_loc(at),
             arena_printf(ctx->arena,
                          "set it, or give a default: ${env.%s:-VALUE}", name),
             "environment variable '%s' is not set", name);
    return GOT_ERROR;
  }
  if (!json_text_ok(v, strlen(v))) { // as for -D
    error_at(ctx, at_loc(at), NULL,
             "environment variable '%s' is not valid UTF-8",
             name);
    return GOT_ERROR;
  }
  Node *n = node_new_scalar(ctx, site->loc, v, strlen(v), SC_QUOTED);
  n->end = site->end;
  *val = n;
  return GOT_VALUE;
}

// Names a did-you-mean may offer at the top level.
static const char **top_names(Expander *ex, int *n) {
  const Node *maps[] = {ex->overrides, ex->vars};
  int total = 0;
  for (int i = 0; i < 2; i++)
    total += maps[i] ? maps[i]->npairs : 0;
  const char **names =
      arena_calloc(ex->ctx->arena, sizeof *names * (size_t)(total + 1));
  *n = 0;
  for (int i = 0; i < 2; i++)
    for (int j = 0; maps[i] && j < maps[i]->npairs; j++)
      names[(*n)++] = maps[i]->pairs[j].key->text;
  return names;
}

// segs[k] is not defined (in `map` when k > 0): the fallback, or an error
// with a did-you-mean.
static Got undefined(Expander *ex, const Ref *r, int k, const Node *map,
                     bool is_row, At *at) {
  Ctx *ctx = ex->ctx;
  if (r->fallback)
    return GOT_FALLBACK;
  const char *best = NULL;
  if (ctx->nerrors < HGC_MAX_ERRORS) { // else the message is not shown
    int n = 0;
    const char **cands;
    if (k == 0) {
      cands = top_names(ex, &n);
    } else {
      cands =
          arena_calloc(ctx->arena, sizeof *cands * (size_t)(map->npairs + 1));
      for (; n < map->npairs; n++)
        cands[n] = map->pairs[n].key->text;
    }
    best = diag_suggest(r->segs[k], cands, n);
  }
  const char *prefix = k ? path_to(ctx, r, k - 1) : "";
  const char *hint =
      best     ? arena_printf(ctx->arena, "did you mean '%s%s%s'?",
                          is_row ? "" : prefix, k && !is_row ? "." : "", best)
      : k == 0 ? arena_printf(ctx->arena,
                              "define it under 'vars:', or pass -D %s=VALUE",
                              r->segs[0])
               : NULL;
  if (is_row && k == 1)
    error_at(ctx, at_loc(at), hint, "unknown column '%s' in the batch row",
             r->segs[1]);
  else
    error_at(ctx, at_loc(at), hint, "undefined variable '%s'",
             path_to(ctx, r, k));
  return GOT_ERROR;
}

// Follows segs[1..] from `node`, the value of segs[0]. `literal`: node is
// data (a row) or expanded already, so its parts need no expansion.
static Got descend(Expander *ex, const Ref *r, At *at, const Node *node,
                   bool literal, bool is_row, const Node **val) {
  for (int k = 1; k < r->nsegs; k++) {
    if (!literal && node->kind == NK_SCALAR) {
      // vars: {a: "${b}", b: {c: 1}} and ${a.c}: a is a map once expanded.
      node = expand_var(ex, node, path_to(ex->ctx, r, k - 1), at);
      if (!node)
        return GOT_ERROR;
      literal = true;
    }
    if (node->kind != NK_MAP) {
      error_at(ex->ctx, at_loc(at), NULL, "'%s' is %s and has no key '%s'",
               path_to(ex->ctx, r, k - 1), node_kind_name(node), r->segs[k]);
      return GOT_ERROR;
    }
    const Node *child = find_key(ex, node, r->segs[k]);
    if (!child)
      return undefined(ex, r, k, node, is_row, at);
    node = child;
  }
  if (!literal) {
    node = expand_var(ex, node, path_to(ex->ctx, r, r->nsegs - 1), at);
    if (!node)
      return GOT_ERROR;
  }
  *val = node;
  return GOT_VALUE;
}

// The value a reference names, expanded, or the fallback's turn: the
// name is undefined, or its value empty.
static Got lookup(Expander *ex, const Node *site, const Ref *r,
                  const Node **val) {
  Ctx *ctx = ex->ctx;
  At at = {ctx, site, r, site->loc};
  if (ex->stop)
    return GOT_ERROR;
  if (ex->hops == ctx->limits.var_depth) {
    error_at(ctx, at_loc(&at), "use fewer variables that use variables",
             "too many nested variable references (limit is %d; raise it "
             "with --max-var-depth)",
             ctx->limits.var_depth);
    ex->stop = true;
    return GOT_ERROR;
  }
  const char *first = r->segs[0];
  Got got;
  ex->hops++;
  if (strcmp(first, "env") == 0) {
    got = find_env(ex, site, r, &at, val);
  } else if (strcmp(first, "row") == 0) {
    if (ex->row) {
      got = descend(ex, r, &at, ex->row, true, true, val);
    } else if (r->fallback) {
      got = GOT_FALLBACK;
    } else {
      error_at(ctx, at_loc(&at), "pass --rows FILE, or set 'rows:' in the spec",
               "'%s' needs a batch row", ref_src(ctx, r));
      got = GOT_ERROR;
    }
  } else {
    const Node *v = find_key(ex, ex->overrides, first);
    if (!v)
      v = find_key(ex, ex->vars, first);
    got = v ? descend(ex, r, &at, v, false, false, val)
            : undefined(ex, r, 0, NULL, false, &at);
  }
  ex->hops--;
  // As in the shell, ${x:-d} also stands for an empty or null x (an
  // empty CSV cell).
  if (got == GOT_VALUE && r->fallback && (*val)->kind == NK_SCALAR &&
      ((*val)->len == 0 || node_is_null(*val)))
    got = GOT_FALLBACK;
  return got;
}

//
// Expansion
//
// A value in place of a whole-scalar reference: a scalar keeps its type
// at the use site; a map or list is copied in.
static Node *place(Expander *ex, const Node *site, const Node *v) {
  Ctx *ctx = ex->ctx;
  if (!charge(ex, site->loc, tree_bytes(v, ex->budget)))
    return NULL;
  Node *n;
  if (v->kind == NK_SCALAR)
    n = node_new_scalar(ctx, site->loc, v->text, v->len,
                        node_type(v) == ST_STRING ? SC_QUOTED : SC_PLAIN);
  else
    n = node_copy(ctx, v);
  n->loc = site->loc;
  n->end = site->end;
  return n;
}

// A scalar that is exactly one reference: ${speed} stays a number.
static Node *expand_whole(Expander *ex, const Node *n) {
  Ref r;
  if (!parse_ref(ex, n, 0, &r))
    return NULL;
  const Node *v;
  switch (lookup(ex, n, &r, &v)) {
  case GOT_VALUE:
    return place(ex, n, v);
  case GOT_FALLBACK:
    v = parse_scalar(ex->ctx, n->loc, r.fallback, r.fallback_len);
    if (!v) {
      size_t off = (size_t)(r.fallback - n->text);
      error_at(ex->ctx, node_text_loc(n, off, NULL),
               "close the quotes, or leave them out",
               "invalid quoted fallback value");
      return NULL;
    }
    return place(ex, n, v);
  case GOT_ERROR:
    break;
  }
  return NULL;
}

// Appends the text of the reference r to b; false after reporting.
static bool interpolate(Expander *ex, const Node *n, const Ref *r, Buf *b) {
  const Node *v;
  switch (lookup(ex, n, r, &v)) {
  case GOT_VALUE:
    if (v->kind != NK_SCALAR) {
      const char *name = path_to(ex->ctx, r, r->nsegs - 1);
      error_at(
          ex->ctx, ref_loc(ex->ctx, n, r),
          arena_printf(ex->ctx->arena, "make '${%s}' the whole value to use %s",
                       name, node_kind_name(v)),
          "'%s' is %s and cannot be part of a string", name, node_kind_name(v));
      return false;
    }
    // A null variable is defined, and empty.
    return node_is_null(v) || buf_add(b, v->text, v->len) ||
           too_large(ex, n->loc);
  case GOT_FALLBACK:
    return buf_add(b, r->fallback, r->fallback_len) || too_large(ex, n->loc);
  case GOT_ERROR:
    break;
  }
  return false;
}

// n itself, as the expansion of a part of the document that holds no
// reference. Loaded and merged nodes are never modified (include.c), and
// nothing after expansion modifies the tree (validate_spec takes it
// const), so every row of a batch can share the parts the row does not
// change instead of copying them.
static Node *unchanged(const Node *n) {
  return (Node *)n;
}

// Expands the references in one scalar.
static Node *expand_scalar(Expander *ex, const Node *n) {
  Ctx *ctx = ex->ctx;
  if (!memchr(n->text, '$', n->len))
    return unchanged(n);
  if (n->len > 2 && memcmp(n->text, "${", 2) == 0 && ref_end(n, 0) == n->len)
    return expand_whole(ex, n);
  Buf b;
  buf_init(&b, ex->budget);
  bool ok = true;
  bool any = false; // a reference was replaced, not just $${
  for (size_t i = 0; i < n->len;) {
    const char *t = n->text + i;
    size_t left = n->len - i;
    if (left >= 3 && memcmp(t, "$${", 3) == 0) {
      ok &= buf_add(&b, "${", 2) || too_large(ex, n->loc);
      i += 3;
    } else if (left >= 2 && memcmp(t, "${", 2) == 0) {
      Ref r;
      ok &= parse_ref(ex, n, i, &r) && interpolate(ex, n, &r, &b);
      any = true;
      i = r.end;
    } else {
      const char *dollar = memchr(t + 1, '$', left - 1);
      size_t run = dollar ? (size_t)(dollar - t) : left;
      ok &= buf_add(&b, t, run) || too_large(ex, n->loc);
      i += run;
    }
    if (ex->stop) { // a lost buffer or a spent budget: nothing to build
      ok = false;
      break;
    }
  }
  Node *out = NULL;
  if (ok && charge(ex, n->loc, b.len)) {
    // Text built from pieces is a string, even if it reads like a number.
    ScalarStyle style = any && n->style == SC_PLAIN ? SC_QUOTED : n->style;
    out = node_new_scalar(ctx, n->loc, b.data, b.len, style);
    out->end = n->end;
  }
  buf_free(&b);
  return out;
}

// Puts v, the expansion of part i of n (a map or list), into out.
static void add_part(Ctx *ctx, Node *out, const Node *n, int i, Node *v) {
  if (n->kind == NK_MAP)
    node_map_put(ctx, out, unchanged(n->pairs[i].key), v);
  else
    node_seq_push(ctx, out, v);
}

static Node *expand_parts(Expander *ex, const Node *n);

// The tree for n. `name` is its path when n is (part of) a variable,
// whose parts are then expanded once each, through the memo table.
static Node *expand(Expander *ex, const Node *n, const char *name) {
  Ctx *ctx = ex->ctx;
  // Every node built counts, copies too: a DAG of aliases, or a batch
  // of many rows, is stopped by the budget rather than by memory.
  size_t bytes = sizeof *n + n->len;
  for (int i = 0; i < n->npairs; i++)
    bytes += sizeof(Node) + n->pairs[i].key->len;
  if (!charge(ex, n->loc, bytes + sizeof(Node *) * (size_t)n->nitems))
    return NULL;
  if (n->kind == NK_SCALAR)
    return expand_scalar(ex, n);
  if (!name)
    return expand_parts(ex, n);
  Node *out =
      n->kind == NK_MAP ? node_new_map(ctx, n->loc) : node_new_seq(ctx, n->loc);
  out->end = n->end;
  bool ok = true;
  for (int i = 0; i < n->npairs; i++) {
    const Pair *p = &n->pairs[i];
    Node *v = expand_var(ex, p->value, dotted(ctx, name, p->key->text),
                         &(At){.loc = p->value->loc});
    ok &= v != NULL;
    if (v)
      node_map_put(ctx, out, unchanged(p->key), v);
  }
  for (int i = 0; i < n->nitems; i++) {
    const Node *item = n->items[i];
    Node *v =
        expand_var(ex, item, arena_printf(ctx->arena, "%s[%d]", name, i),
                   &(At){.loc = item->loc});
    ok &= v != NULL;
    if (v)
      node_seq_push(ctx, out, v);
  }
  return ok ? out : NULL;
}

// A map or list outside `vars`: n itself when no part of it changes, else
// a new node holding the parts (changed or not) in order.
static Node *expand_parts(Expander *ex, const Node *n) {
  Ctx *ctx = ex->ctx;
  Node *out = NULL; // made at the first part that changes
  bool ok = true;
  int nparts = n->kind == NK_MAP ? n->npairs : n->nitems;
  for (int i = 0; i < nparts; i++) {
    const Node *part = n->kind == NK_MAP ? n->pairs[i].value : n->items[i];
    Node *v = expand(ex, part, NULL);
    ok &= v != NULL;
    if (!ok || (!out && v == part))
      continue;
    if (!out) {
      out = n->kind == NK_MAP ? node_new_map(ctx, n->loc)
                              : node_new_seq(ctx, n->loc);
      out->end = n->end;
      for (int k = 0; k < i; k++)
        add_part(ctx, out, n, k, unchanged(n->kind == NK_MAP
                                               ? n->pairs[k].value
                                               : n->items[k]));
    }
    add_part(ctx, out, n, i, v);
  }
  if (!ok)
    return NULL;
  return out ? out : unchanged(n);
}

// The document's `vars` map, each variable expanded (once, shared with
// the references to it); one that an override replaces is kept as
// written, since it is never used.
static Node *expand_vars_map(Expander *ex, const Node *vars) {
  Ctx *ctx = ex->ctx;
  Node *out = node_new_map(ctx, vars->loc);
  out->end = vars->end;
  bool ok = true;
  for (int i = 0; i < vars->npairs; i++) {
    const Pair *p = &vars->pairs[i];
    Node *v = find_key(ex, ex->overrides, p->key->text)
                  ? copy(ex, p->value)
                  : expand_var(ex, p->value, p->key->text,
                               &(At){.loc = p->value->loc});
    ok &= v != NULL;
    if (v)
      node_map_put(ctx, out, unchanged(p->key), v);
  }
  return ok ? out : NULL;
}

// `vars:` is a map whose names -D could set too; `env:` lists names of
// environment variables. A wrong shape is an error, not silently unused.
static void check_vars_and_env(Ctx *ctx, const Node *vars, const Node *env) {
  if (!node_is_null(vars) && vars->kind != NK_MAP)
    error_at(ctx, vars->loc, "write vars: {name: value}",
             "'vars' must be a map of variables, found %s",
             node_kind_name(vars));
  for (int i = 0; vars && i < vars->npairs; i++)
    check_name(ctx, vars->pairs[i].key->loc, "", vars->pairs[i].key->text);
  if (!node_is_null(env) && env->kind != NK_SEQ)
    error_at(ctx, env->loc, "write env: [NAME, ...]",
             "'env' must be a list of environment variable names, found %s",
             node_kind_name(env));
  for (int i = 0; env && i < env->nitems; i++) {
    const Node *n = env->items[i];
    bool ok = n->kind == NK_SCALAR && node_type(n) == ST_STRING &&
              strlen(n->text) == n->len && is_var_name(n->text);
    for (size_t k = 0; ok && k < n->len; k++)
      ok = n->text[k] != '-';
    if (!ok)
      error_at(ctx, n->loc, ENV_NAME_HINT,
               "expected an environment variable name, found %s",
               n->kind == NK_SCALAR ? arena_printf(ctx->arena, "'%s'", n->text)
                                    : node_kind_name(n));
  }
}

// What the expansion of a document leaves of the spec's budget; past
// the limit means spent and reported, so later rows stop quietly.
static void settle(Ctx *ctx, const Expander *ex) {
  ctx->built_bytes = ex->spent ? ctx->limits.expansion + 1
                               : ctx->limits.expansion - ex->budget;
}

Node *vars_expand(Ctx *ctx, const Node *doc, const Node *overrides,
                  const Node *row) {
  int errors = ctx->nerrors;
  if (ctx->built_bytes > ctx->limits.expansion)
    return NULL;
  const Node *vars = node_get(doc, "vars");
  check_vars_and_env(ctx, vars, node_get(doc, "env"));
  if (ctx->nerrors > errors)
    return NULL;
  Expander ex = {
      .ctx = ctx,
      .vars = vars && vars->kind == NK_MAP ? vars : NULL,
      .overrides = overrides && overrides->kind == NK_MAP ? overrides : NULL,
      .row = row && row->kind == NK_MAP ? row : NULL,
      .env = node_get(doc, "env"),
      .budget = ctx->built_bytes < ctx->limits.expansion
                    ? ctx->limits.expansion - ctx->built_bytes
                    : 0,
  };
  if (doc->kind != NK_MAP) {
    Node *out = expand(&ex, doc, NULL);
    settle(ctx, &ex);
    return out;
  }
  Node *out = node_new_map(ctx, doc->loc);
  out->end = doc->end;
  bool ok = true;
  for (int i = 0; i < doc->npairs; i++) {
    const Pair *p = &doc->pairs[i];
    Node *v;
    if (p->value == ex.vars)
      v = expand_vars_map(&ex, ex.vars);
    else if (p->value == ex.env) // names, not text: never expanded
      v = copy(&ex, p->value);
    else
      v = expand(&ex, p->value, NULL);
    ok &= v != NULL;
    if (v)
      node_map_put(ctx, out, unchanged(p->key), v);
  }
  settle(ctx, &ex);
  return ok && ctx->nerrors == errors ? out : NULL;
}
