// SPDX-License-Identifier: MIT
// diag.c: source files and every diagnostic hgc prints.
//
// A diagnostic is "file:line:col: error: message", the source line, a
// caret under the column, an optional hint, then one "included from"
// line per include level (chibicc's verror_at, jq's locfile). The same
// content goes out as one JSON object per line with --diagnostics=json.
// Stages report and go on; ctx->nerrors tells the driver whether to stop
// between stages. Columns count characters, as libyaml's marks do.
// Every message, hint and file name is printed as one line of printable
// text: a spec cannot start a line of its own in a CI log or send a
// terminal escape. Input is read only from regular files, within the
// input budget of the spec (ctx->limits.bytes). A big rows file is mapped
// rather than read, and the pages behind the row being read are given
// back as the batch goes (diag_release), so it never sits in memory
// whole; a diagnostic that quotes them reads them in again. One cut
// short while hgc reads it is an error, not a SIGBUS (diag_cut_short).
#define _DEFAULT_SOURCE // madvise, MAP_ANONYMOUS
#include "hgc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIAG_MAP_MIN (1 << 20)   // files this big are mapped (diag_map_file)
#define DIAG_RELEASE (256 << 10) // bytes given back at a time

void ctx_init(Ctx *ctx) {
  memset(ctx, 0, sizeof *ctx);
  ctx->perm = arena_new();
  ctx->arena = ctx->perm;
  ctx->err = stderr;
  ctx->plan_chars = 1500;
  ctx->root = ".";
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd))
    ctx->cwd = arena_strdup(ctx->perm, cwd);
  ctx->limits = (Limits){
      .bytes = HGC_MAX_SPEC_BYTES,
      .nodes = HGC_MAX_NODES,
      .depth = HGC_MAX_DEPTH,
      .includes = HGC_MAX_INCLUDES,
      .var_depth = HGC_MAX_VAR_DEPTH,
      .expansion = HGC_MAX_EXPANSION,
      .cells = HGC_MAX_CELLS,
      .output = HGC_MAX_OUTPUT,
  };
}

void ctx_free(Ctx *ctx) {
  diag_close_files(ctx);
  if (ctx->arena != ctx->perm)
    arena_free(ctx->arena);
  arena_free(ctx->perm);
  ctx->arena = ctx->perm = NULL;
}

// Length of the UTF-8 sequence at p (at most n bytes), 0 if invalid.
static size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (len > n)
    return 0;
  unsigned cp = c & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

// The first byte of s[i..n) that is not ASCII, or n: eight bytes at a
// time first, as a spec is nearly all ASCII.
static size_t skip_ascii(const char *s, size_t i, size_t n) {
  for (; n - i >= 8; i += 8) {
    uint64_t x;
    memcpy(&x, s + i, 8);
    if (x & 0x8080808080808080u)
      break;
  }
  while (i < n && !((unsigned char)s[i] & 0x80))
    i++;
  return i;
}

static bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

