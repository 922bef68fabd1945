// SPDX-License-Identifier: MIT
// include.c: top-level and scene includes -> one merged Node tree.
//
// Input: a spec path. Output: its top-level map with every `include:`
// applied. The files a map includes are resolved first (recursively, in
// order) and merged into an accumulator, then the including file goes on
// top. Maps merge deeply; lists and scalars replace; `background` values
// and the character (avatar | talking_photo) and speech (script | audio |
// silence) slots replace as a whole, and setting one key of a slot drops
// the base's other keys of it. A scene item {include: PATH} splices that
// file's scenes in its place. Invariants: loaded nodes are never modified
// (aliases share them), so every merged map and spliced list is new; each
// path is checked to stay under ctx->root after symlinks; the files being
// resolved form a stack, which finds cycles and prints their chain; the
// number of included files and their nesting are capped (ctx->limits),
// and so are the nodes merging builds, which count against the spec's
// expansion budget. Paths are taken as written: variables are expanded
// later, on the merged tree.
#define _DEFAULT_SOURCE     // syscall, DT_REG
#define _LARGEFILE64_SOURCE // struct dirent64: getdents64's records
#include "hgc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/magic.h>
#include <sys/vfs.h>
#endif

// A file being resolved: its includes are being followed.
typedef struct {
  const char *real; // realpath: the file's identity
  SourceFile *file; // for its display name
} Frame;

// A directory files are included from: as joined, its canonical form,
// and the directory opened once a file in it is read, so that the file's
// name is looked up from there and not walked from the root again. Once
// LIST_AFTER files were opened from it, it is listed, once: the files
// the listing calls regular are then read without an fstat (diag.c).
typedef struct {
  const char *name;
  const char *real;
  int fd;               // -1 until opened
  int opened;           // files opened from it
  const char **regular; // the names of its regular files, hashed
  size_t slots;         // in regular: 0 when not listed
} Dir;

// A file opened while its path was resolved: fd, or -1; regular when its
// directory's listing has it as a regular file.
typedef struct {
  int fd;
  bool regular;
} Opened;

// What resolving paths would otherwise ask the system for at every
// include, asked once per spec: the canonical root, and the directories
// files are included from. (realpath costs a readlink per component and
// a getcwd for a relative path.) paths_free closes the directories.
typedef struct {
  const char *root; // ctx->root, canonical
  Dir *dirs;
  int ndirs;
  int cap;
} Paths;

typedef struct {
  Ctx *ctx;
  Paths paths;
  Frame *stack; // ctx->limits.depth entries
  int depth;
  int nincludes; // included files loaded so far
  bool stop;     // a limit was hit and reported: follow no more includes
} Resolver;

typedef enum { SLOT_NONE, SLOT_CHARACTER, SLOT_SPEECH, SLOT_WHOLE } Slot;

static Node *resolve_file(Resolver *r, const Node *at, const char *path,
                          Opened o, const char *real, const Node *hgc,
                          bool splice);

//
// Paths
//
// The canonical form of path, in ctx->arena, or NULL with errno set.
static char *real_path(Ctx *ctx, const char *path) {
  char *p = realpath(path, NULL);
  if (!p)
    return NULL;
  char *copy = arena_strdup(ctx->arena, p);
  free(p);
  return copy;
}

static void paths_init(Ctx *ctx, Paths *p) {
  *p = (Paths){0};
  p->root = real_path(ctx, ctx->root);
  if (!p->root)
    p->root = ctx->root;
}

// dir[0, n) + "/" + name, in ctx->arena: a path is joined for every
// include, where a printf would cost more than the rest of it.
static char *join(Ctx *ctx, const char *dir, size_t n, const char *name) {
  size_t len = strlen(name);
  char *p = arena_alloc(ctx->arena, n + len + 2);
  memcpy(p, dir, n);
  p[n] = '/';
  memcpy(p + n + 1, name, len + 1);
  return p;
}

static void paths_free(Paths *p) {
  for (int i = 0; i < p->ndirs; i++)
    if (p->dirs[i].fd >= 0)
      close(p->dirs[i].fd);
}

