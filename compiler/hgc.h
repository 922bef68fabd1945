// SPDX-License-Identifier: MIT
// hgc.h: the compiler's one internal header, a section per pipeline stage.
//
//   load.c     file -> Node tree (scan.c, or libyaml), every node with its Loc
//   scan.c     the common part of YAML -> libyaml's events, without it
//   include.c  top-level and scene includes -> one merged Node tree
//   vars.c     ${var} expansion on the merged tree
//   rows.c     batch rows (CSV or YAML) -> maps, one row at a time
//   validate.c Node tree -> typed Spec (all semantic checks)
//   online.c   Spec against the account's catalogue (--online only)
//   script.c   script text and pauses -> normalised input_text
//   lower.c    Spec -> request body (jansson)
//   emit.c     JSON values -> canonical JSON text, atomic file writes
//   diag.c     every diagnostic, with source line and caret
//
// Ownership: everything a stage allocates comes from ctx->arena (zeroed,
// freed once); SourceFiles live in ctx->perm so diagnostics outlive a
// compilation. jansson values are owned by their parent; only roots are
// decref'd.
#ifndef HGC_H
#define HGC_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HGC_VERSION "0.1.0"
#define HGC_FORMAT 1 // the spec format version, `hgc: 1`

// Limits: each is named in the message that enforces it. The resource
// limits are the defaults of ctx->limits, which the stages read; each
// message names the option that raises it (docs/security.md).
#define HGC_MAX_SPEC_BYTES (8 << 20) // --max-bytes: input of one spec
#define HGC_MAX_NODES 200000         // --max-nodes: YAML nodes of a file
#define HGC_MAX_DEPTH 64             // --max-depth: nesting, includes too
#define HGC_MAX_INCLUDES 1000        // --max-includes: files per spec
#define HGC_MAX_VAR_DEPTH 64         // --max-var-depth: ${} inside ${}
#define HGC_MAX_EXPANSION (256 << 20) // --max-expansion: bytes built
#define HGC_MAX_CELLS 200000         // --max-cells: cells of a rows file
#define HGC_MAX_OUTPUT (256 << 20)   // --max-output: artifact bytes a run
#define HGC_MAX_SCENES 50            // video_inputs per request
#define HGC_MAX_ERRORS 100           // errors reported before giving up

#define HGC_WUR __attribute__((warn_unused_result))
#define HGC_PRINTF(f, a) __attribute__((format(printf, f, a)))

typedef enum {
  HGC_OK = 0,
  HGC_ESPEC = 1,    // invalid spec
  HGC_EUSAGE = 2,   // bad command line
  HGC_EAUTH = 3,    // 401/403 or no key
  HGC_ETIMEOUT = 4, // --timeout ran out
  HGC_EAPI = 5,     // API or network error
  HGC_ERENDER = 6,  // a video failed to render
  HGC_EDRIFT = 7,   // --check found stale output
} ExitCode;

//
// arena.c
//
typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *a);
void arena_reset(Arena *a); // frees everything, keeps the memory to reuse
void *arena_calloc(Arena *a, size_t size);            // zeroed; aborts on OOM
void *arena_alloc(Arena *a, size_t size);             // the same, not zeroed
// p, `old` bytes from a, made `size` bytes: in place when p is a's last
// allocation and its block has room (or when it shrinks), else a new
// allocation starting with p's bytes. For a buffer filled before its
// length is known (a file read without its size).
void *arena_resize(Arena *a, void *p, size_t old, size_t size);
char *arena_strndup(Arena *a, const char *s, size_t n); // NUL-terminated copy
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...) HGC_PRINTF(2, 3);
// Faults in the whole pages of [p, p + n) in one call, for memory about
// to be written through: on a virtual machine, faulting them one at a
// time costs about three times as much (docs/performance.md). Advice
// only: false when the kernel did not take it (older than 5.14, say).
bool prefault(void *p, size_t n);
// Doubles a malloc'd array of *cap elements of `size` bytes when n, the
// count in use, has reached it (from 16); aborts on OOM.
void *grow_array(void *p, int *cap, int n, size_t size);
// The same for an array in the arena: room for one more of n, doubling
// from 4. A cap below n (an array a caller set up itself) just means
// "copy first".
void *arena_grow(Arena *a, void *items, int n, int *cap, size_t size);
// Prints "hgc: out of memory" (allocating nothing) and aborts: there is no
// sensible way to go on.
_Noreturn void out_of_memory(void);
// Gives jansson an allocator of free lists, for the few hundred small
// values each request body is built from and freed as; call it before any
// jansson value exists. Not under AddressSanitizer (HGC_ASAN), which then
// keeps watching jansson's memory.
void json_pool_install(void);
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HGC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HGC_ASAN 1
#endif

//
// buf.c: a growable byte buffer with a hard cap (curl's dynbuf)
//
typedef struct {
  char *data; // NUL-terminated when non-NULL
  size_t len; // bytes used, without the NUL
  size_t cap; // bytes allocated
  size_t ready; // bytes of data faulted in (<= cap): buf_add's fast path
  size_t max; // len may never exceed this
} Buf;

