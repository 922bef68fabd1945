// SPDX-License-Identifier: MIT
// manual.c: hgc(1) and the bash and zsh completions, generated.
//
// Input: main.c's command and option tables (CliTables), the same rows
// that parse the command line and print --help. Output: roff for
// `hgc help --man`, and a completion script for `hgc completion SHELL`.
// The committed docs/man/hgc.1 and contrib/completion/* are exactly what
// these print (a test compares them), so neither can drift from the
// parser. What the tables cannot say lives here as fixed text: the
// description, exit codes, environment, files and examples.
//
// Completion reads an option's argument name: "a|b" of lowercase words
// completes those words, a name with FILE completes files, DIR
// directories, anything else (N, DURATION) nothing. A command's
// positional arguments come from its usage line: SPEC completes .yaml
// and .yml files, ARTIFACT .json, diff's A and B both, "a|b" words. An
// option whose argument is NAME=VALUE may be repeated. Output depends only
// on the tables: deterministic.
#include "hgc.h"

#include <string.h>

//
// Reading the tables
//

static bool applies(const CliOption *o, int cmd) {
  return (o->cmds & (1u << cmd)) != 0;
}

static bool is_word_list(const char *s) {
  if (!s || !strchr(s, '|'))
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '|'))
      return false;
  return true;
}

typedef enum { VAL_NONE, VAL_WORDS, VAL_FILE, VAL_DIR } ValueKind;

static ValueKind value_kind(const char *arg) {
  return is_word_list(arg)      ? VAL_WORDS
         : strstr(arg, "FILE")  ? VAL_FILE
         : strstr(arg, "DIR")   ? VAL_DIR
                                : VAL_NONE;
}

static bool repeatable(const CliOption *o) {
  return o->arg && strchr(o->arg, '=');
}

// What a command's positional arguments are, from its usage line.
typedef struct {
  const char *exts[3]; // file name endings, without the dot
  int nexts;
  char words[64];      // "bash zsh" for "bash|zsh", else ""
} Positional;

static void add_ext(Positional *p, const char *ext) {
  for (int i = 0; i < p->nexts; i++)
    if (strcmp(p->exts[i], ext) == 0)
      return;
  p->exts[p->nexts++] = ext;
}

static Positional positional(const CliCommand *c) {
  Positional p = {{NULL}, 0, ""};
  char args[128];
  snprintf(args, sizeof args, "%s", c->args);
  for (char *tok = strtok(args, " "); tok; tok = strtok(NULL, " ")) {
    bool one_letter = tok[0] >= 'A' && tok[0] <= 'Z' && !tok[1]; // diff A B
    if (strstr(tok, "ARTIFACT") || one_letter)
      add_ext(&p, "json");
    if (strstr(tok, "SPEC") || one_letter) {
      add_ext(&p, "yaml");
      add_ext(&p, "yml");
    }
    if (is_word_list(tok))
      for (int i = 0; tok[i] && i < (int)sizeof p.words - 1; i++)
        p.words[i] = tok[i] == '|' ? ' ' : tok[i];
  }
  return p;
}

//
// roff
//

static void roff(FILE *out, const char *s, bool minus) {
  if (*s == '.' || *s == '\'')
    fputs("\\&", out);
  for (; *s; s++)
    if (*s == '\\')
      fputs("\\e", out);
    else if (*s == '-' && minus)
      fputs("\\-", out);
    else
      fputc(*s, out);
}

static void roff_option(FILE *out, const CliOption *o) {
  if (o->short_name)
    fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
  fputs("\\fB\\-\\-", out);
  roff(out, o->name, true);
  fputs("\\fR", out);
  if (o->arg) {
    fputs(" \\fI", out);
    roff(out, o->arg, true);
    fputs("\\fR", out);
  }
  fputc('\n', out);
}