// dir with its canonical form, from the cache or realpath; NULL with
// errno set.
static Dir *canonical_dir(Ctx *ctx, Paths *p, const char *dir) {
  for (int i = 0; i < p->ndirs; i++)
    if (strcmp(p->dirs[i].name, dir) == 0)
      return &p->dirs[i];
  char *real = real_path(ctx, dir);
  if (!real)
    return NULL;
  p->dirs = arena_grow(ctx->arena, p->dirs, p->ndirs, &p->cap, sizeof *p->dirs);
  p->dirs[p->ndirs] = (Dir){dir, real, -1, 0, NULL, 0};
  return &p->dirs[p->ndirs++];
}

// Files opened from a directory before it is listed: a spec that
// includes a few files from it never pays for the listing. (On the
// bench's include tree, the fstats a listing spares are 7% of the time:
// a system call costs a microsecond on a virtual machine.)
#define LIST_AFTER 8
// A directory with more regular files is not listed: its listing would
// cost more than the fstats it saves.
#define LIST_MAX 4096

#if defined(__linux__) && defined(SYS_getdents64)
// Whether d is on a local file system whose regular files read as they
// stat: on these a read stops short only at the end of the file, which
// diag.c takes for the file's size. Not on a network or FUSE one, where
// a read may stop short anywhere, nor /proc or /sys, where files stat
// as empty and read as text.
static bool local_fs(const Dir *d) {
  struct statfs fs;
  if (fstatfs(d->fd, &fs) != 0)
    return false;
  switch ((unsigned long)fs.f_type) {
  case EXT4_SUPER_MAGIC: // ext2 and ext3 too
  case XFS_SUPER_MAGIC:
  case BTRFS_SUPER_MAGIC:
  case F2FS_SUPER_MAGIC:
  case TMPFS_MAGIC:
  case OVERLAYFS_SUPER_MAGIC: // a container's root
    return true;
  default:
    return false;
  }
}
#endif

// Lists d (open, its offset at the start) for the names of its regular
// files, into a hash set; leaves d unlisted when it is not on a local
// file system, when the system cannot say, or when it is too big.
// getdents64(2), not readdir: a DIR would take d's descriptor, or another
// open.
static void list_dir(Ctx *ctx, Dir *d) {
#if defined(__linux__) && defined(SYS_getdents64)
  if (!local_fs(d))
    return;
  // A record is a struct dirent64: inode, offset, record length, type,
  // name; read field by field, as the buffer holds bytes.
  _Static_assert(offsetof(struct dirent64, d_name) == 19, "dirent64 layout");
  _Alignas(8) char buf[16384];
  const char **names = NULL;
  int n = 0, cap = 0;
  long got;
  while ((got = syscall(SYS_getdents64, d->fd, buf, sizeof buf)) > 0) {
    for (long i = 0; i < got;) {
      unsigned short len;
      memcpy(&len, buf + i + offsetof(struct dirent64, d_reclen), sizeof len);
      const char *name = buf + i + offsetof(struct dirent64, d_name);
      if (buf[i + offsetof(struct dirent64, d_type)] == DT_REG) {
        if (n == LIST_MAX)
          return;
        names = arena_grow(ctx->arena, names, n, &cap, sizeof *names);
        names[n++] = arena_strdup(ctx->arena, name);
      }
      i += len;
    }
  }
  if (got < 0)
    return;
  size_t slots = 16;
  while (slots < 2 * (size_t)n)
    slots *= 2;
  d->regular = arena_calloc(ctx->arena, slots * sizeof *d->regular);
  d->slots = slots;
  for (int i = 0; i < n; i++) {
    size_t k = text_hash(names[i], strlen(names[i])) & (slots - 1);
    while (d->regular[k])
      k = (k + 1) & (slots - 1);
    d->regular[k] = names[i];
  }
#else
  (void)ctx, (void)d;
#endif
}

// Whether d's listing has `name` as a regular file.
static bool listed_regular(const Dir *d, const char *name) {
  if (!d->slots)
    return false;
  size_t mask = d->slots - 1;
  for (size_t k = text_hash(name, strlen(name)) & mask; d->regular[k];
       k = (k + 1) & mask)
    if (strcmp(d->regular[k], name) == 0)
      return true;
  return false;
}

