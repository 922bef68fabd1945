// SPDX-License-Identifier: MIT
// test_scan: compiler/scan.c against libyaml (scan_check.h).
//
// Whatever scan_yaml accepts must give exactly the events libyaml's
// parser gives: kinds, styles, marks and bytes. The cases: texts it must
// accept (the constructs specs use), texts it must hand to libyaml, every
// YAML file under tests/ and examples/, and mutations of each of those
// (bytes deleted, inserted and replaced, lines doubled and dropped, from
// a fixed seed), so that the edges of what it accepts are checked too.
#include "unit.h"

#include "scan_check.h"

#include <ftw.h>

// The constructs specs are written in: each must be read by scan.c.
static const char *const accepted[] = {
    "hgc: 1\nname: demo\n",
    "a: 1",
    "a:\n  b: 2\n  c:\n    d: [x, y]\ne: z\n",
    "scenes:\n  - script: Hi.\n    avatar: A\n  - silence: 2s\n",
    "scenes:\n- script: Hi.\n  avatar: A\n- silence: 2s\nafter: 1\n",
    "list:\n-\n- x\n-\nnext: y\n",
    "a:\nb:\n",
    "- - a\n  - b\n- c\n",
    "-   a: 1\n    b: 2\n",
    "k: {a: 1, b: [2, 3], c: {d: e}}\nl: []\nm: {}\nn: [ ]\n",
    "'q': \"double\"\n\"k 2\" : 'single'\n",
    "# head\n\n  # indented comment\na: 1 # trailing\nb: x#y\n",
    "url: https://example.com/a?b=c#frag\n",
    "title: Zoë — déjà vu, no\n",
    "é: [ü, \"ß\"]\nñ: {ö: ä}\n",
    "a: -1\nb: -x\nc: 1.5e3\nd: ~\n",
    "  a: 1\n  b: 2\n",
    "a: 1\n\n\n",
    "a:\n  - x\n  # gap\n\n  - y\n",
    "a: b c  d\n",
    "a: [x y, \"p, q\"]\n",
    "a:    \n  b\n",
    "a: \"t\\n\\t\\\"q\\\" \\\\ \\/ \\0 \\x41\\u00e9\\U0001F600\\N\\_\\e\\ "
    "\"\n",
    "'it''s': ['a''b', \"c\\\"d\"]\n",
    "- {\"k\\u0041\": 'v''w'}\n",
    "a: |\n  one\n   two\n\n  three\nb: >\n  folded\n  lines\n\n  "
    "para\n    more\n  back\n",
    "- |-\n  strip\n\n- |+\n  keep\n\n\n- >2\n    two deeper\n- |1-\n  x\n",
    "a: | # comment\n  text\n# after\nb: >-\n\n   lead\n   x",
    "a:\n  - b: |\n      nested\n    c: d\n",
    "a: |\n  no newline at the end",
    "a: >\n\n  \n",
};

// Texts only libyaml may read.
static const char *const refused[] = {
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: |0\n  text\n",
    "a: |x\n  text\n",
    "a: \"line \\L sep\"\n",
    "a: \"unknown \\q\"\n",
    "a: \"half \\uD800 pair\"\n",
    "a: \"short \\x4\"\n",
    "a: \"joined \\\n  line\"\n",
    "a: plain\n  continued\n",
    "a: [1,\n  2]\n",
    "a:\tb\n",
    "a: b\r\n",
    "---\na: 1\n",
    "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n",
    "? a\n: b\n",
    "a: b: c\n",
    "a: - b\n",
    "just a scalar\n",
    "[a, b]\n",
    "",
    "# only a comment\n",
    "a: 1\n b: 2\n",
    "a: [x, ]\n",
    "a: {x: }\n",
    "a: [x: y]\n",
    "a: {x:y}\n",
    "[a]: b\n",
    "a: \"x\"#c\n",
    "a: 1\n- b\n",
    "a: \xC2\x85\n",
    "a: 'text with a DEL \x7F inside it'\n",
    "a: 'text with a \x01 control'\n",
    "a: 'a zero width no-break space \xEF\xBB\xBF'\n",
};

static const char *t_accepts(void) {
  for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
    bool took;
    char why[1024];
    if (scan_compare(accepted[i], strlen(accepted[i]), &took, why, sizeof why))
      return unit_fail("%s: %s", accepted[i], why);
    if (!took)
      return unit_fail("scan.c gave up on: %s", accepted[i]);
  }
  return NULL;
}

static const char *t_refuses(void) {
  static ScanEvents ev;
  // libyaml takes a key of up to 1024 characters, in [...] and {...} too.
  static char long_keys[2][1200];
  snprintf(long_keys[0], sizeof long_keys[0], "a: {%01100d: 1}\n", 0);
  snprintf(long_keys[1], sizeof long_keys[1], "%01100d: 1\n", 0);
  for (int i = 0; i < 2; i++)
    if (scan_yaml(long_keys[i], strlen(long_keys[i]), &ev))
      return unit_fail("scan.c read a key of 1100 characters");
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    if (scan_yaml(refused[i], strlen(refused[i]), &ev))
      return unit_fail("scan.c read: %s", refused[i]);
  return NULL;
}