// Copies `in` to out (cap bytes, at least 8) as printable text on one
// line: control characters become \n, \r, \t or \xNN, C1 controls \uNNNN
// and bytes of invalid UTF-8 \xNN. A CI log reads "::error::" at the
// start of a line as a command, and a terminal obeys escapes; no quoted
// key or file name may do either. A value quoted '...' (a quote after a
// space or '(' opens, one before a non-word character closes) is cut to
// QUOTE_CHARS characters, so that a huge key leaves the message readable;
// text that still does not fit is cut at a character and ends in "...".
#define QUOTE_CHARS 100
static void clean(const char *in, char *out, size_t cap) {
  size_t len = strlen(in);
  size_t n = 0;
  long quoted = -1; // characters in the open quote; -1: none is open
  for (size_t i = 0; i < len;) {
    const unsigned char *u = (const unsigned char *)in + i;
    size_t k = utf8_len(u, len - i);
    const char *piece = in + i;
    size_t plen = k;
    char esc[8];
    if (in[i] == '\'' && quoted < 0 && (i == 0 || in[i - 1] == ' ' ||
                                        in[i - 1] == '(')) {
      quoted = 0;
    } else if (in[i] == '\'' && quoted >= 0 && !is_word_char(in[i + 1])) {
      if (quoted > QUOTE_CHARS) {
        piece = "...'";
        plen = 4;
      }
      quoted = -1;
    } else if (quoted >= 0 && ++quoted > QUOTE_CHARS) {
      i += k ? k : 1;
      continue;
    }
    if (!k || u[0] < 0x20 || u[0] == 0x7F || (u[0] == 0xC2 && u[1] < 0xA0)) {
      unsigned c = k == 2 ? u[1] : u[0];
      const char *form = c == '\n'   ? "\\n"
                         : c == '\r' ? "\\r"
                         : c == '\t' ? "\\t"
                         : k == 2    ? "\\u%04X"
                                     : "\\x%02X";
      plen = (size_t)snprintf(esc, sizeof esc, form, c);
      piece = esc;
      k = k ? k : 1;
    }
    if (n + plen + 4 > cap) {
      memcpy(out + n, "...", 4);
      return;
    }
    memcpy(out + n, piece, plen);
    n += plen;
    i += k;
  }
  if (quoted > QUOTE_CHARS && n + 4 <= cap) // a quote cut and never closed
    memcpy(out + n, "...", 3), n += 3;
  out[n] = '\0';
}

// A file name as messages show it: relative to the cwd when below it,
// else absolute; cleaned, as file names are chosen by whoever wrote them.
// The cwd is the one read at ctx_init. (A relative path is given to
// realpath as it is: made absolute, every component of the cwd would cost
// a readlink.)
static const char *display_name(Ctx *ctx, const char *path) {
  char real[PATH_MAX];
  const char *name = path;
  if (ctx->cwd && realpath(path, real)) {
    size_t n = strlen(ctx->cwd);
    name = strncmp(real, ctx->cwd, n) == 0 && real[n] == '/' ? real + n + 1
                                                             : real;
  }
  size_t cap = 4 * strlen(name) + 8;
  char *out = arena_calloc(ctx->perm, cap);
  clean(name, out, cap);
  return out;
}

// Steps over one character; an invalid byte counts as one.
static size_t char_step(const char *s, size_t n) {
  size_t k = utf8_len((const unsigned char *)s, n);
  return k ? k : 1;
}

// Gives back the mapped pages before p, DIAG_RELEASE or more at a time. A
// p behind what was given back starts a new pass over the file.
static void release(SourceFile *f, const char *p) {
  if (f->map && p < f->map + f->released)
    f->released = 0;
  if (!f->map || p - (f->map + f->released) < DIAG_RELEASE)
    return;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t end = (size_t)(p - f->map) / page * page;
  madvise((void *)(f->map + f->released), end - f->released, MADV_DONTNEED);
  f->released = end;
}

void diag_release(SourceFile *f, size_t offset) {
  release(f, f->text + (offset < f->len ? offset : f->len));
}

// Makes the line index, once (see SourceFile).
static void need_lines(SourceFile *f) {
  if (f->line_starts)
    return;
  const char *end = f->text + f->len;
  int n = 1;
  for (const char *p = f->text; (p = memchr(p, '\n', (size_t)(end - p)));
       p++, n++)
    release(f, p);
  f->line_starts =
      arena_calloc(f->arena, sizeof *f->line_starts * (size_t)n);
  int k = 0;
  f->line_starts[k++] = 0;
  for (const char *p = f->text; (p = memchr(p, '\n', (size_t)(end - p)));
       p++) {
    f->line_starts[k++] = (uint32_t)(p + 1 - f->text);
    release(f, p);
  }
  f->nlines = n;
}

size_t diag_offset(SourceFile *f, int line, int col) {
  if (line < 1)
    return 0;
  need_lines(f);
  if (line > f->nlines)
    return f->len;
  size_t off = f->line_starts[line - 1];
  for (int c = 1; c < col && off < f->len && f->text[off] != '\n'; c++)
    off += char_step(f->text + off, f->len - off);
  return off;
}