static const struct {
  const char *code;
  const char *meaning;
} EXIT_CODES[] = {
    {"0", "success (warnings may have been printed)"},
    {"1", "a spec is invalid, or an input cannot be read or an output "
          "written"},
    {"2", "usage: unknown command or option, a bad value, a missing "
          "argument"},
    {"3", "no API key, or the API refused it (401/403)"},
    {"4", "the --timeout budget ran out"},
    {"5", "an API or network error, or a request whose outcome is unknown"},
    {"6", "a video failed to render"},
    {"7", "build --check found stale or missing artifacts"},
};

static const struct {
  const char *name;
  const char *meaning;
} ENVIRONMENT[] = {
    {"HEYGEN_API_KEY", "the API key of the runtime and catalogue commands; "
                       "--api-key-file wins. No part of it is ever printed."},
    {"HGC_API_BASE", "the API's base URL (default https://api.heygen.com)."},
    {"HGC_UPLOAD_BASE", "where assets are uploaded (default "
                        "https://upload.heygen.com)."},
    {"NO_COLOR", "any non-empty value turns colour off; so does output that "
                 "is not a terminal."},
};

static const char *const EXAMPLES[] = {
    "hgc check specs/welcome.yaml",
    "hgc explain specs/welcome.yaml",
    "hgc build specs/*.yaml",
    "hgc preview specs/welcome.yaml -o welcome.html",
    "hgc diff build/welcome.json specs/welcome.yaml",
    "hgc build --check specs/*.yaml",
    "hgc run build/welcome.json",
};

void manual_page(FILE *out, const CliTables *t) {
  fputs(".\\\" hgc(1), generated by `hgc help --man` from the tables in "
        "compiler/main.c.\n"
        ".\\\" Do not edit: run `make generated` after changing a command "
        "or an option.\n",
        out);
  fprintf(out, ".TH HGC 1 \"\" \"hgc %s\" \"hgc manual\"\n", HGC_VERSION);
  fputs(".SH NAME\nhgc \\- compile YAML video specs into HeyGen API "
        "requests\n.SH SYNOPSIS\n.nf\n",
        out);
  for (int i = 0; i < t->ncmds; i++) {
    fprintf(out, "\\fBhgc %s\\fR ", t->cmds[i].name);
    roff(out, t->cmds[i].args, true);
    fputc('\n', out);
  }
  fputs("\\fBhgc help\\fR [\\-\\-man]\n\\fBhgc \\-\\-version\\fR\n.fi\n",
        out);
  fputs(".SH DESCRIPTION\n.B hgc\n"
        "compiles video specs, YAML files described in\n.BR hgc-spec (5),\n"
        "into the exact JSON requests of the HeyGen API: one artifact per "
        "video,\nwith keys sorted and the same bytes on every machine, meant "
        "to be committed\nand reviewed like code. It checks a spec "
        "thoroughly first, reporting every\nerror with its file, line, "
        "column and a hint. The runtime commands then\nsubmit the "
        "artifacts, wait for the videos and download them.\n",
        out);
  fputs(".SH COMMANDS\n", out);
  for (int i = 0; i < t->ncmds; i++) {
    fprintf(out, ".TP\n\\fB%s\\fR ", t->cmds[i].name);
    roff(out, t->cmds[i].args, true);
    fputc('\n', out);
    roff(out, t->cmds[i].summary, false);
    fputs(".\n", out);
  }
  fputs(".TP\n\\fBhelp\\fR [\\-\\-man]\nthe commands and options; with "
        "\\-\\-man, this page in roff.\n",
        out);
  fputs(".SH OPTIONS\nAn option applies to the commands listed with it. "
        "A value follows as the\nnext argument or after \\fB=\\fR; "
        "\\fB\\-\\-\\fR ends the options.\n",
        out);
  for (int i = 0; i < t->nopts; i++) {
    const CliOption *o = &t->opts[i];
    fputs(".TP\n", out);
    roff_option(out, o);
    roff(out, o->help, false);
    fputs(".\n.br\nCommands:", out);
    int n = 0;
    for (int c = 0; c < t->ncmds; c++)
      if (applies(o, c))
        fprintf(out, "%s %s", n++ ? "," : "", t->cmds[c].name);
    fputs(".\n", out);
  }
  fputs(".SH EXIT STATUS\n", out);
  for (size_t i = 0; i < sizeof EXIT_CODES / sizeof EXIT_CODES[0]; i++) {
    fprintf(out, ".TP\n.B %s\n", EXIT_CODES[i].code);
    roff(out, EXIT_CODES[i].meaning, false);
    fputc('\n', out);
  }
  fputs(".SH ENVIRONMENT\n", out);
  for (size_t i = 0; i < sizeof ENVIRONMENT / sizeof ENVIRONMENT[0]; i++) {
    fprintf(out, ".TP\n.B %s\n", ENVIRONMENT[i].name);
    roff(out, ENVIRONMENT[i].meaning, false);
    fputc('\n', out);
  }
  fputs(".SH FILES\n.TP\n.I build/NAME.json\nartifacts written by "
        "\\fBhgc build\\fR (\\fB\\-o\\fR changes the directory).\n"
        ".TP\n.I videos/NAME.mp4\nvideos downloaded by the runtime "
        "commands.\n"
        ".TP\n.I .hgc/state.json\nthe runtime's record of what was "
        "submitted (\\fB\\-\\-state\\fR).\n"
        ".TP\n.I .hgc/catalogue.json\nthe account's avatars, voices and "
        "templates, cached (\\fB\\-\\-catalogue\\fR, "
        "\\fB\\-\\-max\\-age\\fR).\n",
        out);
  fputs(".SH EXAMPLES\n.nf\n", out);
  for (size_t i = 0; i < sizeof EXAMPLES / sizeof EXAMPLES[0]; i++) {
    roff(out, EXAMPLES[i], true);
    fputc('\n', out);
  }
  fputs(".fi\n.SH SEE ALSO\n.BR hgc-spec (5);\nin the source tree, "
        "docs/guide.md (a first video, start to finish),\ndocs/review.md "
        "(reviewing artifacts) and docs/cli.md (every option).\n",
        out);
}