void buf_init(Buf *b, size_t max);
bool buf_grow_add(Buf *b, const void *p, size_t n) HGC_WUR; // buf_add's slow path
bool buf_addstr(Buf *b, const char *s) HGC_WUR;

// false: over cap/OOM, b freed. The common case, an add that fits, is
// inline: JSON and scripts are written a few bytes at a time.
HGC_WUR static inline bool buf_add(Buf *b, const void *p, size_t n) {
  if (n < b->ready - b->len && n <= b->max - b->len) {
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
  }
  return buf_grow_add(b, p, n);
}

HGC_WUR static inline bool buf_addc(Buf *b, char c) {
  return buf_add(b, &c, 1);
}
bool buf_addf(Buf *b, const char *fmt, ...) HGC_WUR HGC_PRINTF(2, 3);
char *buf_take(Buf *b); // caller frees (malloc'd); b is reset
void buf_truncate(Buf *b, size_t len); // keeps the first len bytes
bool buf_reserve(Buf *b, size_t cap) HGC_WUR; // room for cap - 1 bytes
void buf_free(Buf *b);

//
// diag.c
//
typedef struct Loc Loc;

// One input file, kept for the whole run so diagnostics can quote it.
typedef struct SourceFile {
  const char *path;     // as opened (absolute or relative to cwd)
  const char *display;  // NULL until shown: use diag_display
  const char *text;     // contents, BOM stripped, NUL-terminated
  size_t len;           // bytes in text
  // diag.c's index of the lines, made when a position is first asked
  // for: most files are never quoted in a message.
  uint32_t *line_starts; // byte offset of each line (files are < 4 GiB:
                         // --max-bytes is at most 1 GiB)
  int nlines;           // entries in line_starts
  Arena *arena;         // where the index goes (the file's own)
  const Loc *included_from; // the include that pulled this file in, or NULL
  const char *map;      // diag_map_file: text is this mapping (+ a BOM)
  size_t released;      // bytes of map given back (diag_release)
} SourceFile;

// A position: 1-based line and column (column counts characters, as
// libyaml does). file == NULL means no position (the command line).
struct Loc {
  SourceFile *file;
  int line;
  int col;
};
// A line and column in a file known from elsewhere (a Node's end).
typedef struct {
  int line;
  int col;
} Pos;
static inline Pos loc_pos(Loc at) { return (Pos){at.line, at.col}; }

typedef enum { SEV_ERROR, SEV_WARNING, SEV_NOTE } Severity;
typedef enum { DIAG_TEXT, DIAG_JSON } DiagFormat;

// The resource limits in force: the HGC_MAX_* defaults, or --max-*.
// Each bounds the memory or time that hostile input can cost.
typedef struct {
  size_t bytes;     // input bytes one spec reads, all its files together
  int nodes;        // YAML nodes of one file, aliases expanded
  int depth;        // nesting of maps and lists, and of includes
  int includes;     // files one spec includes
  int var_depth;    // variable references followed one inside another
  size_t expansion; // bytes of merged and expanded trees, per spec
  int cells;        // cells of one rows file
  size_t output;    // bytes of the artifacts one run holds
} Limits;

typedef struct Ctx {
  Arena *perm;         // lives for the whole run: SourceFiles, options
  Arena *arena;        // one compilation (a spec, or one batch row)
  int nerrors;         // errors reported so far (warnings under --werror count)
  int nwarnings;       // warnings reported so far
  bool werror;         // --werror: warnings are errors
  bool quiet;          // --quiet: no warnings or notes
  bool color;          // ANSI colour on stderr
  DiagFormat format;   // --diagnostics=text|json
  FILE *err;           // where diagnostics go (stderr)
  int plan_chars;      // --plan: script character limit (default 1500)
  const char *root;    // project root, absolute, no trailing slash
  const char *cwd;     // the cwd at ctx_init, or NULL when unreadable
  const char *api;     // --api v2|v3: wins over the spec's `api`, or NULL
  Limits limits;       // --max-*: set by ctx_init, raised by options
  size_t read_bytes;   // input read for the current spec (limits.bytes)
  size_t built_bytes;  // trees built for it (limits.expansion)
  uint64_t close_set;  // files read, not yet closed: descriptor close_base
  int close_base;      // + i for each bit i (diag.c's close_later)
  int close_span;      // descriptors the set spans at most; 0 until asked
  const json_t *catalogue; // --online: the account's (rt_catalogue_load),
                           // else NULL; borrowed from main.c
} Ctx;

void ctx_init(Ctx *ctx);
void ctx_free(Ctx *ctx);

// Reads a whole file into a SourceFile in ctx->perm: checks the size
// limit, strips a UTF-8 BOM and rejects invalid UTF-8 (diagnostic at the
// first bad byte). `from` is the include or key that names the file, for
// "included from" lines; NULL for files named on the command line.
SourceFile *diag_read_file(Ctx *ctx, const char *path, const Loc *from);
// The same from fd, open on path for reading (or -1: opens path); closes
// it (maybe later: see diag_close_files). regular: the file was listed as
// a regular file, so it may be read before its fstat.
SourceFile *diag_read_fd(Ctx *ctx, int fd, bool regular, const char *path,
                         const Loc *from);