Loc diag_loc(SourceFile *f, size_t offset) {
  if (offset > f->len)
    offset = f->len;
  need_lines(f);
  int lo = 0;
  int hi = f->nlines - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (f->line_starts[mid] <= offset)
      lo = mid;
    else
      hi = mid - 1;
  }
  int col = 1;
  for (size_t i = f->line_starts[lo]; i < offset; col++)
    i += char_step(f->text + i, f->len - i);
  return (Loc){f, lo + 1, col};
}

static SourceFile *new_source(Ctx *ctx, const char *path, const char *display,
                              char *text, size_t len, const Loc *from,
                              bool mapped) {
  SourceFile *f = arena_calloc(ctx->perm, sizeof *f);
  f->path = arena_strdup(ctx->perm, path);
  f->display = display;
  f->map = mapped ? text : NULL;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
    text += 3;
    len -= 3;
  }
  f->text = text;
  f->len = len;
  if (from) {
    Loc *copy = arena_calloc(ctx->perm, sizeof *copy);
    *copy = *from;
    f->included_from = copy;
  }
  f->arena = ctx->perm;
  return f;
}

SourceFile *diag_text_file(Ctx *ctx, const char *name, const char *text) {
  size_t len = strlen(text);
  return new_source(ctx, name, arena_strdup(ctx->perm, name),
                    arena_strndup(ctx->perm, text, len), len, NULL, false);
}

// Reports a file we could not read, at the place that named it if any.
static SourceFile *read_error(Ctx *ctx, const char *path, const Loc *from,
                              const char *why) {
  Loc at = from ? *from : (Loc){0};
  error_at(ctx, at, NULL, "cannot read '%s': %s", path, why);
  return NULL;
}

// Reports the system call on fd that just failed, and closes fd.
static SourceFile *read_failed(Ctx *ctx, const char *path, int fd,
                               const Loc *from) {
  const char *why = strerror(errno);
  close(fd);
  return read_error(ctx, path, from, why);
}

// A mapped file cut short while hgc reads it (a rows file rewritten
// during a batch) raises SIGBUS at the first page past its new end, which
// would end the run. As systemd does for its journals, the handler maps a
// page of zeros there instead and marks the mapping: the reader goes on
// through zeros, and diag_cut_short tells its caller, which reports it.
// (mmap is a bare system call, safe in the handler in practice, if not
// on POSIX's list.)
#define DIAG_MAPS 8 // mappings watched; a run maps one rows file per spec
static struct {
  uintptr_t start, end;
  volatile sig_atomic_t cut;
} maps[DIAG_MAPS];
static volatile sig_atomic_t nmaps;
static uintptr_t page_size;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
  (void)context;
  uintptr_t at = (uintptr_t)info->si_addr & ~(page_size - 1);
  for (int i = 0; i < nmaps; i++)
    if (at >= maps[i].start && at < maps[i].end &&
        mmap((void *)at, page_size, PROT_READ,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      maps[i].cut = 1;
      return;
    }
  // Not a page of ours: what SIGBUS does without a handler.
  signal(sig, SIG_DFL);
  raise(sig);
}

static void watch_map(const char *p, size_t size) {
  if (nmaps == DIAG_MAPS)
    return; // unwatched: a cut there ends the run, as before
  if (!nmaps) {
    page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
  }
  maps[nmaps].start = (uintptr_t)p;
  maps[nmaps].end = (uintptr_t)p + size;
  nmaps++;
}

bool diag_cut_short(const SourceFile *f) {
  for (int i = 0; f->map && i < nmaps; i++)
    if (maps[i].start == (uintptr_t)f->map)
      return maps[i].cut;
  return false;
}

void diag_report_cut(Ctx *ctx, SourceFile *f) {
  error_at(ctx, (Loc){f, 0, 0},
           "leave the file alone until hgc ends, then run hgc again",
           "file was cut short while hgc read it");
}