// Opens the file `name` in d for reading, not following a symlink; false
// when it cannot. O_NONBLOCK: a FIFO must not hang (diag.c refuses it).
static bool open_in(Ctx *ctx, Dir *d, const char *name, Opened *o) {
  if (d->fd < 0)
    d->fd = open(d->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  o->fd = d->fd < 0 ? -1
                    : openat(d->fd, name,
                             O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (o->fd < 0)
    return false;
  if (++d->opened == LIST_AFTER)
    list_dir(ctx, d);
  o->regular = listed_regular(d, name);
  return true;
}

// What realpath(path) gives, from the canonical form of its directory
// and one lstat of the file. A file that is a symlink, a name that is
// "." or "..", or a path realpath would refuse goes to realpath itself,
// which then also sets errno as it would have. With o, the file is
// opened instead of lstat'd, not following a symlink: a file to read is
// then opened once, and its name walked once (o->fd is -1 if it was not).
static char *canonical(Ctx *ctx, Paths *p, const char *path, Opened *o) {
  if (o)
    *o = (Opened){-1, false};
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return real_path(ctx, path);
  const char *dir =
      !slash ? "."
             : arena_strndup(ctx->arena, path,
                             slash == path ? 1 : (size_t)(slash - path));
  Dir *d = canonical_dir(ctx, p, dir);
  if (!d)
    return real_path(ctx, path);
  size_t dir_len = strcmp(d->real, "/") == 0 ? 0 : strlen(d->real);
  char *full = join(ctx, d->real, dir_len, name);
  if (o && open_in(ctx, d, name, o))
    return full;
  struct stat st;
  if (strlen(full) >= PATH_MAX || lstat(full, &st) != 0 || S_ISLNK(st.st_mode))
    return real_path(ctx, path);
  return full;
}

static bool is_under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  if (n == 1 && dir[0] == '/')
    return true;
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

// A canonical path as the user would name it: relative to the cwd when
// below it ("." for the cwd itself), else absolute. Messages then read the
// same wherever the project is checked out.
static const char *from_cwd(const Ctx *ctx, const char *real) {
  const char *cwd = ctx->cwd;
  if (!cwd || strcmp(cwd, "/") == 0)
    return real;
  size_t n = strlen(cwd);
  if (strncmp(real, cwd, n) != 0)
    return real;
  return real[n] == '/' ? real + n + 1 : real[n] == '\0' ? "." : real;
}

// The path made absolute and cleaned of "." and ".." by its text alone,
// without following symlinks: where the user meant it to point.
static const char *lexical_path(Ctx *ctx, const char *path) {
  const char *abs = path;
  if (path[0] != '/') {
    if (!ctx->cwd)
      return path;
    abs = arena_printf(ctx->arena, "%s/%s", ctx->cwd, path);
  }
  char *out = arena_calloc(ctx->arena, strlen(abs) + 2);
  size_t n = 0;
  for (const char *s = abs; *s;) {
    size_t len = strcspn(s, "/");
    if (len == 2 && s[0] == '.' && s[1] == '.') {
      while (n > 0 && out[--n] != '/')
        ; // drop the last component
    } else if (len && !(len == 1 && s[0] == '.')) {
      out[n++] = '/';
      memcpy(out + n, s, len);
      n += len;
    }
    s += len + (s[len] == '/');
  }
  if (!n)
    out[n++] = '/';
  out[n] = '\0';
  return out;
}

// Resolves rel against the directory of the file holding `at` and checks
// that it stays under the project root. `noun` names the path in the
// message ("include", "path"). Returns the path to open and sets *real to
// its canonical form; NULL after reporting at `at`. With o, sets it to
// the file opened for reading, or o->fd to -1 (see canonical).
static const char *resolve_path(Ctx *ctx, Paths *paths, const Node *at,
                                const char *rel, const char *noun,
                                const char **real, Opened *o) {
  Loc loc = at ? at->loc : (Loc){0};
  if (!*rel) {
    error_at(ctx, loc, "name a file", "%s path is empty", noun);
    return NULL;
  }
  const char *base = at && at->loc.file ? at->loc.file->path : "";
  const char *slash = strrchr(base, '/');
  const char *joined = rel;
  if (rel[0] != '/' && slash)
    joined = join(ctx, base, (size_t)(slash - base), rel);
  char *canon = canonical(ctx, paths, joined, o);
  if (!canon) {
    int e = errno;
    size_t dir_len = slash == base ? 1 : (size_t)(slash - base); // "/x.yaml"
    const char *dir = slash ? arena_strndup(ctx->arena, base, dir_len) : ".";
    error_at(ctx, loc,
             e == ENOENT && rel[0] != '/'
                 ? arena_printf(ctx->arena,
                                "check the path: it is relative to '%s'", dir)
                 : NULL,
             "cannot read '%s': %s", rel, strerror(e));
    return NULL;
  }
  const char *root = paths->root;
  if (!is_under(canon, root)) {
    if (o && o->fd >= 0)
      close(o->fd);
    error_at(ctx, loc,
             arena_printf(ctx->arena,
                          "keep it under '%s', or pass --root to widen the "
                          "project root",
                          from_cwd(ctx, root)),
             "%s '%s' leaves the project root%s", noun, rel,
             is_under(lexical_path(ctx, joined), root)
                 ? arena_printf(ctx->arena, " (a symlink takes it to '%s')",
                                from_cwd(ctx, canon))
                 : "");
    return NULL;
  }
  if (real)
    *real = canon;
  return from_cwd(ctx, canon);
}

const char *include_path(Ctx *ctx, const Node *at, const char *rel) {
  Paths paths;
  paths_init(ctx, &paths);
  return resolve_path(ctx, &paths, at, rel, "path", NULL, NULL);
}

//
// Merging
//
// Counts what merging and splicing build against the spec's budget of
// built trees (ctx->limits.expansion; variable expansion spends the
// rest). Aliases let two small files merge into far more than they
// hold. False past the budget, reported once.
static bool charge(Ctx *ctx, const Node *at, size_t bytes) {
  size_t max = ctx->limits.expansion;
  if (ctx->built_bytes > max)
    return false;
  ctx->built_bytes += bytes;
  if (ctx->built_bytes <= max)
    return true;
  error_at(ctx, at->loc, "include fewer files, or use fewer aliases",
           "merging the includes builds more than %zu bytes (the limit; "
           "raise it with --max-expansion)",
           max);
  return false;
}

static bool is_key(const Node *key, const char *name) {
  return key->len == strlen(name) && memcmp(key->text, name, key->len) == 0;
}

static Slot key_slot(const Node *key) {
  static const struct {
    const char *name;
    size_t len;
    Slot slot;
  } slots[] = {
      {"avatar", 6, SLOT_CHARACTER}, {"talking_photo", 13, SLOT_CHARACTER},
      {"script", 6, SLOT_SPEECH},    {"audio", 5, SLOT_SPEECH},
      {"silence", 7, SLOT_SPEECH},   {"background", 10, SLOT_WHOLE}};
  // Every key of every merged map comes here: lengths first.
  for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
    if (key->len == slots[i].len &&
        memcmp(key->text, slots[i].name, key->len) == 0)
      return slots[i].slot;
  return SLOT_NONE;
}

static int key_cmp(const Node *x, const Node *y) {
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  return memcmp(x->text, y->text, x->len);
}

// A map's pairs, to find keys in: a big map's are hashed by key, so that
// merging two big maps (an include tree's vars) stays linear; a small
// one's are searched in turn.
#define PAIRS_SCAN 8
typedef struct {
  const Node *map;
  Pair **slots; // NULL: the map is small; else mask + 1 of them
  size_t mask;
} PairIndex;

static size_t key_hash(const Node *key) {
  return text_hash(key->text, key->len);
}

static PairIndex index_pairs(Ctx *ctx, const Node *map) {
  PairIndex x = {map, NULL, 0};
  if (map->npairs <= PAIRS_SCAN)
    return x;
  size_t cap = 16;
  while (cap < 2 * (size_t)map->npairs)
    cap *= 2;
  x.slots = arena_calloc(ctx->arena, sizeof *x.slots * cap);
  x.mask = cap - 1;
  // A map's keys are unique (load.c and merge see to it).
  for (int i = 0; i < map->npairs; i++) {
    size_t h = key_hash(map->pairs[i].key) & x.mask;
    while (x.slots[h])
      h = (h + 1) & x.mask;
    x.slots[h] = &map->pairs[i];
  }
  return x;
}

static Pair *find_pair(const PairIndex *x, Pair *p) {
  if (!x->slots) {
    for (int i = 0; i < x->map->npairs; i++)
      if (key_cmp(x->map->pairs[i].key, p->key) == 0)
        return &x->map->pairs[i];
    return NULL;
  }
  for (size_t h = key_hash(p->key) & x->mask; x->slots[h];
       h = (h + 1) & x->mask)
    if (key_cmp(x->slots[h]->key, p->key) == 0)
      return x->slots[h];
  return NULL;
}

// A new map with room for n pairs.
static Node *new_map(Ctx *ctx, const Node *like, int n) {
  Node *m = node_new_map(ctx, like->loc);
  m->end = like->end;
  m->pairs = arena_calloc(ctx->arena, sizeof(Pair) * (size_t)n);
  m->cap = n;
  return m;
}

// Merges over on top of base into a new node. `plain`: the map holds
// user-chosen names (vars), where slot keys mean nothing special. `top`:
// base and over are whole documents.
static Node *merge(Ctx *ctx, Node *base, Node *over, bool plain, bool top) {
  if (base->kind != NK_MAP || over->kind != NK_MAP)
    return over;
  size_t pairs = (size_t)base->npairs + (size_t)over->npairs;
  if (!charge(ctx, over, sizeof(Node) + (sizeof(Pair) + 4 * sizeof(Pair *)) *
                                            pairs))
    return over; // reported; the result is never used
  Node *m = new_map(ctx, over, (int)pairs);
  // Only over is indexed: the base's pairs are gone through in order
  // anyway, and over's that none of them matched are the new keys.
  PairIndex oidx = index_pairs(ctx, over);
  bool *matched = arena_calloc(ctx->arena, (size_t)over->npairs + 1);
  bool over_sets[SLOT_WHOLE + 1] = {false};
  for (int i = 0; i < over->npairs && !plain; i++)
    over_sets[key_slot(over->pairs[i].key)] = true;
  for (int i = 0; i < base->npairs; i++) {
    Pair *b = &base->pairs[i];
    Pair *o = find_pair(&oidx, b);
    Slot slot = plain ? SLOT_NONE : key_slot(b->key);
    if (o) {
      matched[o - over->pairs] = true;
      Node *v = slot != SLOT_NONE
                    ? o->value
                    : merge(ctx, b->value, o->value,
                            plain || (top && is_key(b->key, "vars")), false);
      node_map_put(ctx, m, o->key, v);
    } else if (slot == SLOT_NONE || slot == SLOT_WHOLE || !over_sets[slot]) {
      node_map_put(ctx, m, b->key, b->value);
    }
    // else: `script` in over drops the base's `audio`, and so on.
  }
  for (int i = 0; i < over->npairs; i++)
    if (!matched[i])
      node_map_put(ctx, m, over->pairs[i].key, over->pairs[i].value);
  return m;
}

//
// Includes
//
// "a.yaml -> b.yaml -> a.yaml"; a long chain shows its first and last
// files.
static const char *chain(Resolver *r, int from, const char *last) {
  const char *s = diag_display(r->ctx, r->stack[from].file);
  for (int i = from + 1; i < r->depth; i++) {
    if (i - from == 4 && r->depth - i > 4) {
      s = arena_printf(r->ctx->arena, "%s -> ...", s);
      i = r->depth - 4;
    }
    s = arena_printf(r->ctx->arena, "%s -> %s", s,
                     diag_display(r->ctx, r->stack[i].file));
  }
  return arena_printf(r->ctx->arena, "%s -> %s", s, last);
}

// May the include at `at` of the file `real` be read: no cycle, and
// within the limits? Reports why not.
static bool may_follow(Resolver *r, const Node *at, const char *real) {
  Ctx *ctx = r->ctx;
  for (int i = 0; i < r->depth; i++)
    if (strcmp(r->stack[i].real, real) == 0) {
      error_at(ctx, at->loc, "remove one of the includes", "include cycle: %s",
               chain(r, i, diag_display(r->ctx, r->stack[i].file)));
      return false;
    }
  if (r->depth == ctx->limits.depth) {
    error_at(ctx, at->loc, "flatten the includes",
             "includes nested too deeply (limit is %d levels; raise it with "
             "--max-depth)",
             ctx->limits.depth);
    r->stop = true;
    return false;
  }
  if (++r->nincludes > ctx->limits.includes) {
    error_at(ctx, at->loc, "include fewer files",
             "too many includes (limit is %d; raise it with --max-includes)",
             ctx->limits.includes);
    r->stop = true;
    return false;
  }
  return true;
}

// Follows the include item `at` (a file name scalar): checks the path,
// cycles and limits, then resolves the file. NULL after reporting.
static Node *follow(Resolver *r, const Node *at, const Node *hgc, bool splice) {
  Ctx *ctx = r->ctx;
  if (r->stop)
    return NULL;
  if (at->kind != NK_SCALAR || node_is_null(at) ||
      strlen(at->text) != at->len) {
    error_at(ctx, at->loc, "write include: file.yaml",
             "expected a file name to include, found %s",
             at->kind == NK_SCALAR && !node_is_null(at) ? "a name with a NUL"
                                                        : node_kind_name(at));
    return NULL;
  }
  if (strstr(at->text, "${")) {
    error_at(ctx, at->loc, "write the path out in full",
             "an include path cannot use variables (includes are read "
             "before variables are expanded)");
    return NULL;
  }
  const char *real;
  Opened o;
  const char *path =
      resolve_path(ctx, &r->paths, at, at->text, "include", &real, &o);
  if (!path)
    return NULL;
  if (!may_follow(r, at, real)) {
    if (o.fd >= 0)
      close(o.fd);
    return NULL;
  }
  return resolve_file(r, at, path, o, real, hgc, splice);
}

// The file names of an `include:` value: one name or a list of names.
static Node *const *include_items(Ctx *ctx, Node *v, int *n) {
  *n = 0;
  if (node_is_null(v))
    return NULL;
  if (v->kind == NK_SEQ) {
    *n = v->nitems;
    return v->items;
  }
  if (v->kind == NK_SCALAR) {
    Node **one = arena_calloc(ctx->arena, sizeof *one);
    *one = v;
    *n = 1;
    return one;
  }
  error_at(ctx, v->loc, "write include: [a.yaml, b.yaml]",
           "expected a file name or a list of file names, found %s",
           node_kind_name(v));
  return NULL;
}

// The scenes of a spliced file, as resolved: its `scenes:` list, or the
// file itself when it is a list.
static const Node *spliced_scenes(Ctx *ctx, const Node *file, const Node *at) {
  const Node *list = file->kind == NK_MAP ? node_get(file, "scenes") : file;
  if (list && list->kind == NK_SEQ)
    return list;
  error_at(ctx, list ? list->loc : file->loc,
           "give it a 'scenes:' list, or make the whole file a list of scenes",
           "'%s' has no list of scenes to splice", at->text);
  return NULL;
}

// A new scenes list with every {include: PATH} item replaced by that
// file's scenes.
static Node *splice_scenes(Resolver *r, const Node *scenes, const Node *hgc) {
  Ctx *ctx = r->ctx;
  Node *out = node_new_seq(ctx, scenes->loc);
  out->end = scenes->end;
  for (int i = 0; i < scenes->nitems; i++) {
    Node *item = scenes->items[i];
    Pair *inc = node_get_pair(item, "include");
    if (!inc) {
      node_seq_push(ctx, out, item);
      continue;
    }
    if (item->npairs > 1) {
      const Node *other = item->pairs[inc == item->pairs ? 1 : 0].key;
      error_at(ctx, other->loc,
               "put the scene's keys in the included file, or in a scene "
               "of its own",
               "a scene that includes a file cannot have other keys ('%s')",
               other->text);
      continue;
    }
    Node *file = follow(r, inc->value, hgc, true);
    const Node *list = file ? spliced_scenes(ctx, file, inc->value) : NULL;
    if (list && !charge(ctx, inc->value, sizeof(Node *) * (size_t)list->nitems))
      list = NULL;
    for (int j = 0; list && j < list->nitems; j++)
      node_seq_push(ctx, out, list->items[j]);
  }
  return out;
}

static const char *scalar_text(const Node *n) {
  return n->kind == NK_SCALAR ? n->text : node_kind_name(n);
}

// An included file's `hgc`, if any, must be the including file's.
static void check_version(Ctx *ctx, const Node *own, const Node *want) {
  if (!own || !want || want->kind != NK_SCALAR)
    return;
  if (own->kind == NK_SCALAR && own->len == want->len &&
      memcmp(own->text, want->text, own->len) == 0)
    return;
  error_at(ctx, own->loc,
           "remove 'hgc' from the included file, or make it match",
           "included file has 'hgc: %s', but the including file has "
           "'hgc: %s'",
           scalar_text(own), scalar_text(want));
}

// Resolves one map document: its includes, then itself on top. `at` is
// the include that named it (NULL for the spec itself); `hgc` the version
// the including files declare; `splice`: only its scenes are wanted.
static Node *resolve_map(Resolver *r, const Node *doc, const Node *at,
                         const Node *hgc, bool splice) {
  Ctx *ctx = r->ctx;
  const Node *own = node_get(doc, "hgc");
  if (at)
    check_version(ctx, own, hgc);
  if (own)
    hgc = own;
  Node *acc = NULL;
  Pair *inc = node_get_pair(doc, "include");
  int n = 0;
  Node *const *items = inc ? include_items(ctx, inc->value, &n) : NULL;
  for (int i = 0; i < n; i++) {
    Node *child = follow(r, items[i], hgc, false);
    if (!child)
      continue;
    if (child->kind != NK_MAP) {
      error_at(ctx, child->loc, "make the included file a map of spec keys",
               "an included file must be a map, not %s", node_kind_name(child));
      continue;
    }
    acc = acc ? merge(ctx, acc, child, false, true) : child;
  }
  Node *self = new_map(ctx, doc, doc->npairs);
  for (int i = 0; i < doc->npairs; i++) {
    Pair *p = &doc->pairs[i];
    if (is_key(p->key, "include") || (at && is_key(p->key, "hgc")))
      continue;
    bool scenes = is_key(p->key, "scenes");
    if (splice && !scenes)
      warn_at(ctx, p->key->loc, "move it to the including spec",
              "'%s' is ignored: only the scenes of this file are spliced",
              p->key->text);
    Node *v = scenes && p->value->kind == NK_SEQ
                  ? splice_scenes(r, p->value, hgc)
                  : p->value;
    node_map_put(ctx, self, p->key, v);
  }
  return acc ? merge(ctx, acc, self, false, true) : self;
}

// Loads the file at path (from o.fd, if it is not -1) and resolves its
// includes, with the file on the stack so that a cycle back to it is
// found.
static Node *resolve_file(Resolver *r, const Node *at, const char *path,
                          Opened o, const char *real, const Node *hgc,
                          bool splice) {
  SourceFile *f =
      diag_read_fd(r->ctx, o.fd, o.regular, path, at ? &at->loc : NULL);
  Node *doc = f ? load_source(r->ctx, f) : NULL;
  if (!doc)
    return NULL;
  r->stack[r->depth++] = (Frame){real, doc->loc.file};
  Node *out = doc;
  if (doc->kind == NK_MAP)
    out = resolve_map(r, doc, at, hgc, splice);
  else if (doc->kind == NK_SEQ && splice)
    out = splice_scenes(r, doc, hgc);
  r->depth--;
  return out;
}

Node *include_resolve(Ctx *ctx, const char *path) {
  Resolver r = {.ctx = ctx};
  paths_init(ctx, &r.paths);
  r.stack = arena_calloc(ctx->arena, sizeof *r.stack *
                                         (size_t)ctx->limits.depth);
  int errors = ctx->nerrors;
  const char *real = real_path(ctx, path);
  Node *doc = resolve_file(&r, NULL, path, (Opened){-1, false},
                           real ? real : path, NULL, false);
  paths_free(&r.paths);
  diag_close_files(ctx);
  return ctx->nerrors == errors ? doc : NULL;
}
