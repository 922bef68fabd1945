// SPDX-License-Identifier: MIT
// md2man.c: the Markdown of docs/ -> a man page, for hgc-spec(5).
//
//   md2man NAME SECTION SOURCE DESCRIPTION FILE.md...
//
// Reads the Markdown files in order and prints one roff page (man
// macros, no tbl) on stdout: "# Title" becomes a section (.SH), "##" a
// subsection (.SS), "###" a bold paragraph; paragraphs, "- " and "1. "
// lists, ``` blocks (.nf) and tables, each table row a tagged paragraph
// (first cell as the tag, then "header: cell" for the others), which
// reads well at any terminal width. Inline: `code` and **bold** become
// bold, [text](link) its text. A list that only links to anchors (a table
// of contents) is left out. Only this subset, the one docs/ uses, is
// understood; anything else passes through as text, escaped. Output
// depends only on the input: `make generated` writes docs/man/hgc-spec.5
// with it and a test checks that file is current.
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CELLS 16 // columns of a table

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  size_t cap = 1 << 16;
  size_t len = 0;
  char *s = malloc(cap);
  size_t n;
  while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0)
    if ((len += n) == cap - 1)
      s = realloc(s, cap *= 2);
  fclose(f);
  if (!s) {
    fputs("md2man: out of memory\n", stderr);
    exit(1);
  }
  s[len] = '\0';
  return s;
}

// Text escaped for roff; in code, '-' is a minus so that options can be
// searched for and pasted. Characters past ASCII become escapes such as
// \[u2014], so the page reads the same whatever encoding man(1) assumes.
static void esc(const char *s, size_t n, bool code) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (more && i + (size_t)more < n) {
      unsigned long cp = c & (0x3F >> more);
      for (int k = 1; k <= more; k++)
        cp = cp << 6 | ((unsigned char)s[i + (size_t)k] & 0x3F);
      printf("\\[u%04lX]", cp);
      i += (size_t)more;
    } else if (c == '\\') {
      fputs("\\e", stdout);
    } else if (c == '-' && code) {
      fputs("\\-", stdout);
    } else {
      putchar(c);
    }
  }
}

// Inline Markdown: `code`, **bold**, [text](link), \| in tables.
static void inline_text(const char *s, size_t n) {
  bool bold = false;
  for (size_t i = 0; i < n;) {
    const char *end;
    if (s[i] == '`' && (end = memchr(s + i + 1, '`', n - i - 1))) {
      fputs(bold ? "" : "\\fB", stdout);
      esc(s + i + 1, (size_t)(end - s - i - 1), true);
      fputs(bold ? "" : "\\fR", stdout);
      i = (size_t)(end - s) + 1;
    } else if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
      fputs((bold = !bold) ? "\\fB" : "\\fR", stdout);
      i += 2;
    } else if (s[i] == '[' && (end = memchr(s + i, ']', n - i)) &&
               (size_t)(end - s) + 1 < n && end[1] == '(' &&
               memchr(end, ')', n - (size_t)(end - s))) {
      inline_text(s + i + 1, (size_t)(end - s - i - 1));
      i = (size_t)((char *)memchr(end, ')', n - (size_t)(end - s)) - s) + 1;
    } else if (s[i] == '\\' && i + 1 < n && strchr("|`*[]", s[i + 1])) {
      putchar(s[i + 1]);
      i += 2;
    } else {
      // One character: all the bytes of a UTF-8 sequence.
      size_t len = 1;
      while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80)
        len++;
      esc(s + i, len, false);
      i += len;
    }
  }
  fputs(bold ? "\\fR" : "", stdout);
}

// One output line of text: a leading '.' or '\'' would be a request.
static void text_line(const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t'))
    s++, n--;
  if (n && (*s == '.' || *s == '\''))
    fputs("\\&", stdout);
  inline_text(s, n);
  putchar('\n');
}

typedef struct {
  const char *s;
  size_t n;
} Cell;

// Splits "| a | b |" into trimmed cells; returns how many.
static int cells(const char *s, size_t n, Cell *out) {
  int k = 0;
  size_t i = 1; // past the first '|'
  while (i < n && k < MAX_CELLS) {
    size_t start = i;
    while (i < n && !(s[i] == '|' && s[i - 1] != '\\'))
      i++;
    size_t a = start;
    size_t b = i;
    while (a < b && s[a] == ' ')
      a++;
    while (b > a && s[b - 1] == ' ')
      b--;
    if (i < n)
      out[k++] = (Cell){s + a, b - a};
    i++;
  }
  return k;
}

static bool is_rule_row(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strchr("|-: ", s[i]))
      return false;
  return true;
}