// The file mapped read-only (the pages come in as they are read), or
// NULL. Only when its size is not a whole number of pages: then the
// mapping's last page ends in zeros, and text[len] is the NUL.
static char *map_text(int fd, size_t size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (size < DIAG_MAP_MIN || size % page == 0)
    return NULL;
  // The page cache may hold the file in large folios (up to 2 MiB, as a
  // fresh write leaves it), which a fault maps whole and madvise gives
  // back whole: dropping its clean pages and faulting page by page keeps
  // what is resident near what is being read.
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return NULL;
  madvise(p, size, MADV_RANDOM);
  watch_map(p, size);
  return p;
}

// Descriptors of files read that may be left open at once (close_later).
#define CLOSE_SPAN 64

// Closes each run of descriptors in the set with one close_range(2).
void diag_close_files(Ctx *ctx) {
  uint64_t set = ctx->close_set;
  ctx->close_set = 0;
  for (int i = 0; i < 64;) {
    if (!(set >> i & 1)) {
      i++;
      continue;
    }
    int first = ctx->close_base + i;
    while (i < 64 && set >> i & 1)
      i++;
    int last = ctx->close_base + i - 1;
#ifdef SYS_close_range
    if (last > first &&
        syscall(SYS_close_range, (unsigned)first, (unsigned)last, 0u) == 0)
      continue;
#endif
    for (int fd = first; fd <= last; fd++)
      close(fd);
  }
}

// Closes fd, a file just read, later, with the files read after it.
// Descriptors are given lowest first, so the files of an include tree,
// read one after another, take a run of numbers, and close_range(2)
// closes the run in one system call. On a virtual machine a system call
// costs a microsecond, as much again as the rest of a close
// (docs/performance.md). The files left open span at most CLOSE_SPAN
// descriptors and an eighth of RLIMIT_NOFILE, so no open runs short;
// a descriptor outside that span closes them first.
static void close_later(Ctx *ctx, int fd) {
  if (!ctx->close_span) {
    struct rlimit lim;
    rlim_t spare = getrlimit(RLIMIT_NOFILE, &lim) == 0 ? lim.rlim_cur / 8 : 0;
    ctx->close_span = spare < CLOSE_SPAN ? (int)spare + 1 : CLOSE_SPAN;
  }
  if (ctx->close_set &&
      (fd < ctx->close_base || fd - ctx->close_base >= ctx->close_span))
    diag_close_files(ctx);
  if (ctx->close_span == 1) {
    close(fd);
    return;
  }
  if (!ctx->close_set)
    ctx->close_base = fd;
  ctx->close_set |= (uint64_t)1 << (fd - ctx->close_base);
}

// read(2), again when a signal interrupts it.
static ssize_t read_some(int fd, char *buf, size_t n) {
  ssize_t got;
  do
    got = read(fd, buf, n);
  while (got < 0 && errno == EINTR);
  return got;
}

// Bytes read from a file known to be regular before its size is asked
// (read_source): more than most included files hold.
#define READ_GUESS (32 << 10)

// The text read from fd as a SourceFile, once it is checked to be UTF-8
// (and, mapped, not cut short); NULL after reporting.
static SourceFile *take_source(Ctx *ctx, const char *path, int fd, char *text,
                               size_t len, const Loc *from, bool mapped) {
  close_later(ctx, fd);
  if (!mapped)
    text[len] = '\0';
  SourceFile *f = new_source(ctx, path, NULL, text, len, from, mapped);
  for (size_t i = 0, step = DIAG_RELEASE; i < f->len;) {
    // A mapped file's scan stops at each step, to give back what it read.
    size_t stop = mapped && step < f->len ? step : f->len;
    i = skip_ascii(f->text, i, stop);
    if (i < stop) {
      size_t k = utf8_len((const unsigned char *)f->text + i, f->len - i);
      if (!k) {
        error_at(ctx, diag_loc(f, i), "save the file as UTF-8",
                 "invalid UTF-8 byte 0x%02X", (unsigned char)f->text[i]);
        return NULL;
      }
      i += k;
    }
    if (mapped && i >= step) {
      release(f, f->text + i);
      step = i + DIAG_RELEASE;
    }
  }
  if (diag_cut_short(f)) {
    diag_report_cut(ctx, f);
    return NULL;
  }
  return f;
}