// Closes the files read whose descriptors are still open. ctx_free calls
// it, and so does whatever reads many files (include_resolve).
void diag_close_files(Ctx *ctx);
// The file's name as messages show it: relative to the cwd when below it,
// else absolute. Made when first asked for: most files are never named.
const char *diag_display(Ctx *ctx, SourceFile *f);
// The same for a file read a part at a time, and maybe more than once
// (a rows file): a big one is mapped, not copied, and diag_release(f,
// offset) tells that the text before `offset` may leave memory (it comes
// back from the file if a diagnostic quotes it). A no-op for other files.
SourceFile *diag_map_file(Ctx *ctx, const char *path, const Loc *from);
void diag_release(SourceFile *f, size_t offset);
// Whether the mapped file f was cut short while it was read: its text is
// then zeros from a page past the new end (see diag.c). Reported by
// diag_report_cut, as an error of the file.
bool diag_cut_short(const SourceFile *f);
void diag_report_cut(Ctx *ctx, SourceFile *f);
// Wraps text that did not come from a file (a -D value) as a SourceFile.
SourceFile *diag_text_file(Ctx *ctx, const char *name, const char *text);

// Emits one diagnostic: "file:line:col: error: msg", the source line, a
// caret and, when hint is non-NULL, a hint line. Then one "included from"
// line per include level. hint may be NULL.
void diag(Ctx *ctx, Loc loc, Severity sev, const char *hint, const char *fmt,
          ...) HGC_PRINTF(5, 6);
void error_at(Ctx *ctx, Loc loc, const char *hint, const char *fmt, ...)
    HGC_PRINTF(4, 5);
void warn_at(Ctx *ctx, Loc loc, const char *hint, const char *fmt, ...)
    HGC_PRINTF(4, 5);
void note_at(Ctx *ctx, Loc loc, const char *fmt, ...) HGC_PRINTF(3, 4);

// The candidate closest to word by edit distance, or NULL when none is
// close enough to be a plausible typo.
const char *diag_suggest(const char *word, const char *const *cands, int n);
// "did you mean 'x'?" in ctx->arena, or NULL.
const char *diag_did_you_mean(Ctx *ctx, const char *word,
                              const char *const *cands, int n);

// Positions already reported, so that a value every scene inherits from
// `defaults` gets one diagnostic, not one per scene. Zero-initialised.
typedef struct {
  Loc *locs;
  int n;
  int cap;
} LocSet;
// True when loc is in set; adds it (in ctx->arena) otherwise.
bool diag_seen(Ctx *ctx, LocSet *set, Loc loc);

// Byte offset of a Loc in its file, and back.
size_t diag_offset(SourceFile *f, int line, int col);
Loc diag_loc(SourceFile *f, size_t offset);

// Tool-level messages: "hgc: msg" and "hgc: warning: msg" on stderr.
// msg_warn's ctx may be NULL where there is none (the runtime): then
// --quiet does not apply.
void msg_error(const char *fmt, ...) HGC_PRINTF(1, 2);
void msg_warn(Ctx *ctx, const char *fmt, ...) HGC_PRINTF(2, 3);

_Noreturn void hgc_unreachable(const char *file, int line);

// x rounded half away from zero, as llround does, for |x| < 2^53. hgc
// links no libm: one library less to map at every start.
static inline long long round_half_away(double x) {
  long long i = (long long)x; // toward zero; x - i is exact
  double frac = x - (double)i;
  return i + (frac >= 0.5) - (frac <= -0.5);
}
#define unreachable() hgc_unreachable(__FILE__, __LINE__)

//
// load.c
//
typedef enum { NK_SCALAR, NK_MAP, NK_SEQ } NodeKind;
typedef enum { SC_PLAIN, SC_QUOTED, SC_BLOCK } ScalarStyle;
// What a scalar means under the YAML 1.2 core schema (quoted: string).
typedef enum { ST_NULL, ST_BOOL, ST_INT, ST_FLOAT, ST_STRING } ScalarType;

typedef struct Node Node;
typedef struct {
  Node *key;   // always a scalar
  Node *value;
} Pair;

// A node is 64 bytes: a spec tree of many small files holds tens of
// thousands, and each fresh page of them costs a page fault.
struct Node {
  NodeKind kind : 8;
  ScalarStyle style : 8; // NK_SCALAR
  int cap;  // pairs or items allocated; private to node_map_put/seq_push
  Loc loc;  // where the node starts
  Pos end;  // just past where it ends, in loc.file
  // NK_SCALAR
  const char *text;   // value, NUL-terminated (may hold NULs: use len)
  size_t len;
  union {
    Pair *pairs;      // NK_MAP
    Node **items;     // NK_SEQ
  };
  int npairs;
  int nitems;
};