//
// bash
//

// The words of a '|' list, space-separated.
static void words(FILE *out, const char *list) {
  for (; *list; list++)
    fputc(*list == '|' ? ' ' : *list, out);
}

// Writes words separated by `sep`, breaking the line before one that
// would pass column 78 with `brk`; *col tracks the column.
static void wrap(FILE *out, int *col, const char *word, const char *sep,
                 const char *brk, int indent) {
  int len = (int)strlen(word);
  if (*col + (int)strlen(sep) + len > 78) {
    fputs(brk, out);
    *col = indent;
  } else {
    fputs(sep, out);
    *col += (int)strlen(sep);
  }
  fputs(word, out);
  *col += len;
}

// The bash code that completes an option's value.
static void bash_action(char *buf, size_t size, const char *arg) {
  switch (value_kind(arg)) {
  case VAL_WORDS: {
    int n = snprintf(buf, size, "COMPREPLY=($(compgen -W '");
    for (const char *s = arg; *s && n < (int)size - 1; s++)
      buf[n++] = *s == '|' ? ' ' : *s;
    snprintf(buf + n, size - (size_t)n, "' -- \"$cur\"))");
    break;
  }
  case VAL_FILE:
    snprintf(buf, size, "_hgc_files");
    break;
  case VAL_DIR:
    snprintf(buf, size, "_hgc_files -d%s", strchr(arg, '-') ? " -" : "");
    break;
  case VAL_NONE:
    snprintf(buf, size, ": a value hgc cannot guess");
    break;
  }
}

// True when every row of o's option completes its value the same way, so
// its pattern needs no command.
static bool same_everywhere(const CliTables *t, const CliOption *o) {
  char a[128];
  char b[128];
  bash_action(a, sizeof a, o->arg);
  for (int i = 0; i < t->nopts; i++)
    if (t->opts[i].arg && !strcmp(t->opts[i].name, o->name)) {
      bash_action(b, sizeof b, t->opts[i].arg);
      if (strcmp(a, b) != 0)
        return false;
    }
  return true;
}