// regular: the file's directory lists it as a regular file (include.c).
// It is then read before any fstat, into READ_GUESS bytes: a read of a
// regular file stops short only at its end (POSIX read(2)), so a short
// read is the whole file, with one system call fewer. A read that fills
// the guess, or finds nothing (an empty file, or one that is no longer
// regular), goes on as for any file, from the bytes it read.
static SourceFile *read_source(Ctx *ctx, const char *path, int fd,
                               const Loc *from, bool map, bool regular) {
  // O_NONBLOCK: opening a FIFO must not hang; we refuse it below anyway.
  if (fd < 0)
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return read_error(ctx, path, from, strerror(errno));
  // Every file a spec reads counts: an include bomb cannot read more
  // than one big file could.
  size_t max = ctx->limits.bytes;
  char *text = NULL;
  size_t len = 0, guess = 0;
  if (regular && !map) {
    size_t left = max - ctx->read_bytes;
    guess = left < READ_GUESS ? left + 1 : READ_GUESS;
    text = arena_alloc(ctx->perm, guess + 1);
    ssize_t n = read_some(fd, text, guess);
    if (n < 0)
      return read_failed(ctx, path, fd, from);
    len = (size_t)n;
    if (len && len < guess) {
      ctx->read_bytes += len;
      text = arena_resize(ctx->perm, text, guess + 1, len + 1);
      return take_source(ctx, path, fd, text, len, from, false);
    }
  }
  struct stat st;
  if (fstat(fd, &st) != 0)
    return read_failed(ctx, path, fd, from);
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return read_error(ctx, path, from,
                      S_ISDIR(st.st_mode) ? "is a directory"
                                          : "not a regular file");
  }
  if ((uintmax_t)st.st_size > max - ctx->read_bytes) {
    close(fd);
    Loc at = from ? *from : (Loc){0};
    if ((uintmax_t)st.st_size > max)
      error_at(ctx, at, "split it into smaller files",
               "'%s' is too large (limit is %zu bytes; raise it with "
               "--max-bytes)",
               path, max);
    else
      error_at(ctx, at, "include fewer or smaller files",
               "'%s' takes the input of this spec past %zu bytes (the "
               "limit; raise it with --max-bytes)",
               path, max);
    return NULL;
  }
  ctx->read_bytes += (size_t)st.st_size;
  size_t cap = (size_t)st.st_size;
  bool mapped = false;
  if (text) { // the guess read: its bytes start the text
    text = arena_resize(ctx->perm, text, guess + 1, cap + 1);
    len = len < cap ? len : cap;
  } else {
    text = map ? map_text(fd, cap) : NULL;
    mapped = text != NULL;
    len = mapped ? cap : 0;
    if (!mapped)
      text = arena_alloc(ctx->perm, cap + 1); // read fills it
  }
  while (len < cap) {
    ssize_t n = read_some(fd, text + len, cap - len);
    if (n < 0)
      return read_failed(ctx, path, fd, from);
    if (n == 0)
      break;
    len += (size_t)n;
  }
  return take_source(ctx, path, fd, text, len, from, mapped);
}

const char *diag_display(Ctx *ctx, SourceFile *f) {
  if (!f->display)
    f->display = display_name(ctx, f->path);
  return f->display;
}

SourceFile *diag_read_file(Ctx *ctx, const char *path, const Loc *from) {
  return read_source(ctx, path, -1, from, false, false);
}

SourceFile *diag_read_fd(Ctx *ctx, int fd, bool regular, const char *path,
                         const Loc *from) {
  return read_source(ctx, path, fd, from, false, regular);
}

SourceFile *diag_map_file(Ctx *ctx, const char *path, const Loc *from) {
  return read_source(ctx, path, -1, from, true, false);
}

