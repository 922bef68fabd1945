// SPDX-License-Identifier: MIT
// script.c: a scene's `script` node -> the normalised voice.input_text.
//
// Input: the `script` node, a text scalar (numbers count as text) or a list
// of text scalars and {pause: DURATION} maps. Text may hold break tags,
// <break time="1.5s"/>: a valid break is read by hand; any other tag, or
// a mistake, by PCRE2 patterns compiled once per run.
// Output: a Script whose text has single spaces and no space at either
// end, with each pause as ` <break time="Xs"/> ` (one space on each side
// that has text). Pauses with only white space between them are merged
// and summed in whole milliseconds. `chars` counts code points without
// the tags and the spaces around them, as the plan limit does.
// Every bad tag, item or time is reported at its own line and column,
// and the scan goes on, so one pass reports them all. Lint warnings (long
// sentences and pauses, too many '!') go through warn_at.
#include "hgc.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dlfcn.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCRIPT_MAX_DURATION_MS (3600L * 1000) // any one duration
#define LINT_PAUSE_MS 3000     // a pause this long sounds like a glitch
#define LINT_SENTENCE_WORDS 30 // more words than this in one sentence
#define LINT_BANGS 3           // this many '!' in one script
#define LINT_MAX 10            // lint warnings per script; more is noise
#define QUOTE_MAX 40           // bytes of a bad tag quoted in a message
#define SCRIPT_MAX_BYTES (1 << 20) // text kept: far over any plan's limit
// Exact positions cost a walk of the scalar's source; past this many in
// one script (only a pathological one), messages use the scalar's start.
#define LOC_BUDGET 256

enum { RE_TAG, RE_ATTR, RE_COUNT };
#define RE_JIT_AFTER 500

// Both patterns are anchored where the match starts, which lets PCRE2's
// JIT (when the library has one) run them once they have been matched
// RE_JIT_AFTER times: a batch scans a script per scene per row, while a
// small run would spend more compiling (and mapping the code) than it
// saves.
static const char *const re_src[RE_COUNT] = {
    // A whole tag, anchored at its '<'. Groups: 1 the '/' of </name>,
    // 2 the name, 3 the attributes, 4 the '/' of <name/>. Unquoted values
    // match too, so that they get their own message. Every quantifier is
    // possessive: the pieces cannot overlap, and no backtracking keeps a
    // failed match linear on a long unterminated tag.
    [RE_TAG] = ("<(/?)([A-Za-z][A-Za-z0-9_.:-]*+)"
                "((?:\\s++[^\\s\"'<>/=]++\\s*+=\\s*+"
                "(?:\"[^\"<>]*+\"|'[^'<>]*+'|[^\\s\"'<>/=]++))*+)\\s*+(/?)>"),
    // One attribute. Groups: 1 the name, then the value as 2 "v", 3 'v'
    // or 4 v.
    [RE_ATTR] = ("\\s++([^\\s\"'<>/=]++)\\s*+=\\s*+"
                 "(?:\"([^\"<>]*+)\"|'([^'<>]*+)'|([^\\s\"'<>/=]++))"),
};

// PCRE2 is loaded the first time a tag needs the patterns, as libcurl is
// (rt_http.c): a spec whose tags are all valid breaks never does, and
// loading the library cost every run about 0.2 ms (docs/performance.md).
#define RE_FUNCTIONS(X)                                                        \
  X(compile) X(jit_compile) X(match) X(match_data_create)                      \
  X(get_ovector_pointer)
static struct {
#define RE_FIELD(name) __typeof__(pcre2_##name##_8) *name;
  RE_FUNCTIONS(RE_FIELD)
#undef RE_FIELD
} pcre2;

