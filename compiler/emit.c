// SPDX-License-Identifier: MIT
// emit.c: JSON values -> canonical JSON text, and atomic file writes.
//
// Input: a Jval tree (lower.c's request, or the artifact emit_artifact
// wraps around it), or a json_t tree, which is copied into one. Output:
// exactly the bytes of Python's json.dumps(v, indent=2, sort_keys=True,
// ensure_ascii=False) plus "\n", so artifacts are byte-identical on every
// machine: keys in byte order (code point order for UTF-8), two-space
// indent, strings raw except for the escapes Python makes, reals in
// repr()'s shortest round-trip form. We serialize ourselves because
// json_dumps prints reals with %.17g.
// Ownership (jq's rule) for json_t: fresh values go in through the
// stealing API (json_object_set_new, json_array_append_new); a borrowed
// value is increfed explicitly; the only json_decref is on the root. A
// Jval lives in its arena.
// Files are replaced by rename, so readers see the old or the new file.
#include "hgc.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// Canonical text larger than this is refused: far above any request body
// the API accepts, it stops an alias bomb from exhausting memory.
#define EMIT_MAX_BYTES (64 << 20)
#define EMIT_FEW_MEMBERS 16 // objects this small are sorted on the stack

static bool emit_value(Buf *b, const Jval *v, int depth);

// A line break and the indent for depth, in as few adds as it takes.
static bool emit_newline(Buf *b, int depth) {
  static const char line[] = "\n                                ";
  size_t want = 1 + 2 * (size_t)depth;
  size_t n = want < sizeof line - 1 ? want : sizeof line - 1;
  if (!buf_add(b, line, n))
    return false;
  for (want -= n; want > 0; want -= n) {
    n = want < sizeof line - 2 ? want : sizeof line - 2;
    if (!buf_add(b, line + 1, n))
      return false;
  }
  return true;
}

// The bytes that need an escape: the C0 controls, '"' and '\\'.
static const bool escaped[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1};

// The first byte at or after i that needs an escape, or len. Eight bytes
// at a time first: the high bit of a byte of t is set when that byte of
// x is below 0x20, '"' or '\\' (each test exact, as in "Bit Twiddling
// Hacks"' hasless and haszero).
static size_t next_escape(const char *s, size_t i, size_t len) {
  const uint64_t ones = 0x0101010101010101u;
  for (; len - i >= 8; i += 8) {
    uint64_t x, q, bs;
    memcpy(&x, s + i, 8);
    q = x ^ (ones * '"');
    bs = x ^ (ones * '\\');
    uint64_t t = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
                 ((bs - ones) & ~bs);
    if (t & (ones * 0x80))
      break;
  }
  while (i < len && !escaped[(unsigned char)s[i]])
    i++;
  return i;
}

// A string as Python's encoder writes it with ensure_ascii=False: '"',
// '\\' and C0 controls are escaped (\n, or \u001f when there is no short
// form); everything else, DEL and U+2028 included, stays raw.
static bool emit_string(Buf *b, const char *s, size_t len) {
  static const char short_from[] = "\"\\\b\f\n\r\t";
  static const char short_to[] = "\"\\bfnrt";
  static const char hex[] = "0123456789abcdef";
  if (!buf_addc(b, '"'))
    return false;
  size_t run = 0; // start of the bytes not yet copied
  for (size_t i = 0; (i = next_escape(s, i, len)) < len; i++) {
    unsigned char c = (unsigned char)s[i];
    // c == 0 is no short form, though strchr would find the terminator.
    const char *hit = c ? strchr(short_from, c) : NULL;
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    if (hit) // the short form, in the first two bytes
      esc[1] = short_to[hit - short_from];
    if (!buf_add(b, s + run, i - run) || !buf_add(b, esc, hit ? 2 : 6))
      return false;
    run = i + 1;
  }
  return buf_add(b, s + run, len - run) && buf_addc(b, '"');
}

// Does digits x 10^(exp - nd + 1) read back as y?
static bool reads_back(double y, const char *digits, int nd, int exp) {
  char s[48];
  snprintf(s, sizeof s, "%.*se%d", nd, digits, exp - nd + 1);
  return strtod(s, NULL) == y;
}