enum { C_RESET, C_BOLD, C_RED, C_MAGENTA, C_CYAN, C_GREEN };
static const char *const ansi[] = {"\033[0m",    "\033[1m",    "\033[1;31m",
                                   "\033[1;35m", "\033[1;36m", "\033[1;32m"};

static const char *color(const Ctx *ctx, int c) {
  return ctx->color ? ansi[c] : "";
}

// Prints the source line of loc and a caret under its column. Control
// characters and each byte of invalid UTF-8 show as '?', one column each
// as char_step counts them, so the terminal gets only printable text.
// Steps back over one character before `at` (not before `floor`).
static size_t char_back(const char *s, size_t floor, size_t at) {
  size_t i = at - 1;
  while (i > floor && at - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80)
    i--;
  return char_step(s + i, at - i) == at - i ? i : at - 1;
}

// Prints the source line of loc (control bytes shown as '?') and a caret
// under its column. A long line (a minified file, a huge CSV header) is
// cut to a window of DIAG_WINDOW characters around the column, so a
// diagnostic costs the same on any input.
#define DIAG_WINDOW 100
static void print_source(Ctx *ctx, Loc loc) {
  SourceFile *f = loc.file;
  if (f)
    need_lines(f);
  if (!f || loc.line < 1 || loc.line > f->nlines)
    return;
  size_t line = f->line_starts[loc.line - 1];
  size_t caret = diag_offset(f, loc.line, loc.col);
  size_t line_end = line;
  int chars = 0;
  while (line_end < f->len && f->text[line_end] != '\n' &&
         f->text[line_end] != '\r' && chars <= DIAG_WINDOW) {
    line_end += char_step(f->text + line_end, f->len - line_end);
    chars++;
  }
  size_t start = caret;
  // A line that fits is shown whole; a longer one around the caret.
  if (chars <= DIAG_WINDOW)
    start = line;
  for (int n = 0; n < DIAG_WINDOW / 2 && start > line; n++)
    start = char_back(f->text, line, start);
  size_t end = start;
  for (int n = 0; n < DIAG_WINDOW && end < f->len && f->text[end] != '\n' &&
                  f->text[end] != '\r';
       n++)
    end += char_step(f->text + end, f->len - end);
  bool cut_left = start > line;
  bool cut_right = end < f->len && f->text[end] != '\n' && f->text[end] != '\r';
  Buf b;
  buf_init(&b, 16 * DIAG_WINDOW);
  bool ok = buf_addf(&b, "%5d | %s", loc.line, cut_left ? "..." : "");
  for (size_t i = start; ok && i < end;) {
    unsigned char c = (unsigned char)f->text[i];
    size_t k = utf8_len((const unsigned char *)f->text + i, end - i);
    bool c1 = k == 2 && c == 0xC2 && (unsigned char)f->text[i + 1] < 0xA0;
    if (!k || (c < 0x20 && c != '\t') || c == 0x7f || c1)
      ok = buf_addc(&b, '?');
    else
      ok = buf_add(&b, f->text + i, k);
    i += k ? k : 1;
  }
  ok = ok && buf_addstr(&b, cut_right ? "...\n      | " : "\n      | ");
  if (ok && cut_left)
    ok = buf_addstr(&b, "   ");
  // Pad with the line's own tabs so the caret lines up in any terminal.
  for (size_t i = start; ok && i < caret;) {
    ok = buf_addc(&b, f->text[i] == '\t' ? '\t' : ' ');
    i += char_step(f->text + i, caret - i);
  }
  ok = ok && buf_addf(&b, "%s^%s\n", color(ctx, C_GREEN), color(ctx, C_RESET));
  if (ok)
    fwrite(b.data, 1, b.len, ctx->err);
  buf_free(&b);
}

static const char *const sev_name[] = {"error", "warning", "note"};
#define INCLUDED_SHOWN 8 // "included from" lines before the chain is cut