// NULL once PCRE2 is loaded, else why it cannot be.
static const char *re_load(void) {
  static bool tried;
  static char why[256];
  if (!tried) {
    tried = true;
    // Never closed: the patterns are kept until hgc exits.
    void *lib = dlopen("libpcre2-8.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      snprintf(why, sizeof why, "%s", dlerror());
    // dlsym's object pointer as a function pointer, as POSIX allows.
#define RE_RESOLVE(name)                                                       \
  if (lib && !why[0] &&                                                        \
      !(pcre2.name = (__typeof__(pcre2.name))dlsym(lib, "pcre2_" #name "_8"))) \
    snprintf(why, sizeof why, "libpcre2-8.so.0 has no 'pcre2_%s_8'", #name);
    RE_FUNCTIONS(RE_RESOLVE)
#undef RE_RESOLVE
  }
  return why[0] ? why : NULL;
}

// Compiled on first use and kept for the run (never freed: the patterns
// are constants, and every compilation reuses them). Until the JIT
// compiles them, or without one, pcre2_match interprets them: same
// results, slower. PCRE2 is loaded (re_load).
static pcre2_code *re_get(int id) {
  static pcre2_code *code[RE_COUNT];
  static int uses[RE_COUNT];
  if (!code[id]) {
    int err;
    PCRE2_SIZE at;
    code[id] = pcre2.compile((PCRE2_SPTR)re_src[id], PCRE2_ZERO_TERMINATED,
                             PCRE2_ANCHORED, &err, &at, NULL);
    if (!code[id])
      unreachable();
  }
  if (++uses[id] == RE_JIT_AFTER)
    pcre2.jit_compile(code[id], PCRE2_JIT_COMPLETE);
  return code[id];
}

// The match data every scan uses, made once and kept, as the patterns
// are: a batch compiles a script per scene per row.
static pcre2_match_data *match_data(void) {
  static pcre2_match_data *md;
  if (!md && !(md = pcre2.match_data_create(8, NULL)))
    out_of_memory();
  return md;
}

//
// Numbers: exact decimal arithmetic, so 0.1s + 0.2s is 300 ms
//
typedef struct {
  bool neg;
  const char *ip; // integer digits
  size_t ni;
  const char *fp; // fraction digits
  size_t nf;
  long exp; // decimal exponent (YAML floats only)
} Decimal;

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads [+-]digits[.digits] or [+-].digits, then [eE][+-]digits when
// exp_ok. Returns the bytes read: 0 when s does not start with a number.
static size_t dec_parse(const char *s, size_t n, bool exp_ok, Decimal *d) {
  size_t i = 0;
  memset(d, 0, sizeof *d);
  if (i < n && (s[i] == '+' || s[i] == '-'))
    d->neg = s[i++] == '-';
  d->ip = s + i;
  while (i < n && is_digit(s[i]))
    i++, d->ni++;
  if (i < n && s[i] == '.') {
    d->fp = s + ++i;
    while (i < n && is_digit(s[i]))
      i++, d->nf++;
  }
  if (d->ni + d->nf == 0)
    return 0;
  if (exp_ok && i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    bool neg = j < n && s[j] == '-';
    if (j < n && (s[j] == '+' || s[j] == '-'))
      j++;
    if (j < n && is_digit(s[j])) {
      long e = 0;
      for (; j < n && is_digit(s[j]); j++)
        if (e < 1000000) // past this, the value is 0 or too big anyway
          e = e * 10 + (s[j] - '0');
      d->exp = neg ? -e : e;
      i = j;
    }
  }
  return i;
}

// |d| times 10^shift, truncated to a whole number in *out; *frac is set
// when nonzero digits were cut off. False when the value exceeds limit.
static bool dec_scale(const Decimal *d, int shift, long limit, long *out,
                      bool *frac) {
  long point = (long)d->ni + d->exp + shift; // digits before the point
  long nd = (long)(d->ni + d->nf);
  long v = 0;
  *frac = false;
  for (long k = 0; k < nd; k++) {
    int c = (k < (long)d->ni ? d->ip[k] : d->fp[k - (long)d->ni]) - '0';
    if (k >= point)
      *frac |= c != 0;
    else if (v > (limit - c) / 10)
      return false;
    else
      v = v * 10 + c;
  }
  for (long k = nd; k < point && v != 0; k++) {
    if (v > limit / 10)
      return false;
    v *= 10;
  }
  *out = v;
  return true;
}

// Written backwards from the last digit: every pause of every script
// comes through here, and snprintf costs more than the rest of a pause.
void script_format_seconds(long ms, char out[32]) {
  unsigned long m = ms < 0 ? 0UL - (unsigned long)ms : (unsigned long)ms;
  char tmp[32];
  char *p = tmp + sizeof tmp;
  *--p = '\0';
  unsigned long frac = m % 1000;
  if (frac) { // 1.05s: "05", then the point
    int places = 3;
    for (; frac % 10 == 0; frac /= 10)
      places--;
    for (int i = 0; i < places; i++, frac /= 10)
      *--p = (char)('0' + frac % 10);
    *--p = '.';
  }
  unsigned long whole = m / 1000;
  do
    *--p = (char)('0' + whole % 10);
  while (whole /= 10);
  if (ms < 0)
    *--p = '-';
  memcpy(out, p, (size_t)(tmp + sizeof tmp - p));
}

static const char *const DURATION_HINT = "write 1.5s or 1500ms";

// Value checks shared by every duration form. `what` names the value in
// messages ("duration"); `text` is the value as written.
static const char *check_ms(Ctx *ctx, const Decimal *d, int shift,
                            const char *what, const char *text, long *ms,
                            const char **hint) {
  long v;
  bool frac;
  bool fits = dec_scale(d, shift, SCRIPT_MAX_DURATION_MS, &v, &frac);
  bool zero = fits && v == 0 && !frac;
  *hint = "remove it, or write a time above 0s";
  if (zero)
    return arena_printf(ctx->arena, "%s '%s' is zero", what, text);
  if (d->neg)
    return arena_printf(ctx->arena, "%s '%s' is negative", what, text);
  if (!fits) {
    *hint = arena_printf(ctx->arena, "write %lds or less",
                         SCRIPT_MAX_DURATION_MS / 1000);
    return arena_printf(ctx->arena, "%s '%s' is longer than the limit of %lds",
                        what, text, SCRIPT_MAX_DURATION_MS / 1000);
  }
  if (frac) {
    *hint = "round it to whole milliseconds";
    return arena_printf(ctx->arena,
                        "%s '%s' is not a whole number of milliseconds", what,
                        text);
  }
  *ms = v;
  return NULL;
}

static const char *invalid_duration(Ctx *ctx, const Node *n) {
  return arena_printf(ctx->arena, "invalid duration '%s'", n->text);
}

// duration = 1.5s | 500ms | seconds as a YAML number | "2" (a string that
// is exactly a decimal number, as CSV cells are)
const char *script_duration(Ctx *ctx, const Node *n, long *ms,
                            const char **hint) {
  *ms = 0;
  *hint = DURATION_HINT;
  ScalarType type = n->kind == NK_SCALAR ? node_type(n) : ST_NULL;
  if (n->kind != NK_SCALAR || type == ST_NULL || type == ST_BOOL)
    return arena_printf(ctx->arena,
                        "expected a duration such as '1.5s', got %s",
                        node_kind_name(n));
  if (strlen(n->text) != n->len)
    return invalid_duration(ctx, n);
  // YAML's .inf and .nan are floats too
  if (type == ST_FLOAT && strpbrk(n->text, "iInN"))
    return arena_printf(ctx->arena, "duration '%s' is not a finite number",
                        n->text);
  bool number = type == ST_INT || type == ST_FLOAT;
  Decimal d;
  size_t k = dec_parse(n->text, n->len, number, &d);
  const char *unit = n->text + k;
  if (k == 0 || (number && *unit))
    return invalid_duration(ctx, n);
  int shift;
  if (!*unit || strcmp(unit, "s") == 0)
    shift = 3;
  else if (strcmp(unit, "ms") == 0)
    shift = 0;
  else
    return invalid_duration(ctx, n);
  const char *err = check_ms(ctx, &d, shift, "duration", n->text, ms, hint);
  if (!err)
    *hint = NULL;
  return err;
}

//
// The scan
//

// A place in the script, turned into a Loc only when a message needs it.
typedef struct {
  const Node *n; // a text scalar, or a pause item's value
  size_t off;    // byte offset in n->text
  size_t end;    // end of the text to quote; 0: the word at off
  bool whole;    // the node itself (pause items)
} Where;

typedef struct {
  Ctx *ctx;
  Buf out;
  bool written;    // out holds text or a tag
  bool overflow;   // out hit its cap; the script is far over any plan
  bool bad_shape;  // the script or an item was neither text nor a pause
  int locs;        // exact positions computed, against LOC_BUDGET
  bool space;      // white space since the last text written
  long pause;      // pending pause (ms), written when text follows or at end
  int pause_parts; // pauses merged into the pending one
  Where pause_at;  // the first of them
  // Script fields
  int chars;
  int words;
  int pauses;
  long pause_ms;
  // Lint
  bool in_word;
  // The word so far ends a sentence: . ! ? with no letter or digit after
  // ("3.5" does not).
  bool term;
  int sentence_words;
  Where sentence_at;
  int bangs;
  int lints;     // lint warnings given, against LINT_MAX
  Where bang_at; // the LINT_BANGS-th '!'
} Scan;

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

static bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static Loc where_loc(Scan *s, Where w) {
  if (w.whole || ++s->locs > LOC_BUDGET)
    return w.n->loc;
  size_t end = w.end;
  if (!end)
    for (end = w.off + 1; end < w.n->len; end++)
      if (is_space(w.n->text[end]) || w.n->text[end] == '<')
        break;
  const char *needle =
      arena_strndup(s->ctx->arena, w.n->text + w.off, end - w.off);
  return node_text_loc(w.n, w.off, needle);
}

// text[off..end), which starts with '<', for a message: white space runs
// as one space, cut to QUOTE_MAX bytes (at a character boundary) + "...".
static const char *quote(Scan *s, const Node *n, size_t off, size_t end) {
  char *q = arena_calloc(s->ctx->arena, QUOTE_MAX + 4);
  size_t len = 0;
  size_t i = off;
  for (; i < end && len < QUOTE_MAX; i++)
    if (!is_space(n->text[i]))
      q[len++] = n->text[i];
    else if (q[len - 1] != ' ')
      q[len++] = ' ';
  if (i < end) {
    // never end inside a character
    while ((q[len - 1] & 0xC0) == 0x80)
      len--;
    if ((unsigned char)q[len - 1] >= 0xC0)
      len--;
    memcpy(q + len, "...", 4);
  } else if (q[len - 1] == ' ') {
    q[len - 1] = '\0';
  }
  return q;
}

// Does pattern id match text[from..len), starting exactly at from?
static bool re_match(int id, const char *text, size_t len, size_t from) {
  return pcre2.match(re_get(id), (PCRE2_SPTR)text, len, from, 0, match_data(),
                     NULL) > 0;
}

// The space between two words is one byte: buf_addc is its fast path.
static void out_add(Scan *s, const char *p, size_t n) {
  s->written = true;
  if (!s->overflow &&
      !(n == 1 ? buf_addc(&s->out, *p) : buf_add(&s->out, p, n)))
    s->overflow = true;
}

static bool lint(Scan *s) { return s->lints++ < LINT_MAX; }

static void end_sentence(Scan *s) {
  if (s->sentence_words > LINT_SENTENCE_WORDS && lint(s))
    warn_at(s->ctx, where_loc(s, s->sentence_at),
            "split it into shorter sentences",
            "sentence of %d words (more than %d)", s->sentence_words,
            LINT_SENTENCE_WORDS);
  s->sentence_words = 0;
}

static void end_word(Scan *s) {
  if (!s->in_word)
    return;
  s->in_word = false;
  if (s->term)
    end_sentence(s);
}

// Writes the pending pause; `more` when text follows it.
static void flush_pause(Scan *s, bool more) {
  char secs[32];
  script_format_seconds(s->pause, secs);
  if (s->written)
    out_add(s, " ", 1);
  out_add(s, "<break time=\"", 13);
  out_add(s, secs, strlen(secs));
  out_add(s, "s\"/>", 4);
  if (more)
    out_add(s, " ", 1);
  s->pauses++;
  s->pause_ms += s->pause;
  if (s->pause >= LINT_PAUSE_MS && lint(s)) {
    const char *hint = "shorten it, or use a scene with 'silence:'";
    if (s->pause_parts > 1)
      warn_at(s->ctx, where_loc(s, s->pause_at), hint,
              "consecutive pauses add up to %ss (%ds or more)", secs,
              LINT_PAUSE_MS / 1000);
    else
      warn_at(s->ctx, where_loc(s, s->pause_at), hint,
              "pause of %ss (%ds or more)", secs, LINT_PAUSE_MS / 1000);
  }
  s->pause = 0;
  s->pause_parts = 0;
  s->space = false;
}

static void add_pause(Scan *s, long ms, Where at) {
  end_word(s);
  end_sentence(s);
  if (!s->pause_parts++)
    s->pause_at = at;
  s->pause += ms;
}

// A byte inside a word that needs no care of its own.
static bool is_plain(char c) {
  return !is_space(c) && (unsigned char)c >= 0x20 && c != 0x7f && c != '!';
}

// Spoken text n->text[from..to), which holds no tags.
static void feed_text(Scan *s, const Node *n, size_t from, size_t to) {
  for (size_t i = from; i < to; i++) {
    char c = n->text[i];
    if (is_space(c)) {
      end_word(s);
      s->space = true;
      continue;
    }
    if ((unsigned char)c < 0x20 || c == 0x7f) {
      // only escapes reach here: "Hi\0there" in a double-quoted scalar
      error_at(s->ctx, where_loc(s, (Where){n, i, i + 1, false}), "remove it",
               "control character U+%04X in script", (unsigned)c);
      continue;
    }
    if (s->pause) {
      flush_pause(s, true);
    } else if (s->space && s->written) {
      out_add(s, " ", 1);
      s->chars++;
    }
    s->space = false;
    if (!s->in_word) {
      s->in_word = true;
      s->term = false;
      s->words++;
      if (!s->sentence_words++)
        s->sentence_at = (Where){n, i, 0, false};
    }
    if (c == '!' && ++s->bangs == LINT_BANGS)
      s->bang_at = (Where){n, i, i + 1, false};
    // c and the bytes after it up to a space, a control or a '!' (which
    // the lint counts) go out in one add, counted in one pass.
    size_t end = i;
    do {
      char b = n->text[end++];
      if (b == '.' || b == '!' || b == '?')
        s->term = true;
      else if (is_alnum(b))
        s->term = false;
      if (((unsigned char)b & 0xC0) != 0x80)
        s->chars++;
    } while (end < to && is_plain(n->text[end]));
    out_add(s, n->text + i, end - i);
    i = end - 1;
  }
}

//
// Tags
//
typedef struct {
  size_t start; // the tag is text[start..end)
  size_t end;
  bool close;  // </name>
  bool self;   // <name/>
  size_t name; // text[name..name_end)
  size_t name_end;
  size_t attrs; // text[attrs..attrs_end): the attributes
  size_t attrs_end;
} Tag;

typedef struct {
  size_t name;
  size_t name_end;
  size_t value;
  size_t value_end;
  bool quoted;
} Attr;

static bool match_tag(const Node *n, size_t at, Tag *t) {
  if (!re_match(RE_TAG, n->text, n->len, at))
    return false;
  PCRE2_SIZE *ov = pcre2.get_ovector_pointer(match_data());
  *t = (Tag){.start = ov[0],
             .end = ov[1],
             .close = ov[3] > ov[2],
             .name = ov[4],
             .name_end = ov[5],
             .attrs = ov[6],
             .attrs_end = ov[7],
             .self = ov[9] > ov[8]};
  return true;
}

// The attribute at *at in t, if any; moves *at past it.
static bool next_attr(const Node *n, const Tag *t, size_t *at, Attr *a) {
  if (!re_match(RE_ATTR, n->text, t->attrs_end, *at))
    return false;
  PCRE2_SIZE *ov = pcre2.get_ovector_pointer(match_data());
  int g = ov[4] != PCRE2_UNSET ? 2 : ov[6] != PCRE2_UNSET ? 3 : 4;
  *a = (Attr){.name = ov[2],
              .name_end = ov[3],
              .value = ov[2 * g],
              .value_end = ov[2 * g + 1],
              .quoted = g != 4};
  *at = ov[1];
  return true;
}

static bool span_is(const Node *n, size_t from, size_t to, const char *word) {
  return to - from == strlen(word) &&
         memcmp(n->text + from, word, to - from) == 0;
}

// Reports a '<' that starts no well-formed tag; returns where to go on.
// "<break time="1s/>" has an odd quote, "<break time="1s" then text" no
// '>' before the next '<' or the end, "<break 1s/>" is just malformed.
static size_t bad_tag(Scan *s, const Node *n, size_t at) {
  const char *text = n->text;
  size_t end = at + 1;
  while (end < n->len && text[end] != '>' && text[end] != '<')
    end++;
  bool closed = end < n->len && text[end] == '>';
  end += closed;
  int dq = 0;
  int sq = 0;
  for (size_t i = at; i < end; i++) {
    dq += text[i] == '"';
    sq += text[i] == '\'';
  }
  Loc loc = where_loc(s, (Where){n, at, end, false});
  const char *q = quote(s, n, at, end);
  if (dq % 2 || sq % 2)
    error_at(s->ctx, loc, "write <break time=\"1.5s\"/>",
             "unbalanced quotes in tag '%s'", q);
  else if (!closed)
    error_at(s->ctx, loc,
             "end the tag with '/>', or write '< ' for a less-than sign",
             "unterminated tag '%s'", q);
  else
    error_at(s->ctx, loc, "write <break time=\"1.5s\"/>", "malformed tag '%s'",
             q);
  return end;
}

// A break's time="..." value, v (NUL-terminated): seconds with 's', at
// most 3 decimals, above zero. Reports and returns false when it is not.
static bool tag_time(Scan *s, Where w, const char *v, long *ms) {
  Arena *arena = s->ctx->arena;
  Decimal d;
  size_t k = dec_parse(v, strlen(v), false, &d);
  const char *unit = v + k;
  const char *hint = "write seconds, such as time=\"1.5s\"";
  const char *err;
  long whole;
  bool frac;
  if (!*v) {
    hint = "write time=\"1s\"";
    err = "break time is empty";
  } else if (k && strcmp(unit, "ms") == 0) {
    if (!d.neg && dec_scale(&d, 0, SCRIPT_MAX_DURATION_MS, &whole, &frac) &&
        !frac && whole) {
      char secs[32];
      script_format_seconds(whole, secs);
      hint = arena_printf(arena, "write time=\"%ss\"", secs);
    }
    err = "pauses in break tags are written in seconds";
  } else if (k && !*unit) {
    hint = arena_printf(arena, "write time=\"%ss\"", v);
    err = arena_printf(arena, "break time '%s' has no unit", v);
  } else if (!k || strcmp(unit, "s") != 0) {
    err = arena_printf(arena, "invalid break time '%s'", v);
  } else if (d.nf > 3 && !d.neg) {
    hint = "round it to milliseconds";
    err = arena_printf(arena, "break time '%s' has more than 3 decimals", v);
  } else {
    err = check_ms(s->ctx, &d, 3, "break time", v, ms, &hint);
  }
  if (err)
    error_at(s->ctx, where_loc(s, w), hint, "%s", err);
  return !err;
}

// Unknown tags: one that looks like a break attempt ("<pause time=...>",
// "<Break ...>") gets the break spelled out.
static void unknown_tag(Scan *s, const Node *n, const Tag *t) {
  const char *hint = "remove it; only <break time=\"1.5s\"/> is supported";
  size_t at = t->attrs;
  Attr a;
  bool has_time = false;
  while (next_attr(n, t, &at, &a))
    has_time |= span_is(n, a.name, a.name_end, "time");
  bool break_case = t->name_end - t->name == 5 &&
                    strncasecmp(n->text + t->name, "break", 5) == 0;
  if (!t->close && (has_time || break_case))
    hint = "write <break time=\"1.5s\"/>";
  error_at(s->ctx, where_loc(s, (Where){n, t->start, t->end, false}), hint,
           "unknown tag '<%s%.*s>'", t->close ? "/" : "",
           (int)(t->name_end - t->name), n->text + t->name);
}

// Past the white space (the patterns' \s) at text[i].
static size_t skip_space(const char *text, size_t i, size_t len) {
  while (i < len && is_space(text[i]))
    i++;
  return i;
}

// The end of the tag at `at` when it is a break with a quoted time and
// nothing else, '<break time="V"/>' give or take white space and with
// either quote (V without its quote, '<' or '>'), as every valid break is;
// else 0. The patterns read such a tag the same way, so it skips them:
// they are left for the mistakes, which get their messages there.
static size_t plain_break(const Node *n, size_t at, size_t *v, size_t *v_end) {
  const char *t = n->text;
  size_t len = n->len;
  size_t i = at + 6;
  if (len - at < 7 || memcmp(t + at, "<break", 6) != 0 || !is_space(t[i]))
    return 0;
  i = skip_space(t, i, len);
  if (len - i < 4 || memcmp(t + i, "time", 4) != 0)
    return 0;
  i = skip_space(t, i + 4, len);
  if (i == len || t[i] != '=')
    return 0;
  i = skip_space(t, i + 1, len);
  if (i == len || (t[i] != '"' && t[i] != '\''))
    return 0;
  char q = t[i++];
  *v = i;
  while (i < len && t[i] != q && t[i] != '<' && t[i] != '>')
    i++;
  if (i == len || t[i] != q)
    return 0;
  *v_end = i;
  i = skip_space(t, i + 1, len);
  return len - i >= 2 && t[i] == '/' && t[i + 1] == '>' ? i + 2 : 0;
}

// tag = '<break time="' seconds 's"/>'
// Returns where the scan goes on.
static size_t scan_tag(Scan *s, const Node *n, size_t at) {
  Ctx *ctx = s->ctx;
  size_t v, v_end, end = plain_break(n, at, &v, &v_end);
  if (end) {
    Where w = {n, at, end, false};
    long ms;
    if (tag_time(s, w, arena_strndup(ctx->arena, n->text + v, v_end - v),
                 &ms))
      add_pause(s, ms, w);
    return end;
  }
  const char *why = re_load();
  if (why) {
    error_at(ctx, where_loc(s, (Where){n, at, at + 1, false}),
             "install PCRE2 (Debian: libpcre2-8-0)",
             "cannot read this tag: %s", why);
    return n->len;
  }
  Tag t;
  if (!match_tag(n, at, &t))
    return bad_tag(s, n, at);
  if (!span_is(n, t.name, t.name_end, "break")) {
    unknown_tag(s, n, &t);
    return t.end;
  }
  Where w = {n, t.start, t.end, false};
  if (t.close) {
    error_at(ctx, where_loc(s, w),
             "remove it; breaks are self-closing: <break time=\"1s\"/>",
             "closing tag '</break>' is not allowed");
    return t.end;
  }
  const char *time = NULL;
  bool quoted = true;
  bool ok = true;
  size_t i = t.attrs;
  Attr a;
  while (next_attr(n, &t, &i, &a)) {
    if (!span_is(n, a.name, a.name_end, "time")) {
      error_at(ctx, where_loc(s, w), "remove it; a break takes only time",
               "unknown attribute '%.*s' in break tag",
               (int)(a.name_end - a.name), n->text + a.name);
      ok = false;
    } else if (time) {
      error_at(ctx, where_loc(s, w), "keep one time",
               "duplicate attribute 'time' in break tag");
      ok = false;
    } else {
      time =
          arena_strndup(ctx->arena, n->text + a.value, a.value_end - a.value);
      quoted = a.quoted;
    }
  }
  long ms = 0;
  if (!time)
    error_at(ctx, where_loc(s, w), "write <break time=\"1s\"/>",
             "break tag has no time");
  else if (!quoted)
    error_at(ctx, where_loc(s, w),
             arena_printf(ctx->arena, "write time=\"%s\"", time),
             "value of 'time' is not quoted");
  ok = time && quoted && tag_time(s, w, time, &ms) && ok;
  if (!t.self) {
    char secs[32] = "1";
    if (ms)
      script_format_seconds(ms, secs);
    error_at(ctx, where_loc(s, w),
             arena_printf(ctx->arena, "write <break time=\"%ss\"/>", secs),
             "break tag '%s' is not self-closed", quote(s, n, t.start, t.end));
    // <break time="1s"></break> is one mistake: one message
    Tag c;
    if (match_tag(n, t.end, &c) && c.close &&
        span_is(n, c.name, c.name_end, "break"))
      return c.end;
    return t.end;
  }
  if (ok)
    add_pause(s, ms, w);
  return t.end;
}

// Where the next tag starts at or after i: '<' then a letter or '/' ("a <
// b" is text); len when there is none.
static size_t next_tag(const Node *n, size_t i) {
  const char *lt;
  while ((lt = memchr(n->text + i, '<', n->len - i))) {
    i = (size_t)(lt - n->text) + 1;
    char c = i < n->len ? n->text[i] : '\0';
    if (c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
      return i - 1;
  }
  return n->len;
}

static void scan_text(Scan *s, const Node *n) {
  size_t i = 0;
  while (i < n->len) {
    size_t p = next_tag(n, i);
    feed_text(s, n, i, p);
    if (p == n->len)
      break;
    i = scan_tag(s, n, p);
  }
}

static bool is_text(const Node *n) {
  if (n->kind != NK_SCALAR)
    return false;
  ScalarType t = node_type(n);
  return t == ST_STRING || t == ST_INT || t == ST_FLOAT;
}

// item = {pause: DURATION}
static void scan_pause_item(Scan *s, const Node *map) {
  Ctx *ctx = s->ctx;
  if (map->npairs == 0)
    error_at(ctx, map->loc, "write {pause: 1s}",
             "empty map in script (expected {pause: DURATION})");
  for (int i = 0; i < map->npairs; i++) {
    const Node *key = map->pairs[i].key;
    const Node *value = map->pairs[i].value;
    if (schema_find(SCHEMA_PAUSE, key->text) < 0) {
      const char *const *keys;
      int nkeys = schema_keys(SCHEMA_PAUSE, &keys);
      const char *hint = diag_did_you_mean(ctx, key->text, keys, nkeys);
      error_at(ctx, key->loc,
               hint ? hint : "script items are text or {pause: DURATION}",
               "unknown key '%s' in script item", key->text);
      continue;
    }
    long ms;
    const char *hint;
    const char *err = script_duration(ctx, value, &ms, &hint);
    if (err)
      error_at(ctx, value->loc, hint, "%s", err);
    else
      add_pause(s, ms, (Where){value, 0, 0, true});
  }
}

// Reports a script, or a list item, that is neither text nor (in a list)
// a pause map.
static void bad_shape(Scan *s, const Node *n, bool item) {
  const char *hint =
      item ? "write a line of text, or {pause: DURATION}"
           : "write the text, or a list of lines and {pause: DURATION} items";
  if (n->kind == NK_SCALAR && n->len)
    hint = arena_printf(s->ctx->arena, "quote it to say it: \"%s\"", n->text);
  else if (n->kind == NK_SCALAR && item)
    hint = "remove the empty item";
  s->bad_shape = true;
  error_at(s->ctx, n->loc, hint, "expected %s, got %s",
           item ? "a line of text or {pause: DURATION}"
                : "the script as text or a list",
           node_kind_name(n));
}

// "script of scene 2", for messages; scene 0 is the script under
// `defaults`.
static const char *whose(Ctx *ctx, int scene_no) {
  return scene_no ? arena_printf(ctx->arena, "script of scene %d", scene_no)
                  : "default script";
}

// script = TEXT | [ (TEXT | {pause: DURATION})... ]
bool script_compile(Ctx *ctx, const Node *script, int scene_no, Script *out) {
  Scan s = {.ctx = ctx};
  int nerrors = ctx->nerrors;
  buf_init(&s.out, SCRIPT_MAX_BYTES);
  if (script->kind == NK_SEQ) {
    for (int i = 0; i < script->nitems; i++) {
      const Node *item = script->items[i];
      // lines are joined with one space
      end_word(&s);
      s.space = true;
      if (is_text(item))
        scan_text(&s, item);
      else if (item->kind == NK_MAP)
        scan_pause_item(&s, item);
      else
        bad_shape(&s, item, true);
    }
  } else if (is_text(script)) {
    scan_text(&s, script);
  } else if (!node_is_null(script)) {
    bad_shape(&s, script, false);
  }
  end_word(&s);
  end_sentence(&s);
  if (s.pause)
    flush_pause(&s, false);
  if (s.bangs >= LINT_BANGS && lint(&s))
    warn_at(ctx, where_loc(&s, s.bang_at), "keep one or two",
            "%d exclamation marks in the %s", s.bangs, whose(ctx, scene_no));
  if (!s.bad_shape && s.words == 0)
    error_at(ctx, script->loc, "use 'silence: 2s' for a scene without speech",
             "%s has no spoken text", whose(ctx, scene_no));
  if (s.overflow || s.chars > ctx->plan_chars)
    error_at(ctx, script->loc, "split the scene, or use a bigger --plan",
             "%s is too long: %d characters (limit is %d)",
             whose(ctx, scene_no), s.chars, ctx->plan_chars);
  *out = (Script){
      .text =
          arena_strndup(ctx->arena, s.out.data ? s.out.data : "", s.out.len),
      .chars = s.chars,
      .words = s.words,
      .pauses = s.pauses,
      .pause_ms = s.pause_ms,
  };
  buf_free(&s.out);
  return ctx->nerrors == nerrors;
}