// "-o|--out" into the pattern at *col, joined by "|".
static void bash_pattern(FILE *out, int *col, const CliOption *o,
                         bool *first) {
  char name[64];
  if (o->short_name) {
    snprintf(name, sizeof name, "-%c", o->short_name);
    wrap(out, col, name, *first ? "" : "|", "|\\\n    ", 4);
    *first = false;
  }
  snprintf(name, sizeof name, "--%s", o->name);
  wrap(out, col, name, *first ? "" : "|", "|\\\n    ", 4);
  *first = false;
}

// _hgc_value: one case pattern per action, naming every option that
// completes its value so, in the order the table first uses each action;
// an option whose value differs by command gets a case on the command.
static void bash_values(FILE *out, const CliTables *t) {
  fputs("\n# _hgc_value CMD: completes the value of the option before the word;\n"
        "# false when that is no option taking a value.\n"
        "_hgc_value() {\n  case $prev in\n",
        out);
  char action[128];
  char other[128];
  for (int i = 0; i < t->nopts; i++) {
    const CliOption *o = &t->opts[i];
    if (!o->arg || !same_everywhere(t, o))
      continue;
    bash_action(action, sizeof action, o->arg);
    bool seen = false; // an earlier row printed this action's pattern
    for (int j = 0; j < i && !seen; j++)
      if (t->opts[j].arg && same_everywhere(t, &t->opts[j])) {
        bash_action(other, sizeof other, t->opts[j].arg);
        seen = strcmp(action, other) == 0;
      }
    if (seen)
      continue;
    int col = 4;
    bool first = true;
    fputs("    ", out);
    for (int j = i; j < t->nopts; j++) {
      const CliOption *p = &t->opts[j];
      if (!p->arg || !same_everywhere(t, p) ||
          (j > i && !strcmp(p->name, t->opts[j - 1].name)))
        continue;
      bash_action(other, sizeof other, p->arg);
      if (strcmp(action, other) == 0)
        bash_pattern(out, &col, p, &first);
    }
    fprintf(out, ")\n      %s ;;\n", action);
  }
  for (int i = 0; i < t->nopts; i++) {
    const CliOption *o = &t->opts[i];
    if (!o->arg || same_everywhere(t, o) ||
        (i && !strcmp(o->name, t->opts[i - 1].name)))
      continue;
    int col = 4;
    bool first = true;
    fputs("    ", out);
    bash_pattern(out, &col, o, &first);
    fputs(")\n      case $1 in\n", out);
    for (int j = i; j < t->nopts && !strcmp(t->opts[j].name, o->name); j++) {
      fputs("        ", out);
      for (int c = 0, n = 0; c < t->ncmds; c++)
        if (applies(&t->opts[j], c))
          fprintf(out, "%s%s", n++ ? "|" : "", t->cmds[c].name);
      bash_action(action, sizeof action, t->opts[j].arg);
      fprintf(out, ") %s ;;\n", action);
    }
    fputs("      esac ;;\n", out);
  }
  fputs("    *) return 1 ;;\n  esac\n  return 0\n}\n", out);
}

// True when commands a and b complete alike: the same options, the same
// kind of arguments.
static bool completes_alike(const CliTables *t, int a, int b) {
  for (int i = 0; i < t->nopts; i++)
    if (applies(&t->opts[i], a) != applies(&t->opts[i], b))
      return false;
  Positional p = positional(&t->cmds[a]);
  Positional q = positional(&t->cmds[b]);
  if (p.nexts != q.nexts || strcmp(p.words, q.words) != 0)
    return false;
  for (int i = 0; i < p.nexts; i++)
    if (strcmp(p.exts[i], q.exts[i]) != 0)
      return false;
  return true;
}