// The last digit up by one; false when that carries out of the first.
static bool digits_up(char *digits, int nd) {
  for (int i = nd - 1; i >= 0; i--) {
    if (digits[i] != '9') {
      digits[i]++;
      return true;
    }
    digits[i] = '0';
  }
  return false;
}

// The digits repr() picks for y >= 0: the fewest that read back as y
// and, of those, the nearest. At each length the nearest decimal is
// %.*e's (it rounds correctly); when it fails, the next one up can still
// fit, because below a power of two the gap to the next double is half
// the gap above. A carry to 10^k never fits: a shorter length tried it.
// %e and strtod use the locale's decimal point; hgc never calls
// setlocale, so that is always the C locale's '.'. Sets *exp to the
// decimal exponent of the first digit; returns the digit count.
// Two shortcuts come first. A normal double has at most one decimal of
// 15 digits or fewer within half a gap of it (the gaps are narrower than
// 15-digit steps), so the first that reads back is the shortest. Specs'
// numbers have a few decimals (1.05, 0.5): with k = 0, 1, ... decimals,
// the nearest n / 10^k is tested by exact division (n and 10^k are exact
// doubles, and division rounds as strtod does). Else %.14e: when it
// reads back, its digits less trailing zeros are the shortest. Subnormals'
// gaps are wider: they take the search.
static int shortest_digits(double y, char digits[17], int *exp) {
  static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
  for (int k = 0; (y == 0 || y >= DBL_MIN) && k < 7; k++) {
    double t = y * pow10[k] + 0.5;
    if (t >= 1e15)
      break;
    unsigned long long n = (unsigned long long)t;
    if ((double)n / pow10[k] != y)
      continue;
    char tmp[24];
    int len = 0;
    do
      tmp[len++] = (char)('0' + n % 10);
    while (n /= 10);
    *exp = len - 1 - k;
    int nd = len;
    for (int i = 0; i < len; i++)
      digits[i] = tmp[len - 1 - i];
    while (nd > 1 && digits[nd - 1] == '0')
      nd--;
    return nd;
  }
  if (y >= DBL_MIN) {
    char sci[32];
    snprintf(sci, sizeof sci, "%.14e", y);
    if (strtod(sci, NULL) == y) {
      int nd = 15;
      digits[0] = sci[0];
      memcpy(digits + 1, sci + 2, 14);
      while (nd > 1 && digits[nd - 1] == '0')
        nd--;
      *exp = atoi(strchr(sci, 'e') + 1);
      return nd;
    }
  }
  for (int nd = 1; nd <= 17; nd++) {
    char sci[32]; // "d.dddddddddddddddde-308"
    snprintf(sci, sizeof sci, "%.*e", nd - 1, y);
    digits[0] = sci[0];
    memcpy(digits + 1, sci + 2, (size_t)nd - 1);
    *exp = atoi(strchr(sci, 'e') + 1);
    if (reads_back(y, digits, nd, *exp))
      return nd;
    if (strtod(sci, NULL) < y && digits_up(digits, nd) &&
        reads_back(y, digits, nd, *exp))
      return nd;
  }
  unreachable(); // 17 significant digits always read back
}

static bool emit_zeros(Buf *b, int n) {
  for (int i = 0; i < n; i++)
    if (!buf_addc(b, '0'))
      return false;
  return true;
}

// A real as Python's repr() writes it: fixed notation for decimal
// exponents in [-4, 16), with ".0" on whole values (100.0, 0.0001), else
// d.ddde+XX with at least two exponent digits (1e-05, 1.5e+300).
static bool emit_real(Buf *b, double x) {
  if (!isfinite(x)) // validation rejects .nan and .inf
    unreachable();
  char digits[17];
  int exp;
  int nd = shortest_digits(fabs(x), digits, &exp);
  if (signbit(x) && !buf_addc(b, '-')) // -0.0 too
    return false;
  if (exp < -4 || exp >= 16) {
    if (!buf_addc(b, digits[0]))
      return false;
    if (nd > 1 && !(buf_addc(b, '.') && buf_add(b, digits + 1, nd - 1)))
      return false;
    return buf_addf(b, "e%+.2d", exp);
  }
  if (exp < 0)
    return buf_add(b, "0.", 2) && emit_zeros(b, -exp - 1) &&
           buf_add(b, digits, nd);
  if (nd <= exp + 1)
    return buf_add(b, digits, nd) && emit_zeros(b, exp + 1 - nd) &&
           buf_add(b, ".0", 2);
  return buf_add(b, digits, exp + 1) && buf_addc(b, '.') &&
         buf_add(b, digits + exp + 1, nd - exp - 1);
}