// Loads one YAML file (one document) into a Node tree allocated in
// ctx->arena. Reports: unreadable or oversized files, invalid UTF-8,
// YAML syntax errors (tabs get their own message), duplicate keys (at the
// second one, with a note at the first), non-scalar keys, several
// documents, an alias expansion or nesting beyond the limits, and an
// empty file (at 1:1). Returns NULL after reporting. The top level may be
// any node kind; callers check what they need.
Node *load_file(Ctx *ctx, const char *path, const Loc *from);
// Same, from text that is already a SourceFile.
Node *load_source(Ctx *ctx, SourceFile *f);

// The same load, streamed: the items of a top-level list come one at a
// time, so a long list is never held whole (batch rows). load_stream
// reads up to the top-level node, in ctx->arena, which must outlive the
// stream; load_stream_next returns the next item (in ctx->arena at the
// call, so the caller may empty that arena between items) or NULL at
// the end or after an error. Once an item defines an anchor, later items
// may alias it: from then on load_stream_anchored is true and items must
// be kept. load_stream_end reports what load_source would after the last
// item and returns the top-level node (a list holding no items), or NULL;
// left before the end, it only frees.
typedef struct Loader Loader;
Loader *load_stream(Ctx *ctx, SourceFile *f);
Node *load_stream_next(Loader *l);
bool load_stream_anchored(const Loader *l);
Node *load_stream_end(Loader *l);

// FNV-1a of n bytes, for the hash tables of load.c, vars.c, include.c and
// main.c.
size_t text_hash(const char *s, size_t n);

ScalarType node_type(const Node *n);       // n must be a scalar
bool node_is_null(const Node *n);          // a null scalar (or NULL)
Node *node_get(const Node *map, const char *key);   // value or NULL
Pair *node_get_pair(const Node *map, const char *key);
const char *node_kind_name(const Node *n); // "a map", "a list", "a string"...
// Fresh nodes in ctx->arena, for stages that build trees.
Node *node_new_scalar(Ctx *ctx, Loc loc, const char *text, size_t len,
                      ScalarStyle style);
Node *node_new_map(Ctx *ctx, Loc loc);
Node *node_new_seq(Ctx *ctx, Loc loc);
void node_map_put(Ctx *ctx, Node *map, Node *key, Node *value); // append
void node_seq_push(Ctx *ctx, Node *seq, Node *item);
Node *node_copy(Ctx *ctx, const Node *n); // deep copy, locations kept
// Where byte `offset` of a scalar's text stands in the source: exact for
// plain and quoted single-line scalars and literal blocks without escapes,
// else the scalar's own start. `needle` (may be NULL) is the text found at
// offset, used to search the raw source when the direct mapping fails.
Loc node_text_loc(const Node *n, size_t offset, const char *needle);

//
// scan.c
//
// One event of a YAML file as libyaml's parser gives it, with its marks.
typedef enum { SE_SCALAR, SE_MAP, SE_SEQ, SE_END } ScanKind;
typedef struct {
  ScanKind kind : 8;     // SE_MAP, SE_SEQ open a collection; SE_END closes
  ScalarStyle style : 8; // SE_SCALAR: SC_PLAIN or SC_QUOTED
  bool flow;             // SE_MAP, SE_SEQ: written [...] or {...}
  Pos at;                // where the event starts (not SE_END)
  Pos end;               // SE_SCALAR, SE_END: just past where it ends
  const char *text;      // SE_SCALAR: its bytes, in the source or buf
  size_t len;
} ScanEvent;
typedef struct {
  ScanEvent *ev; // malloc'd, as is buf; the caller frees both
  int n;
  int cap;
  char *buf; // the values of quoted scalars with escapes, decoded
  size_t buf_len;
  size_t buf_cap;
} ScanEvents;
// Reads text into out when it keeps to the part of YAML that specs use
// (see scan.c); false for anything else, which only libyaml may read.
bool scan_yaml(const char *text, size_t len, ScanEvents *out);

//
// include.c
//
// Loads the spec at path and everything it includes: top-level `include:`
// files are loaded first, in order, then the including file is merged on
// top (maps merge deeply; lists and scalars replace; `background` values
// and the character and speech slots of a scene replace as a whole).
// Scene items `{include: PATH}` splice that file's scenes. Paths are
// relative to the including file and may not leave ctx->root (after
// symlinks); a cycle is reported at the include that closes it, with the
// chain. Returns the merged top-level map without `include` keys, or NULL
// after reporting.
Node *include_resolve(Ctx *ctx, const char *path);
// Resolves a path named in a spec (relative to the file holding `at`),
// checks it stays under ctx->root, and returns it relative to the cwd as
// it can be opened; NULL after reporting at `at`.
const char *include_path(Ctx *ctx, const Node *at, const char *rel);

//
// vars.c
//
typedef struct {
  const char **defines; // "name=value" from -D, in command-line order
  int ndefines;
  const char *vars_file; // --vars FILE, or NULL
} VarsOptions;