// One case of _hgc for cmd and every later command that completes alike;
// nothing when an earlier one did (its case covers cmd).
static void bash_command(FILE *out, const CliTables *t, int cmd) {
  const CliCommand *c = &t->cmds[cmd];
  for (int j = 0; j < cmd; j++)
    if (completes_alike(t, j, cmd))
      return;
  fprintf(out, "    %s", c->name);
  for (int j = cmd + 1; j < t->ncmds; j++)
    if (completes_alike(t, cmd, j))
      fprintf(out, "|%s", t->cmds[j].name);
  fputs(")\n      opts='", out);
  int col = 12;
  bool first = true;
  for (int i = 0; i < t->nopts; i++) {
    const CliOption *o = &t->opts[i];
    char name[64];
    if (!applies(o, cmd) || (i && !strcmp(o->name, t->opts[i - 1].name) &&
                             applies(&t->opts[i - 1], cmd)))
      continue;
    if (o->short_name) {
      snprintf(name, sizeof name, "-%c", o->short_name);
      wrap(out, &col, name, first ? "" : " ", "\n        ", 8);
      first = false;
    }
    snprintf(name, sizeof name, "--%s", o->name);
    wrap(out, &col, name, first ? "" : " ", "\n        ", 8);
    first = false;
  }
  Positional p = positional(c);
  if (p.words[0]) {
    fprintf(out, "'\n      args=(_hgc_words '%s') ;;\n", p.words);
  } else {
    fputs("'\n      args=(_hgc_files", out);
    for (int i = 0; i < p.nexts; i++)
      fprintf(out, " %s", p.exts[i]);
    fputs(") ;;\n", out);
  }
}

static void bash(FILE *out, const CliTables *t) {
  fputs("# bash completion for hgc(1), generated by `hgc completion bash`.\n"
        "# Do not edit: run `make generated` after changing a command or an\n"
        "# option. Install as share/bash-completion/completions/hgc, or\n"
        "# source it from ~/.bashrc.\n\n"
        "# _hgc_files [-d] [EXT...]: directories, and the files that end in\n"
        "# .EXT (any file without EXT, none with -d; -d - also offers -).\n"
        "_hgc_files() {\n"
        "  local dirs= dash= f e\n"
        "  [ \"${1:-}\" = -d ] && { dirs=1; shift; }\n"
        "  [ -n \"$dirs\" ] && [ \"${1:-}\" = - ] && { dash=1; shift; }\n"
        "  compopt -o filenames 2>/dev/null\n"
        "  while IFS= read -r f; do\n"
        "    if [ -d \"$f\" ]; then\n"
        "      COMPREPLY+=(\"$f\")\n"
        "    elif [ -z \"$dirs\" ]; then\n"
        "      [ $# -eq 0 ] && COMPREPLY+=(\"$f\")\n"
        "      for e; do\n"
        "        case $f in *.\"$e\") COMPREPLY+=(\"$f\") ;; esac\n"
        "      done\n"
        "    fi\n"
        "  done < <(compgen -f -- \"$cur\")\n"
        "  [ -n \"$dash\" ] && COMPREPLY+=($(compgen -W - -- \"$cur\"))\n"
        "}\n\n"
        "_hgc_words() { COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n",
        out);
  bash_values(out, t);
  fputs("\n_hgc() {\n"
        "  local cur=${COMP_WORDS[COMP_CWORD]}\n"
        "  local prev=${COMP_WORDS[COMP_CWORD-1]}\n"
        "  local opts args\n"
        "  COMPREPLY=()\n"
        "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
        "    _hgc_words '",
        out);
  int col = 16;
  for (int i = 0; i < t->ncmds; i++)
    wrap(out, &col, t->cmds[i].name, i ? " " : "", "\n      ", 6);
  fputs(" help --help --version'\n"
        "    return\n"
        "  fi\n"
        "  case ${COMP_WORDS[1]} in\n",
        out);
  for (int i = 0; i < t->ncmds; i++)
    bash_command(out, t, i);
  fputs("    help) opts='--man' args=(:) ;;\n"
        "    *) return ;;\n"
        "  esac\n"
        "  _hgc_value \"${COMP_WORDS[1]}\" && return\n"
        "  case $cur in\n"
        "    -*) _hgc_words \"$opts\" ;;\n"
        "    *) \"${args[@]}\" ;;\n"
        "  esac\n"
        "}\n"
        "complete -F _hgc hgc\n",
        out);
}

//
// zsh
//