// Digits by hand: printf's machinery costs more than the whole number.
static bool emit_integer(Buf *b, long long i) {
  char tmp[24];
  char *p = tmp + sizeof tmp;
  unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i
                               : (unsigned long long)i;
  do
    *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (i < 0)
    *--p = '-';
  return buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

// Byte order, which for UTF-8 is the code point order Python sorts by.
static int member_cmp(const void *pa, const void *pb) {
  const JvalMember *a = pa;
  const JvalMember *b = pb;
  int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
  if (c)
    return c;
  return (a->len > b->len) - (a->len < b->len);
}

// Insertion sort for the few keys of a request's objects; qsort (and its
// calls through a pointer) for a big map.
static void sort_members(JvalMember *m, size_t n) {
  if (n > EMIT_FEW_MEMBERS) {
    qsort(m, n, sizeof *m, member_cmp);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    JvalMember x = m[i];
    size_t j = i;
    for (; j > 0 && member_cmp(&m[j - 1], &x) > 0; j--)
      m[j] = m[j - 1];
    m[j] = x;
  }
}

static bool emit_object(Buf *b, const Jval *obj, int depth) {
  size_t n = (size_t)obj->n;
  if (n == 0)
    return buf_add(b, "{}", 2);
  JvalMember few[EMIT_FEW_MEMBERS];
  JvalMember *m = n <= EMIT_FEW_MEMBERS ? few : malloc(n * sizeof *m);
  if (!m) {
    buf_free(b);
    return false;
  }
  memcpy(m, obj->members, n * sizeof *m);
  sort_members(m, n);
  bool ok = buf_addc(b, '{');
  for (size_t i = 0; ok && i < n; i++) {
    if (i && member_cmp(&m[i - 1], &m[i]) == 0) // a key put twice
      unreachable();
    ok = (i == 0 || buf_addc(b, ',')) && emit_newline(b, depth + 1) &&
         emit_string(b, m[i].key, m[i].len) && buf_add(b, ": ", 2) &&
         emit_value(b, m[i].value, depth + 1);
  }
  if (m != few)
    free(m);
  return ok && emit_newline(b, depth) && buf_addc(b, '}');
}

static bool emit_array(Buf *b, const Jval *arr, int depth) {
  if (arr->n == 0)
    return buf_add(b, "[]", 2);
  if (!buf_addc(b, '['))
    return false;
  for (int i = 0; i < arr->n; i++)
    if (!((i == 0 || buf_addc(b, ',')) && emit_newline(b, depth + 1) &&
          emit_value(b, arr->items[i], depth + 1)))
      return false;
  return emit_newline(b, depth) && buf_addc(b, ']');
}

static bool emit_value(Buf *b, const Jval *v, int depth) {
  switch (v->kind) {
  case JV_OBJECT:
    return emit_object(b, v, depth);
  case JV_ARRAY:
    return emit_array(b, v, depth);
  case JV_STRING:
    return emit_string(b, v->s, v->len);
  case JV_INT:
    return emit_integer(b, v->i);
  case JV_REAL:
    return emit_real(b, v->d);
  case JV_TRUE:
    return buf_add(b, "true", 4);
  case JV_FALSE:
    return buf_add(b, "false", 5);
  case JV_NULL:
    return buf_add(b, "null", 4);
  }
  unreachable();
}

bool emit_jval_to(Buf *out, const Jval *v) {
  size_t max = out->max;
  if (EMIT_MAX_BYTES < max - out->len)
    out->max = out->len + EMIT_MAX_BYTES;
  bool ok = emit_value(out, v, 0) && buf_addc(out, '\n');
  out->max = max;
  return ok;
}

//
// Jval: building, and the copies to and from jansson
//
static Jval *jval_new(Arena *a, JvalKind kind) {
  Jval *v = arena_alloc(a, sizeof *v);
  *v = (Jval){.kind = kind};
  return v;
}

Jval *jval_object(Arena *a) { return jval_new(a, JV_OBJECT); }
Jval *jval_array(Arena *a) { return jval_new(a, JV_ARRAY); }

Jval *jval_string(Arena *a, const char *s) {
  Jval *v = jval_new(a, JV_STRING);
  v->s = s;
  v->len = strlen(s);
  return v;
}

Jval *jval_int(Arena *a, long long i) {
  Jval *v = jval_new(a, JV_INT);
  v->i = i;
  return v;
}

Jval *jval_real(Arena *a, double d) {
  Jval *v = jval_new(a, JV_REAL);
  v->d = d;
  return v;
}

Jval *jval_bool(Arena *a, bool b) {
  return jval_new(a, b ? JV_TRUE : JV_FALSE);
}

void jval_put(Arena *a, Jval *obj, const char *key, const Jval *v) {
  obj->members =
      arena_grow(a, obj->members, obj->n, &obj->cap, sizeof *obj->members);
  obj->members[obj->n++] = (JvalMember){key, strlen(key), v};
}

void jval_push(Arena *a, Jval *arr, const Jval *v) {
  arr->items =
      arena_grow(a, (void *)arr->items, arr->n, &arr->cap, sizeof *arr->items);
  arr->items[arr->n++] = v;
}

bool json_text_ok(const char *s, size_t n) {
  json_t *j = json_stringn(s, n);
  json_decref(j);
  return j != NULL;
}

json_t *jval_to_json(const Jval *v) {
  json_t *j = NULL;
  switch (v->kind) {
  case JV_OBJECT:
    j = json_object();
    for (int i = 0; j && i < v->n; i++) {
      const JvalMember *m = &v->members[i];
      json_t *value = jval_to_json(m->value);
      if (!value || json_object_setn_new(j, m->key, m->len, value) != 0) {
        json_decref(j);
        j = NULL;
      }
    }
    return j;
  case JV_ARRAY:
    j = json_array();
    for (int i = 0; j && i < v->n; i++) {
      json_t *item = jval_to_json(v->items[i]);
      if (!item || json_array_append_new(j, item) != 0) {
        json_decref(j);
        j = NULL;
      }
    }
    return j;
  case JV_STRING:
    return json_stringn(v->s, v->len);
  case JV_INT:
    return json_integer(v->i);
  case JV_REAL:
    return json_real(v->d);
  case JV_TRUE:
    return json_true();
  case JV_FALSE:
    return json_false();
  case JV_NULL:
    return json_null();
  }
  unreachable();
}

// A Jval copy of j in a, its strings borrowed from j.
static const Jval *jval_from_json(Arena *a, const json_t *j) {
  Jval *v;
  switch (json_typeof(j)) {
  case JSON_OBJECT: {
    v = jval_object(a);
    // jansson's iterators take a non-const object but do not modify it.
    json_t *o = (json_t *)j;
    v->cap = (int)json_object_size(o);
    v->members = arena_alloc(a, sizeof *v->members * (size_t)v->cap);
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it))
      v->members[v->n++] = (JvalMember){
          json_object_iter_key(it), json_object_iter_key_len(it),
          jval_from_json(a, json_object_iter_value(it))};
    return v;
  }
  case JSON_ARRAY:
    v = jval_array(a);
    v->cap = (int)json_array_size(j);
    v->items = arena_alloc(a, sizeof *v->items * (size_t)v->cap);
    for (int i = 0; i < v->cap; i++)
      v->items[v->n++] = jval_from_json(a, json_array_get(j, (size_t)i));
    return v;
  case JSON_STRING:
    v = jval_new(a, JV_STRING);
    v->s = json_string_value(j);
    v->len = json_string_length(j);
    return v;
  case JSON_INTEGER:
    return jval_int(a, json_integer_value(j));
  case JSON_REAL:
    return jval_real(a, json_real_value(j));
  case JSON_TRUE:
    return jval_new(a, JV_TRUE);
  case JSON_FALSE:
    return jval_new(a, JV_FALSE);
  case JSON_NULL:
    return jval_new(a, JV_NULL);
  }
  unreachable();
}