// Reads -D values (each parsed as a YAML scalar) and the --vars file (a
// flat YAML map) into one map, -D winning. Allocated in ctx->perm so it
// serves every spec and row. NULL after reporting.
Node *vars_overrides(Ctx *ctx, const VarsOptions *opts);
// Expands ${name}, ${a.b.c}, ${name:-fallback}, ${env.NAME} and $${ in
// every scalar value of doc (keys are never expanded), with precedence
// overrides > doc `vars` (already merged with included vars). `row` is the
// batch row map for ${row.X}, or NULL. A scalar that is exactly ${x} takes
// the value's type. Returns a new tree (ctx->arena), or NULL after
// reporting every undefined variable at its own line and column.
Node *vars_expand(Ctx *ctx, const Node *doc, const Node *overrides,
                  const Node *row);

//
// rows.c
//
// Batch rows: a CSV file (RFC 4180, header row, BOM allowed; every cell
// a quoted-style string scalar with its own line and column) or a YAML
// file holding a list of maps. rows_open checks a whole CSV file and
// reports every problem in it, or reads a YAML file up to its first row
// and reports one that holds no rows; NULL after reporting. `from` is
// where the rows file was named (may be NULL). It allocates in
// ctx->arena, which must outlive the Rows. rows_next then reads a row at
// a time: the next row as a map, valid until the next call, and its
// number in the file (*row_no), or NULL at the end. In a YAML file it
// reports problems as it reaches them and skips a row that has one (the
// batch fails). So a batch holds one row, never the whole file's rows.
// rows_close frees what the rows hold outside ctx->arena.
typedef struct Rows Rows;
Rows *rows_open(Ctx *ctx, const char *path, const Loc *from);
const Node *rows_next(Rows *r, int *row_no);
void rows_close(Rows *r);

//
// script.c
//
typedef struct {
  const char *text; // normalised input_text (ctx->arena)
  int chars;        // characters counted against the plan (no break tags)
  int words;        // spoken words
  int pauses;       // pauses after merging
  long pause_ms;    // total pause time
} Script;

// Parses and normalises a scene's `script` (a string, or a list of strings
// and {pause: DURATION} items): break tags, pause merging, every error and
// lint warning of spec-format.md §3. Returns false after reporting.
bool script_compile(Ctx *ctx, const Node *script, int scene_no, Script *out);
// Parses a duration: "1.5s", "500ms", or a number of seconds. Returns NULL
// and sets *ms, or returns an error message (ctx->arena) with *hint set.
const char *script_duration(Ctx *ctx, const Node *n, long *ms,
                            const char **hint) HGC_WUR;
// Writes milliseconds as seconds, shortest: 1500 -> "1.5", 1000 -> "1".
void script_format_seconds(long ms, char out[32]);

//
// assets.c
//
typedef enum {
  MEDIA_IMAGE = 1, // image/jpeg, image/png
  MEDIA_VIDEO = 2, // video/mp4, video/webm
  MEDIA_AUDIO = 4, // audio/mpeg, audio/wav
} MediaClass;

typedef struct {
  const char *path;    // relative to the project root
  const char *sha256;  // lowercase hex
  const char *mime;    // detected from the first bytes
  const char *pointer; // JSON pointer in the body, set by lower.c
  Loc loc;             // the `asset:` value
} Asset;

// Checks the file named by the scalar n (relative to n's spec file, under
// the root, a regular file of one of the `accept` classes) and hashes it.
// NULL after reporting at n.
Asset *asset_load(Ctx *ctx, const Node *n, unsigned accept);
// SHA-256 of a buffer, as lowercase hex.
void asset_sha256(const void *data, size_t len, char out[65]);

//
// validate.c: the typed spec
//
typedef enum {
  KIND_VIDEO,
  KIND_AGENT,
  KIND_WEBM,
  KIND_TEMPLATE,
  KIND_TRANSLATE
} SpecKind;
typedef enum { API_V2, API_V3 } ApiVersion;

typedef struct {
  bool set;
  bool is_int; // from a YAML integer: emitted without a fraction
  long long i;
  double d;    // always valid (i converted when is_int)
  Loc loc;
} Num;

typedef struct {
  const char *s; // NULL: not given
  Loc loc;
} Str;

typedef struct {
  bool set;
  bool v;
  Loc loc;
} Bool;

typedef enum { CHAR_NONE, CHAR_AVATAR, CHAR_TALKING_PHOTO } CharKind;
typedef struct {
  CharKind kind;
  Str id;
  Str style; // normal | closeUp | circle
  Num scale;
  Num offset_x;
  Num offset_y;
  Str engine;         // v3: avatar_iv | avatar_v | avatar_iii
  Str motion_prompt;  // v3
  Str expressiveness; // v3: high | medium | low
  Str image_url;      // v3: a talking photo given as an image, or
  Asset *image;       // as a local image
  Loc loc;
} Character;