//
// Every YAML file of the tests, and mutations of it
//
typedef struct {
  int files, took, mutants, mutants_took;
  const char *why;
} Tally;

static Tally tally;
static uint64_t seed = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void) { // xorshift64
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

// One random change of text[0, len) into out, which has room for len + 16.
static size_t mutate(const char *text, size_t len, char *out) {
  static const char *const pieces[] = {
      " ",  "\n",   ":",    "-",           "#",       "'",       "\"",
      "[",  "]",    "{",    "}",           ",",       "\t",      "é",
      "a",  "&a",   "*a",   "!",           "|",       ">",       "?",
      "%",  "\\",   ": ",   "- ",          "---\n",   "  ",      "\xC2\x85",
      "0",  "''",   "\\\"", "\\x4",        "\\u00e9", "\\uD800", "\\L",
      "\r", "\x7F", "\x01", "\xEF\xBB\xBF"};
  size_t at = len ? next_random() % (len + 1) : 0;
  size_t cut = 0;
  const char *piece = "";
  switch (next_random() % 4) {
  case 0: // delete a byte
    cut = at < len;
    break;
  case 1: // insert a piece
    piece = pieces[next_random() % (sizeof pieces / sizeof *pieces)];
    break;
  case 2: // replace a byte
    cut = at < len;
    piece = pieces[next_random() % (sizeof pieces / sizeof *pieces)];
    break;
  default: { // drop or double the line holding `at`
    size_t from = at, to = at;
    while (from > 0 && text[from - 1] != '\n')
      from--;
    while (to < len && text[to] != '\n')
      to++;
    to += to < len;
    bool drop = next_random() % 2;
    memcpy(out, text, to);
    size_t n = to;
    if (drop) {
      n = from;
    } else if (to - from <= 16) {
      memcpy(out + n, text + from, to - from);
      n += to - from;
    }
    memcpy(out + n, text + to, len - to);
    return n + len - to;
  }
  }
  size_t plen = strlen(piece);
  memcpy(out, text, at);
  memcpy(out + at, piece, plen);
  memcpy(out + at + plen, text + at + cut, len - at - cut);
  return len - cut + plen;
}

#define MUTANTS 24

static int visit(const char *path, const struct stat *st, int type,
                 struct FTW *ftw) {
  (void)ftw;
  size_t n = strlen(path);
  if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".yaml") != 0 ||
      st->st_size > (1 << 20))
    return 0;
  FILE *f = fopen(path, "rb");
  char *text = malloc((size_t)st->st_size + 1);
  char *mutant = malloc((size_t)st->st_size + 17);
  size_t len = f ? fread(text, 1, (size_t)st->st_size, f) : 0;
  if (f)
    fclose(f);
  static char first[8192]; // the first difference found
  char why[1024];
  bool took;
  tally.files++;
  if (scan_compare(text, len, &took, why, sizeof why)) {
    snprintf(first, sizeof first, "%s: %s", path, why);
    tally.why = first;
  }
  tally.took += took;
  for (int i = 0; i < MUTANTS && !tally.why; i++) {
    size_t mlen = mutate(text, len, mutant);
    if (scan_compare(mutant, mlen, &took, why, sizeof why)) {
      snprintf(first, sizeof first, "a mutant of %s: %s\n%.*s", path, why,
               (int)mlen, mutant);
      tally.why = first;
    }
    tally.mutants++;
    tally.mutants_took += took;
  }
  free(text);
  free(mutant);
  return tally.why ? 1 : 0;
}

static const char *t_corpus(void) {
  const char *roots[] = {"tests", "examples"};
  for (size_t i = 0; i < 2 && !tally.why; i++)
    if (nftw(roots[i], visit, 16, FTW_PHYS) < 0)
      return unit_fail("cannot walk %s (run from the top of the tree)",
                       roots[i]);
  if (tally.why)
    return tally.why;
  printf("# %d files, scan.c read %d; %d mutants, scan.c read %d\n",
         tally.files, tally.took, tally.mutants, tally.mutants_took);
  // Most spec files are in scan.c's part of YAML: if it reads few, it
  // has stopped doing its job, and this test checks little.
  if (tally.took * 2 < tally.files || tally.mutants_took * 4 < tally.mutants)
    return unit_fail("scan.c read only %d of %d files, %d of %d mutants",
                     tally.took, tally.files, tally.mutants_took,
                     tally.mutants);
  return NULL;
}

int main(void) {
  unit_result("accepts", t_accepts());
  unit_result("refuses", t_refuses());
  unit_result("corpus", t_corpus());
  return unit_status();
}