bool emit_json_to(Buf *out, const json_t *v) {
  Arena *a = arena_new();
  bool ok = emit_jval_to(out, jval_from_json(a, v));
  arena_free(a);
  return ok;
}

char *emit_json(const json_t *v, size_t *len) {
  Buf b;
  buf_init(&b, EMIT_MAX_BYTES);
  if (!emit_json_to(&b, v))
    return NULL;
  *len = b.len;
  return buf_take(&b);
}

bool json_print_line(FILE *out, const json_t *v, size_t flags) {
  return json_dumpf(v, out, flags) == 0 && putc('\n', out) != EOF;
}

// artifact = { hgc: 1, name, source, method, path, body, assets? }
Jval *emit_artifact(Arena *a, const Spec *spec, const Request *req) {
  if (!json_text_ok(spec->name, strlen(spec->name)) ||
      !json_text_ok(spec->source, strlen(spec->source)) ||
      !json_text_ok(req->path, strlen(req->path)))
    return NULL;
  Jval *doc = jval_object(a);
  jval_put(a, doc, "hgc", jval_int(a, HGC_FORMAT));
  jval_put(a, doc, "name", jval_string(a, spec->name));
  jval_put(a, doc, "source", jval_string(a, spec->source));
  jval_put(a, doc, "method", jval_string(a, req->method));
  jval_put(a, doc, "path", jval_string(a, req->path));
  jval_put(a, doc, "body", req->body);
  if (req->assets)
    jval_put(a, doc, "assets", req->assets);
  return doc;
}