static void print_text(Ctx *ctx, Loc loc, Severity sev, const char *hint,
                       const char *msg) {
  FILE *out = ctx->err;
  static const int sev_color[] = {C_RED, C_MAGENTA, C_CYAN};
  fputs(color(ctx, C_BOLD), out);
  if (!loc.file)
    fputs("hgc: ", out);
  else if (loc.line < 1)
    fprintf(out, "%s: ", diag_display(ctx, loc.file));
  else
    fprintf(out, "%s:%d:%d: ", diag_display(ctx, loc.file), loc.line, loc.col);
  fprintf(out, "%s%s:%s %s\n", color(ctx, sev_color[sev]), sev_name[sev],
          color(ctx, C_RESET), msg);
  print_source(ctx, loc);
  if (hint)
    fprintf(out, "  hint: %s\n", hint);
  // A deep chain shows its first levels and the spec it starts from.
  int levels = 0;
  for (const Loc *in = loc.file ? loc.file->included_from : NULL;
       in && in->file; in = in->file->included_from)
    levels++;
  int level = 0;
  for (const Loc *in = loc.file ? loc.file->included_from : NULL;
       in && in->file; in = in->file->included_from, level++) {
    if (level < INCLUDED_SHOWN || level == levels - 1)
      fprintf(out, "  included from %s:%d\n", diag_display(ctx, in->file),
              in->line);
    else if (level == INCLUDED_SHOWN)
      fprintf(out, "  ... %d more levels of includes\n",
              levels - INCLUDED_SHOWN - 1);
  }
}