typedef struct {
  Str id;
  Num speed; // 0.5-2.0
  Num pitch; // -20..20
  Num volume; // v3: 0.0-1.0
  Str locale; // v3: e.g. en-US
  Loc loc;
  const char *default_of; // online_check filled id: this avatar's default
} Voice;

typedef enum { SPEECH_NONE, SPEECH_SCRIPT, SPEECH_AUDIO, SPEECH_SILENCE } SpeechKind;
typedef struct {
  SpeechKind kind;
  Script script;   // SPEECH_SCRIPT
  Str audio_url;   // SPEECH_AUDIO, or
  Asset *audio;    // SPEECH_AUDIO from a local file
  long silence_ms; // SPEECH_SILENCE
  Loc loc;
} Speech;

typedef enum { BG_NONE, BG_COLOR, BG_IMAGE, BG_VIDEO } BgKind;
typedef struct {
  BgKind kind;
  Str color; // normalised #RRGGBB
  Str url;
  Asset *asset; // BG_IMAGE or BG_VIDEO from a local file
  Str fit;   // cover | contain
  Loc loc;
} Background;

typedef struct {
  Character character;
  Voice voice;
  Speech speech;
  Background background;
  Loc loc;
} Scene;

typedef struct {
  int width;          // 0 when only v3 can say it (aspect auto, 4k)
  int height;
  const char *aspect; // v3 aspect_ratio ("16:9", "auto"), NULL if none fits
  const char *resolution; // v3 resolution ("720p", "1080p", "4k"), or NULL
  bool given;         // false: hgc's default
  Loc loc;
} Dimension;

//
// prompt.c: Video Agent prompts
//
typedef struct {
  Str title;
  Str type;        // A-roll | B-roll | Motion Graphics | Stock
  Str visual;
  Str vo;          // voice-over, spoken as written
  long duration_ms;
  Loc loc;
} AgentScene;

typedef struct {
  Str visual;           // style.visual
  Str *color_names;     // style.colors, in spec order
  Str *color_values;    // normalised #RRGGBB
  int ncolors;
  Str font;
  Str vibe;
  Str avatar_placement;
  AgentScene *scenes;
  int nscenes;
  Str instruction;
} AgentBrief;

// Lowers a structured brief into the prompt-optimizer layout: a global
// style block, "### Scene N: Title" blocks with running m:ss timestamps,
// then the catch-all instruction. Pure text: never fails.
const char *prompt_render(Ctx *ctx, const AgentBrief *brief);
// The "m:ss" of a time in milliseconds, rounded to the nearest second.
void prompt_timestamp(long ms, char out[48]);

typedef struct {
  Str asset_id; // an uploaded asset, or
  Asset *asset; // a local file
} AgentFile;

typedef struct {
  const char *prompt; // as sent: raw (trimmed) or rendered from brief
  Loc prompt_loc;
  AgentBrief brief;   // the structured form, when prompt was not given
  long duration_ms;   // config.duration, 0 when not given
  Loc duration_loc;
  Str style_id;       // v3: a Video Agent style
  Str avatar;         // config.avatar
  Str orientation;    // config.orientation: portrait | landscape
  AgentFile *files;
  int nfiles;
} Agent;

typedef struct {
  Str id;          // template: ID
  Str *names;      // variables, in spec order
  Str *values;     // as text
  int nvars;
  Loc loc;         // the variables map
} Template;

typedef struct {
  Str video_url;   // video: URL, or
  Str video_id;    // video_id: ID
  Str output_language;
  Bool audio_only; // translate_audio_only
  Num speakers;    // speaker_num
  Str mode;        // v3: speed | precision
} Translate;

typedef struct Spec {
  SpecKind kind;
  ApiVersion api;
  const char *name;   // artifact name
  const char *source; // spec path relative to the project root
  Loc loc;            // the document
  Str title;
  Str language;    // the scripts' language, e.g. en-US (checked online)
  Bool test;
  Str folder;
  Bool caption;
  Str caption_style;     // v3: "default" burns captions in
  Bool remove_background; // v3
  Str callback_url;
  Str callback_id;
  Dimension dimension;
  Scene *scenes;     // kind video and webm
  int nscenes;
  Agent agent;       // kind agent
  Template tmpl;     // kind template
  Translate translate; // kind translate
} Spec;

// Checks a merged, expanded spec document and builds the typed Spec.
// `path` is the spec file as named on the command line, `source` what
// validate_source gave for it. Reports every problem it finds; returns
// NULL when any was an error.
Spec *validate_spec(Ctx *ctx, const Node *doc, const char *path,
                    const char *source);
// The spec file's path relative to ctx->root (ctx->arena), or NULL when
// it is not below the root. Once per spec: a batch's rows share it.
const char *validate_source(Ctx *ctx, const char *path);

//
// online.c: the spec against the account's catalogue (--online)
//
// Checks the spec's ids against ctx->catalogue and fills in what the
// account decides (an avatar's default voice, for a script scene that
// names no voice). Every avatar, talking photo, voice and template id
// must be in the account (an error at the id, with a did-you-mean among
// the account's ids and names); a template spec's variables must match
// the template's. Warns about pauses a voice does not support and a voice
// whose language is not the spec's `language:`. false after errors.
bool online_check(Ctx *ctx, Spec *spec);