// The process umask, read without changing it where the kernel shows it
// (Linux 4.7+); elsewhere by setting and restoring it, which is safe
// because hgc creates files from one thread only.
static mode_t current_umask(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f) {
    char line[256];
    unsigned mask;
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "Umask: %o", &mask) == 1) {
        fclose(f);
        return (mode_t)mask;
      }
    fclose(f);
  }
  mode_t mask = umask(022);
  umask(mask);
  return mask;
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int emit_spool_file(const char *path, const char *data, size_t len,
                    unsigned flags, char **tmp_out) {
  // DIR/.NAME.XXXXXX: same directory, so the rename cannot cross devices.
  const char *slash = strrchr(path, '/');
  size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
  char *tmp = malloc(strlen(path) + sizeof ".XXXXXX" + 1);
  if (!tmp)
    return ENOMEM;
  sprintf(tmp, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int err = errno;
    free(tmp);
    return err;
  }
  // mkstemp makes the file 0600; give it the mode open(2) would.
  int err = write_all(fd, data, len);
  if (!err && !(flags & EMIT_PRIVATE) &&
      fchmod(fd, 0666 & ~current_umask()) != 0)
    err = errno;
  if (!err && (flags & EMIT_DURABLE) && fsync(fd) != 0)
    err = errno;
  if (close(fd) != 0 && !err)
    err = errno;
  if (err) {
    unlink(tmp);
    free(tmp);
    return err;
  }
  *tmp_out = tmp;
  return 0;
}

// The rename is durable only once the directory entry is on disk too.
static int sync_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash == path ? strdup("/")
              : slash       ? strndup(path, (size_t)(slash - path))
                            : strdup(".");
  if (!dir)
    return ENOMEM;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(dir);
  if (fd < 0)
    return errno;
  int err = fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
  close(fd);
  return err;
}

// Build artifacts are not durable: after a power loss a new file may come
// back empty, but they are cheap to regenerate; the rename alone keeps
// running readers from ever seeing a partial file.
int emit_write_file(const char *path, const char *data, size_t len,
                    unsigned flags) {
  char *tmp;
  int err = emit_spool_file(path, data, len, flags, &tmp);
  if (err)
    return err;
  if (rename(tmp, path) != 0) {
    err = errno;
    unlink(tmp);
  }
  free(tmp);
  return err || !(flags & EMIT_DURABLE) ? err : sync_dir(path);
}