// Text inside a single-quoted _arguments spec: ' closes the quote, and
// [ ] : \ mean something to _arguments.
static void zsh_text(FILE *out, const char *s) {
  for (; *s; s++)
    if (*s == '\'')
      fputs("'\\''", out);
    else if (strchr("[]:\\", *s))
      fprintf(out, "\\%c", *s);
    else
      fputc(*s, out);
}

static void zsh_action(FILE *out, const char *arg) {
  switch (value_kind(arg)) {
  case VAL_WORDS:
    fputc('(', out);
    words(out, arg);
    fputc(')', out);
    break;
  case VAL_FILE:
    fputs("_files", out);
    break;
  case VAL_DIR:
    fputs("_files -/", out);
    break;
  case VAL_NONE:
    fputc(' ', out);
    break;
  }
}

// One _arguments spec per spelling: '(-o --out)-o+[help]:DIR:_files -/'.
static void zsh_option(FILE *out, const CliOption *o, bool is_short) {
  fputs(" \\\n        '", out);
  if (repeatable(o))
    fputc('*', out);
  else if (o->short_name)
    fprintf(out, "(-%c --%s)", o->short_name, o->name);
  if (is_short)
    fprintf(out, "-%c%s[", o->short_name, o->arg ? "+" : "");
  else
    fprintf(out, "--%s%s[", o->name, o->arg ? "=" : "");
  zsh_text(out, o->help);
  fputc(']', out);
  if (o->arg) {
    fputc(':', out);
    zsh_text(out, o->arg);
    fputc(':', out);
    zsh_action(out, o->arg);
  }
  fputc('\'', out);
}

static void zsh_command(FILE *out, const CliTables *t, int cmd) {
  const CliCommand *c = &t->cmds[cmd];
  fprintf(out, "    %s)\n      _arguments -s -S", c->name);
  for (int i = 0; i < t->nopts; i++) {
    const CliOption *o = &t->opts[i];
    if (!applies(o, cmd))
      continue;
    if (o->short_name)
      zsh_option(out, o, true);
    zsh_option(out, o, false);
  }
  Positional p = positional(c);
  if (p.words[0]) {
    fputs(" \\\n        '1:", out);
    zsh_text(out, c->args);
    fprintf(out, ":(%s)'", p.words);
  } else if (p.nexts) {
    fputs(" \\\n        '*:file:_files -g \"*.(", out);
    for (int i = 0; i < p.nexts; i++)
      fprintf(out, "%s%s", i ? "|" : "", p.exts[i]);
    fputs(")\"'", out);
  }
  fputs("\n      ;;\n", out);
}

static void zsh(FILE *out, const CliTables *t) {
  fputs("#compdef hgc\n"
        "# zsh completion for hgc(1), generated by `hgc completion zsh`.\n"
        "# Do not edit: run `make generated` after changing a command or an\n"
        "# option. Install as _hgc in a directory of $fpath, such as\n"
        "# share/zsh/site-functions.\n\n"
        "_hgc() {\n"
        "  local -a commands\n"
        "  commands=(\n",
        out);
  for (int i = 0; i < t->ncmds; i++) {
    fprintf(out, "    '%s:", t->cmds[i].name);
    zsh_text(out, t->cmds[i].summary);
    fputs("'\n", out);
  }
  fputs("    'help:the commands and options (--man: the manual page)'\n"
        "  )\n"
        "  if (( CURRENT == 2 )); then\n"
        "    _describe -t commands 'hgc command' commands\n"
        "    return\n"
        "  fi\n"
        "  local cmd=$words[2]\n"
        "  shift words\n"
        "  (( CURRENT-- ))\n"
        "  case $cmd in\n",
        out);
  for (int i = 0; i < t->ncmds; i++)
    zsh_command(out, t, i);
  fputs("    help)\n      _arguments '--man[the manual page in roff]'\n"
        "      ;;\n"
        "  esac\n"
        "}\n\n"
        "_hgc \"$@\"\n",
        out);
}

bool manual_completion(FILE *out, const char *shell, const CliTables *t) {
  if (strcmp(shell, "bash") == 0)
    bash(out, t);
  else if (strcmp(shell, "zsh") == 0)
    zsh(out, t);
  else
    return false;
  return true;
}