//
// lower.c
//
typedef struct Jval Jval;
typedef struct {
  const char *method; // "POST"
  const char *path;   // "/v2/video/generate"
  Jval *body;         // in ctx->arena
  Jval *assets;       // [{pointer, path, sha256, mime}], or NULL
} Request;

// Builds the request for a validated spec, in ctx->arena. Cannot fail.
Request lower_spec(Ctx *ctx, const Spec *spec);

//
// emit.c
//
// A JSON value in an arena, its strings borrowed: what lower.c builds a
// request as, and what emit.c writes. jansson hashes every key and
// mallocs every value and string, and a batch lowers and writes a
// request per row (docs/performance.md, sixth round). An object's
// members are kept in the order put; a key is put once.
typedef enum {
  JV_NULL, JV_FALSE, JV_TRUE, JV_INT, JV_REAL, JV_STRING, JV_ARRAY, JV_OBJECT
} JvalKind;
typedef struct {
  const char *key;
  size_t len; // keys may hold NULs (json_object_setn)
  const Jval *value;
} JvalMember;
struct Jval {
  JvalKind kind;
  int n;   // items or members
  int cap; // room for them
  union {
    long long i;
    double d;
    struct {
      const char *s; // valid UTF-8 (the caller sees to it); may hold NULs
      size_t len;
    };
    const Jval **items;
    JvalMember *members;
  };
};
Jval *jval_object(Arena *a);
Jval *jval_array(Arena *a);
Jval *jval_string(Arena *a, const char *s); // s must outlive the value
Jval *jval_int(Arena *a, long long i);
Jval *jval_real(Arena *a, double d);
Jval *jval_bool(Arena *a, bool b);
void jval_put(Arena *a, Jval *obj, const char *key, const Jval *v);
void jval_push(Arena *a, Jval *arr, const Jval *v);
// jansson's copy of v (a new reference), or NULL when a key or string is
// not valid UTF-8.
json_t *jval_to_json(const Jval *v);
// Would jansson take s as a string? (Valid UTF-8, NULs allowed.)
bool json_text_ok(const char *s, size_t n);
// Canonical JSON text of v: exactly Python's json.dumps(v, indent=2,
// sort_keys=True, ensure_ascii=False) plus "\n". malloc'd; caller frees.
// NULL when over EMIT_MAX_BYTES (emit.c) or out of memory.
char *emit_json(const json_t *v, size_t *len);
// The same text added to out, which may hold texts before it; false (out
// freed, as every failed add frees a Buf) past EMIT_MAX_BYTES for this
// text, or past out's own cap.
bool emit_json_to(Buf *out, const json_t *v);
// The same for a Jval: the writer itself, which emit_json_to feeds a copy.
bool emit_jval_to(Buf *out, const Jval *v);
// v as jansson writes it with flags, and a newline: for one-line JSON
// (diagnostics, events). Not json_dumps, whose text would come from
// jansson's allocator (json_pool_install). False when the write fails.
bool json_print_line(FILE *out, const json_t *v, size_t flags);
// The artifact document of §6 wrapped around req, in a; NULL when a name
// or path is not valid UTF-8.
Jval *emit_artifact(Arena *a, const Spec *spec, const Request *req);
// How emit_write_file writes; 0 suits build artifacts.
enum {
  EMIT_DURABLE = 1, // sync the file before the rename and the directory
                    // after: the contents survive a power loss
  EMIT_PRIVATE = 2, // mode 0600, not the mode open(2) would give
};
// Writes data to path through a temp file in the same directory and a
// rename, so readers never see a partial file. Returns 0 or an errno.
int emit_write_file(const char *path, const char *data, size_t len,
                    unsigned flags);
// The first half of that: writes data to a new temp file beside path,
// DIR/.NAME.XXXXXX (the X's are the last six characters of *tmp,
// malloc'd), to be renamed to path later. Returns 0 or an errno, and
// then leaves no file.
int emit_spool_file(const char *path, const char *data, size_t len,
                    unsigned flags, char **tmp);

//
// driver.c: the pipeline for one spec file, and its batch rows
//
typedef struct {
  VarsOptions vars;     // -D and --vars
  const char *rows;     // --rows FILE (wins over the spec's rows:), or NULL
} CompileOptions;

// Called once per artifact, in spec order then row order. `row` is the
// batch row map (NULL outside a batch), `row_no` its 1-based number.
// Returns false to count the artifact as failed.
typedef bool (*ArtifactFn)(Ctx *ctx, const Spec *spec, const Request *req,
                           const Node *row, int row_no, void *user);

// Loads, resolves, expands, validates and lowers the spec at path, once
// per batch row. `overrides` comes from vars_overrides(). Returns the
// number of artifacts handed to fn, or -1 when any error was reported.
int driver_compile(Ctx *ctx, const char *path, const CompileOptions *opts,
                   const Node *overrides, ArtifactFn fn, void *user);