static void print_json(Ctx *ctx, Loc loc, Severity sev, const char *hint,
                       const char *msg) {
  json_t *o = json_object();
  json_t *from = json_array();
  json_object_set_new(o, "file", loc.file
                                      ? json_string(diag_display(ctx, loc.file))
                                      : json_null());
  json_object_set_new(o, "line", loc.line ? json_integer(loc.line) : json_null());
  json_object_set_new(o, "col", loc.col ? json_integer(loc.col) : json_null());
  json_object_set_new(o, "severity", json_string(sev_name[sev]));
  json_object_set_new(o, "message", json_string(msg));
  json_object_set_new(o, "hint", hint ? json_string(hint) : json_null());
  for (const Loc *in = loc.file ? loc.file->included_from : NULL;
       in && in->file; in = in->file->included_from) {
    json_t *l = json_object();
    json_object_set_new(l, "file", json_string(diag_display(ctx, in->file)));
    json_object_set_new(l, "line", json_integer(in->line));
    json_array_append_new(from, l);
  }
  json_object_set_new(o, "included_from", from);
  json_print_line(ctx->err, o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
}

// The message in full (malloc'd), so that clean() sees every quote.
static char *format(const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  char *s = n < 0 ? NULL : malloc((size_t)n + 1);
  if (!s)
    out_of_memory();
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static void vdiag(Ctx *ctx, Loc loc, Severity sev, const char *hint,
                  const char *fmt, va_list ap) {
  // Past the new end of a file cut short its text is zeros: the file's
  // one error is that it was cut (diag_report_cut, at no line).
  if (loc.file && loc.line > 0 && diag_cut_short(loc.file))
    return;
  if (sev == SEV_WARNING && ctx->werror)
    sev = SEV_ERROR;
  if (sev == SEV_ERROR) {
    if (++ctx->nerrors > HGC_MAX_ERRORS) {
      if (ctx->nerrors == HGC_MAX_ERRORS + 1)
        fprintf(ctx->err, "hgc: too many errors (limit is %d); stopping\n",
                HGC_MAX_ERRORS);
      return;
    }
  } else {
    if (sev == SEV_WARNING)
      ctx->nwarnings++;
    if (ctx->quiet || ctx->nerrors > HGC_MAX_ERRORS)
      return;
  }
  char *raw = format(fmt, ap);
  char msg[1024];
  char clean_hint[1024];
  clean(raw, msg, sizeof msg);
  free(raw);
  if (hint)
    clean(hint, clean_hint, sizeof clean_hint);
  if (ctx->format == DIAG_JSON)
    print_json(ctx, loc, sev, hint ? clean_hint : NULL, msg);
  else
    print_text(ctx, loc, sev, hint ? clean_hint : NULL, msg);
}

void diag(Ctx *ctx, Loc loc, Severity sev, const char *hint, const char *fmt,
          ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(ctx, loc, sev, hint, fmt, ap);
  va_end(ap);
}

void error_at(Ctx *ctx, Loc loc, const char *hint, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(ctx, loc, SEV_ERROR, hint, fmt, ap);
  va_end(ap);
}

void warn_at(Ctx *ctx, Loc loc, const char *hint, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(ctx, loc, SEV_WARNING, hint, fmt, ap);
  va_end(ap);
}

void note_at(Ctx *ctx, Loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(ctx, loc, SEV_NOTE, NULL, fmt, ap);
  va_end(ap);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// Optimal string alignment distance, case-insensitive; capped inputs.
static int edit_distance(const char *a, const char *b) {
  enum { MAXLEN = 64 };
  size_t n = strlen(a);
  size_t m = strlen(b);
  if (n > MAXLEN || m > MAXLEN)
    return INT_MAX;
  int d[MAXLEN + 1][MAXLEN + 1];
  for (size_t i = 0; i <= n; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      int cost = lower(a[i - 1]) != lower(b[j - 1]);
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v)
        v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v)
        v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[n][m];
}

// Past this many candidates no suggestion is made: a typo among
// thousands of names is seldom found, and each costs an edit distance.
#define SUGGEST_MAX 1000

const char *diag_suggest(const char *word, const char *const *cands, int n) {
  const char *best = NULL;
  int best_d = INT_MAX;
  int len = (int)strlen(word);
  int limit = len < 4 ? 1 : len / 3 + 1;
  for (int i = 0; i < n && n <= SUGGEST_MAX; i++) {
    size_t clen = strlen(cands[i]);
    size_t lo = (size_t)len > (size_t)limit ? (size_t)(len - limit) : 0;
    if (clen > (size_t)(len + limit) || clen < lo)
      continue; // too long or too short to be within the limit
    int d = edit_distance(word, cands[i]);
    if (d < best_d) {
      best_d = d;
      best = cands[i];
    }
  }
  return best_d <= limit && best_d < len ? best : NULL;
}

bool diag_seen(Ctx *ctx, LocSet *set, Loc loc) {
  for (int i = 0; i < set->n; i++)
    if (set->locs[i].file == loc.file && set->locs[i].line == loc.line &&
        set->locs[i].col == loc.col)
      return true;
  if (set->n == set->cap) {
    set->cap = set->cap ? 2 * set->cap : 16;
    Loc *grown = arena_calloc(ctx->arena, sizeof(Loc) * (size_t)set->cap);
    if (set->n)
      memcpy(grown, set->locs, sizeof(Loc) * (size_t)set->n);
    set->locs = grown;
  }
  set->locs[set->n++] = loc;
  return false;
}

const char *diag_did_you_mean(Ctx *ctx, const char *word,
                              const char *const *cands, int n) {
  if (ctx->nerrors >= HGC_MAX_ERRORS) // the message will not be shown
    return NULL;
  const char *s = diag_suggest(word, cands, n);
  return s ? arena_printf(ctx->arena, "did you mean '%s'?", s) : NULL;
}

// "hgc: " + the message, cleaned, on out.
static void print_msg(FILE *out, const char *prefix, const char *fmt,
                      va_list ap) {
  char *raw = format(fmt, ap);
  char msg[1024];
  clean(raw, msg, sizeof msg);
  free(raw);
  fprintf(out, "hgc: %s%s\n", prefix, msg);
}

void msg_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_msg(stderr, "", fmt, ap);
  va_end(ap);
}

void msg_warn(Ctx *ctx, const char *fmt, ...) {
  if (ctx && ctx->quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  print_msg(ctx ? ctx->err : stderr, "warning: ", fmt, ap);
  va_end(ap);
}

void hgc_unreachable(const char *file, int line) {
  fprintf(stderr, "hgc: internal error at %s:%d\n", file, line);
  abort();
}