// "- [Text](#anchor)": an entry of a table of contents.
static bool is_toc_item(const char *s, size_t n) {
  return n > 4 && s[0] == '-' && s[2] == '[' && s[n - 1] == ')' &&
         strstr(s, "](#") && (size_t)(strstr(s, "](#") - s) < n;
}

typedef enum { B_NONE, B_PARA, B_LIST, B_TABLE } Block;

static void convert(char *doc) {
  Block block = B_NONE;
  Cell head[MAX_CELLS];
  int nhead = 0;
  bool fence = false;
  for (char *line = doc; *line;) {
    char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    char *next = nl ? nl + 1 : line + n;
    if (n && line[n - 1] == '\r')
      n--;
    if (n >= 3 && strncmp(line, "```", 3) == 0) {
      fputs(fence ? ".fi\n.RE\n" : ".PP\n.RS 4\n.nf\n", stdout);
      fence = !fence;
      block = B_NONE;
    } else if (fence) {
      if (n && (*line == '.' || *line == '\''))
        fputs("\\&", stdout);
      esc(line, n, false);
      putchar('\n');
    } else if (n == 0) {
      block = B_NONE;
    } else if (line[0] == '#') {
      size_t level = strspn(line, "#");
      const char *t = line + level + (line[level] == ' ');
      size_t tn = n - (size_t)(t - line);
      // Headings are plain text: no code marks, no double quotes.
      char *plain = malloc(tn + 1);
      size_t pn = 0;
      for (size_t i = 0; plain && i < tn; i++)
        if (t[i] != '`' && t[i] != '"')
          plain[pn++] = level == 1 && t[i] >= 'a' && t[i] <= 'z'
                            ? (char)(t[i] - 32)
                            : t[i];
      if (!plain) {
        fputs("md2man: out of memory\n", stderr);
        exit(1);
      }
      fputs(level == 1 ? ".SH \"" : level == 2 ? ".SS \"" : ".PP\n.B \"",
            stdout);
      esc(plain, pn, false);
      fputs("\"\n", stdout);
      free(plain);
      block = B_NONE;
    } else if (line[0] == '|') {
      Cell c[MAX_CELLS];
      int k = cells(line, n, c);
      if (block != B_TABLE) {
        memcpy(head, c, sizeof c);
        nhead = k;
        block = B_TABLE;
      } else if (!is_rule_row(line, n)) {
        // An explicit indent: a list before may have changed it.
        fputs(".TP 7\n", stdout);
        text_line(c[0].s, c[0].n);
        for (int i = 1; i < k; i++) {
          if (!c[i].n)
            continue;
          if (i < nhead && head[i].n) {
            inline_text(head[i].s, head[i].n);
            fputs(": ", stdout);
          }
          text_line(c[i].s, c[i].n);
          if (i + 1 < k)
            fputs(".br\n", stdout);
        }
      }
    } else if (is_toc_item(line, n)) {
      // a table of contents: the page has its own
    } else if ((line[0] == '-' && line[1] == ' ') ||
               (line[0] >= '0' && line[0] <= '9' && line[1] == '.')) {
      if (line[0] == '-')
        fputs(".IP \\(bu 2\n", stdout);
      else
        printf(".IP %c. 4\n", line[0]);
      text_line(line + 2, n - 2);
      block = B_LIST;
    } else {
      // A line after a list item, indented, continues it.
      if (block == B_NONE || (block == B_LIST && line[0] != ' ') ||
          block == B_TABLE)
        fputs(".PP\n", stdout);
      if (block != B_LIST)
        block = B_PARA;
      text_line(line, n);
    }
    line = next;
  }
  if (fence)
    fputs(".fi\n.RE\n", stdout);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fputs("usage: md2man NAME SECTION SOURCE DESCRIPTION FILE.md...\n",
          stderr);
    return 2;
  }
  printf(".\\\" %s(%s), generated by tools/md2man.c from", argv[1], argv[2]);
  for (int i = 5; i < argc; i++)
    printf(" %s", argv[i]);
  printf(".\n.\\\" Do not edit: change the Markdown, then run "
         "`make generated`.\n.TH \"");
  for (const char *s = argv[1]; *s; s++)
    putchar(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
  printf("\" %s \"\" \"%s\" \"hgc manual\"\n.SH NAME\n", argv[2], argv[3]);
  esc(argv[1], strlen(argv[1]), true);
  printf(" \\- %s\n", argv[4]);
  for (int i = 5; i < argc; i++) {
    char *doc = read_all(argv[i]);
    convert(doc);
    free(doc);
  }
  printf(".SH \"SEE ALSO\"\n.BR hgc (1);\nthe Markdown this page is made "
         "from:");
  for (int i = 5; i < argc; i++)
    printf(" %s%s", argv[i], i + 1 < argc ? "," : ".\n");
  return ferror(stdout) ? 1 : 0;
}