// The project root: --root, else the top of the git work tree around the
// cwd, else the cwd. Absolute, resolved; NULL after reporting.
const char *driver_root(Ctx *ctx, const char *opt_root);

//
// schema.c: the keys of every map of the format
//
typedef enum {
  SCHEMA_TOP,
  SCHEMA_SCENE,
  SCHEMA_CHARACTER,
  SCHEMA_OFFSET,
  SCHEMA_VOICE,
  SCHEMA_BACKGROUND,
  SCHEMA_AUDIO_ASSET,
  SCHEMA_DIMENSION,
  SCHEMA_CALLBACK,
  SCHEMA_CAPTION,
  SCHEMA_STYLE,
  SCHEMA_AGENT_SCENE,
  SCHEMA_CONFIG,
  SCHEMA_FILE,
  SCHEMA_PAUSE,
  SCHEMA_NMAPS
} SchemaMap;

// At most this many keys in one map (schema_keys' arrays).
#define SCHEMA_MAX_KEYS 40
// The keys a map of the format may hold, in documented order: the only
// lists of allowed keys the validator has.
int schema_keys(SchemaMap map, const char *const **names);
// The index of name among schema_keys(map), or -1.
int schema_find(SchemaMap map, const char *name);
// Whether a spec of kind may hold key i of map (only top-level keys
// depend on the kind).
bool schema_takes(SchemaMap map, int i, SpecKind kind);
// The JSON Schema (2020-12) of the spec format, for editors. Caller owns.
json_t *schema_document(void);

//
// diff.c
//
// Prints, per artifact, what changed from a to b (artifact files or
// specs). Returns the number of changes, or -1 after reporting an error.
int diff_files(Ctx *ctx, const char *a, const char *b,
               const CompileOptions *opts, const Node *overrides, FILE *out,
               bool color);

//
// explain.c
//
// Prints `hgc explain` for one artifact: its request line, then per scene
// the speech, words, pauses and estimated seconds, and a total.
void explain_print(FILE *out, const Spec *spec, const Request *req,
                   int row_no);
// `hgc explain --json`: the same as one compact JSON line, keys sorted:
// {name, source, method, path, api, kind, scenes: [{n, speech, words,
// pause_ms, seconds}], total_seconds, has_audio}; null where the text
// shows "-" or "?". False (nothing printed) when a name or path is not
// UTF-8.
bool explain_json(FILE *out, const Spec *spec, const Request *req) HGC_WUR;

// One scene's estimate, as explain prints it and the storyboard draws it.
typedef struct {
  const char *speech; // "script", "silence", "audio"; agent: the type
  int words;          // spoken words; -1 when nothing is spoken
  long pause_ms;      // pauses; -1 when the scene cannot have any
  double seconds;     // estimated length; -1 until rendered (audio)
} SceneTime;

// How many scenes explain estimates: a video's or webm's, an agent
// brief's; 0 for a raw prompt, a template or a translation.
int explain_nscenes(const Spec *spec);
// The estimate for scene i, 0 <= i < explain_nscenes(spec).
SceneTime explain_scene(const Spec *spec, int i);

//
// preview.c
//
// The storyboard page of one artifact: a self-contained HTML document
// (inline CSS only; nothing is fetched, no scripts), with a card per scene
// and a timeline bar, or the brief and the prompt as sent for an agent.
// Everything from the spec is HTML-escaped. Deterministic. malloc'd, the
// caller frees; NULL when out of memory or over PREVIEW_MAX_BYTES.
char *preview_page(const Spec *spec, const Request *req, int row_no,
                   size_t *len);

//
// manual.c: hgc(1) and the shell completions, generated from the command
// line's own tables (main.c), so they never drift from the parser
//
typedef struct {
  const char *name;    // "build"
  const char *args;    // "[options] SPEC..."
  const char *summary; // one lowercase line
} CliCommand;

typedef struct {
  const char *name;  // long name, without "--"
  char short_name;   // 0: none
  const char *arg;   // "FILE", "v2|v3"...; NULL for a flag
  int id;            // main.c's OptId
  unsigned cmds;     // a bit per command: 1u << its index in the table
  const char *help;  // one lowercase line
} CliOption;

typedef struct {
  const CliCommand *cmds;
  int ncmds;
  const CliOption *opts;
  int nopts;
} CliTables;

// hgc(1) in roff (`hgc help --man`).
void manual_page(FILE *out, const CliTables *t);
// The completion script for shell "bash" or "zsh" (`hgc completion`);
// false for another shell.
bool manual_completion(FILE *out, const char *shell, const CliTables *t);

//
// migrate.c
//
// Reports, per spec, what a move to v3 changes and what blocks it, on
// out; writes nothing. Returns the number of blocked specs; errors of a
// spec under v2 are reported as usual.
int migrate_specs(Ctx *ctx, const char *const *specs, int nspecs,
                  const CompileOptions *opts, const Node *overrides,
                  FILE *out);

#endif
