// SPDX-License-Identifier: MIT
// main.c: the command line. Parses options from one sorted table (which
// also prints --help), then hands each spec to the driver and decides what
// happens to the artifacts: written to OUT, printed, compared (--check),
// explained, only checked, or handed to the runtime (runtime/hgc_rt.h)
// for submit, status, wait, download and run.
//
// A build is all or nothing: artifacts wait in temp files until every
// spec and row has compiled, and nothing is left when any had an error.
// Files appear by a rename, never half written.
#include "hgc.h"
#include "../runtime/hgc_rt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif
#include <unistd.h>

typedef enum {
  CMD_BUILD,
  CMD_CHECK,
  CMD_EXPLAIN,
  CMD_PREVIEW,
  CMD_MIGRATE,
  CMD_DIFF,
  CMD_SCHEMA,
  CMD_RUN,
  CMD_SUBMIT,
  CMD_STATUS,
  CMD_WAIT,
  CMD_DOWNLOAD,
  CMD_QUOTA,
  CMD_AVATARS,
  CMD_AVATAR,
  CMD_VOICES,
  CMD_TEMPLATES,
  CMD_TEMPLATE,
  CMD_COMPLETION,
  NCMDS
} CmdId;

typedef CliCommand Command;

static const Command COMMANDS[NCMDS] = {
    [CMD_BUILD] = {"build", "[options] SPEC...",
                   "compile specs to request JSON artifacts"},
    [CMD_CHECK] = {"check", "[options] SPEC...", "validate specs only"},
    [CMD_EXPLAIN] = {"explain", "[options] SPEC...",
                     "per scene: words, pauses and estimated seconds"},
    [CMD_PREVIEW] = {"preview", "[options] SPEC...",
                     "a storyboard page of each video, in HTML"},
    [CMD_SCHEMA] = {"schema", "",
                    "print the JSON Schema of the spec format (for editors)"},
    [CMD_DIFF] = {"diff", "[options] A B",
                  "what changed between two artifacts or specs"},
    [CMD_MIGRATE] = {"migrate", "--to v3 [options] SPEC...",
                     "what a move to the v3 API changes, and what blocks "
                     "it"},
    [CMD_RUN] = {"run", "[options] ARTIFACT|SPEC...",
                 "submit, wait for and download videos"},
    [CMD_SUBMIT] = {"submit", "[options] ARTIFACT|SPEC...",
                    "upload assets and send the generate requests"},
    [CMD_STATUS] = {"status", "[options] ID|ARTIFACT|SPEC...",
                    "ask once how each video is doing"},
    [CMD_WAIT] = {"wait", "[options] ID|ARTIFACT|SPEC...",
                  "wait until the videos are rendered"},
    [CMD_DOWNLOAD] = {"download", "[options] ID|ARTIFACT|SPEC...",
                      "download rendered videos (waiting if needed)"},
    [CMD_QUOTA] = {"quota", "[options]", "print the remaining API quota"},
    [CMD_AVATARS] = {"avatars", "[options]",
                     "list the account's avatars and talking photos"},
    [CMD_AVATAR] = {"avatar", "[options] ID",
                    "one avatar's details, with its default voice"},
    [CMD_VOICES] = {"voices", "[options]", "list the account's voices"},
    [CMD_TEMPLATES] = {"templates", "[options]",
                       "list the account's templates"},
    [CMD_TEMPLATE] = {"template", "[options] ID",
                      "one template's variables: name, type, max length"},
    [CMD_COMPLETION] = {"completion", "bash|zsh",
                        "print the shell's completion script"},
};

typedef enum {
  OPT_API,
  OPT_API_KEY_FILE,
  OPT_BODY,
  OPT_CATALOGUE,
  OPT_CHECK,
  OPT_DEFINE,
  OPT_DIAGNOSTICS,
  OPT_FORMAT,
  OPT_GENDER,
  OPT_HELP,
  OPT_JOBS,
  OPT_JSON,
  OPT_LANGUAGE,
  OPT_MAX_AGE,
  OPT_MAX_BYTES,
  OPT_MAX_CELLS,
  OPT_MAX_DEPTH,
  OPT_MAX_EXPANSION,
  OPT_MAX_INCLUDES,
  OPT_MAX_NODES,
  OPT_MAX_OUTPUT,
  OPT_MAX_VAR_DEPTH,
  OPT_ONLINE,
  OPT_OUT,
  OPT_PLAN,
  OPT_POLL,
  OPT_QUIET,
  OPT_REFRESH,
  OPT_RESUBMIT,
  OPT_ROOT,
  OPT_ROWS,
  OPT_SEARCH,
  OPT_STATE,
  OPT_TIMEOUT,
  OPT_TO,
  OPT_VARS,
  OPT_VERBOSE,
  OPT_VERSION,
  OPT_WERROR,
} OptId;

#define BIT(c) (1u << (c))
#define BUILD BIT(CMD_BUILD)
// Commands that take specs, and the runtime's commands.
#define SPECS                                                              \
  (BIT(CMD_BUILD) | BIT(CMD_CHECK) | BIT(CMD_EXPLAIN) | BIT(CMD_MIGRATE) | \
   BIT(CMD_DIFF) | BIT(CMD_PREVIEW) |                                      \
   BIT(CMD_RUN) |                                                          \
   BIT(CMD_SUBMIT) | BIT(CMD_STATUS) | BIT(CMD_WAIT) | BIT(CMD_DOWNLOAD))
// The commands that browse the account's catalogue (rt_catalogue.c).
#define BROWSE                                                      \
  (BIT(CMD_AVATARS) | BIT(CMD_AVATAR) | BIT(CMD_VOICES) |           \
   BIT(CMD_TEMPLATES) | BIT(CMD_TEMPLATE))
// The commands that check specs against it with --online.
#define ONLINE                                                      \
  (BUILD | BIT(CMD_CHECK) | BIT(CMD_EXPLAIN) | BIT(CMD_RUN) |       \
   BIT(CMD_SUBMIT))
// The commands that load the catalogue: --catalogue, --refresh, --max-age.
#define CATALOGUE (BROWSE | ONLINE)
#define ALL                                                      \
  (SPECS | BIT(CMD_QUOTA) | BIT(CMD_SCHEMA) | BIT(CMD_COMPLETION) | \
   BROWSE)
#define RUNTIME                                                            \
  (ALL & ~(BIT(CMD_BUILD) | BIT(CMD_CHECK) | BIT(CMD_EXPLAIN) |             \
           BIT(CMD_MIGRATE) | BIT(CMD_DIFF) | BIT(CMD_SCHEMA) |             \
           BIT(CMD_PREVIEW) | BIT(CMD_COMPLETION) | BROWSE))
// The options that reach the API: the runtime's and the catalogue's.
#define KEYED (RUNTIME | CATALOGUE)
#define VIDEOS (RUNTIME & ~BIT(CMD_QUOTA))
// run, submit, wait, download: spec-format.md §7 "Runtime options".
#define FOLLOW (VIDEOS & ~BIT(CMD_STATUS))

// A row: long name, short name, argument name (NULL: a flag), OptId, a
// bit per CmdId where the option applies, help. manual.c reads the same
// rows for the man page and the shell completions.
typedef CliOption Option;

// Sorted by long name; --help prints them in this order. A name may have
// one row per set of commands (-o means one thing to build, another to
// the runtime); the row for the command at hand is the one used.
static const Option OPTIONS[] = {
    {"api", 0, "v2|v3", OPT_API, SPECS & ~BIT(CMD_MIGRATE),
     "HeyGen API to lower to (wins over api:)"},
    {"api-key-file", 0, "FILE", OPT_API_KEY_FILE, KEYED,
     "read the key from FILE, not HEYGEN_API_KEY"},
    {"body", 0, NULL, OPT_BODY, BUILD, "write only the request body"},
    {"catalogue", 0, "FILE", OPT_CATALOGUE, CATALOGUE,
     "catalogue cache (default .hgc/catalogue.json)"},
    {"check", 0, NULL, OPT_CHECK, BUILD,
     "compare with the files in OUT; 7 if stale"},
    {"define", 'D', "NAME=VALUE", OPT_DEFINE, SPECS,
     "set a variable (parsed as a YAML scalar)"},
    {"diagnostics", 0, "text|json", OPT_DIAGNOSTICS, SPECS,
     "diagnostic format (default text)"},
    {"format", 0, "table|json", OPT_FORMAT, BROWSE,
     "table or json (default: table on a terminal)"},
    {"gender", 0, "G", OPT_GENDER, BIT(CMD_AVATARS) | BIT(CMD_VOICES),
     "only this gender (any case)"},
    {"help", 'h', NULL, OPT_HELP, ALL, "show this help"},
    {"jobs", 0, "N", OPT_JOBS, VIDEOS, "videos in flight at once (default 4)"},
    {"json", 0, NULL, OPT_JSON, BIT(CMD_EXPLAIN),
     "one JSON object per artifact, one a line"},
    {"language", 0, "L", OPT_LANGUAGE, BIT(CMD_VOICES),
     "only voices of this language (any case)"},
    {"max-age", 0, "DURATION", OPT_MAX_AGE, CATALOGUE,
     "refetch a cache older than this (default 24h)"},
    {"max-bytes", 0, "N", OPT_MAX_BYTES, SPECS,
     "input bytes per spec (default 8388608)"},
    {"max-cells", 0, "N", OPT_MAX_CELLS, SPECS,
     "cells of a rows file (default 200000)"},
    {"max-depth", 0, "N", OPT_MAX_DEPTH, SPECS,
     "nesting of maps, lists, includes (default 64)"},
    {"max-expansion", 0, "N", OPT_MAX_EXPANSION, SPECS,
     "bytes built per spec (default 268435456)"},
    {"max-includes", 0, "N", OPT_MAX_INCLUDES, SPECS,
     "included files per spec (default 1000)"},
    {"max-nodes", 0, "N", OPT_MAX_NODES, SPECS,
     "YAML nodes per file (default 200000)"},
    {"max-output", 0, "N", OPT_MAX_OUTPUT, BUILD,
     "artifact bytes per run (default 268435456)"},
    {"max-var-depth", 0, "N", OPT_MAX_VAR_DEPTH, SPECS,
     "variables inside variables (default 64)"},
    {"online", 0, NULL, OPT_ONLINE, ONLINE,
     "check ids against the account's catalogue"},
    {"out", 'o', "DIR|-", OPT_OUT, BUILD,
     "output directory (default build/); - for stdout"},
    {"out", 'o', "DIR", OPT_OUT, FOLLOW, "where videos go (default videos/)"},
    {"out", 'o', "FILE.html|DIR|-", OPT_OUT, BIT(CMD_PREVIEW),
     "one page, or DIR/NAME.html (default preview/)"},
    {"plan", 0, "PLAN", OPT_PLAN, SPECS,
     "free|creator|team|enterprise script limit"},
    {"poll", 0, "MIN:MAX", OPT_POLL, FOLLOW,
     "polling interval, growing (default 2s:30s)"},
    {"quiet", 'q', NULL, OPT_QUIET, SPECS, "print no warnings"},
    {"refresh", 0, NULL, OPT_REFRESH, CATALOGUE,
     "fetch the catalogue even if the cache is fresh"},
    {"resubmit", 0, NULL, OPT_RESUBMIT, FOLLOW,
     "send unknown or failed requests again"},
    {"root", 0, "DIR", OPT_ROOT, SPECS,
     "project root (default: git work tree, or cwd)"},
    {"rows", 0, "FILE", OPT_ROWS, SPECS,
     "batch: one artifact per CSV or YAML row"},
    {"search", 0, "TEXT", OPT_SEARCH, BIT(CMD_AVATARS),
     "only ids or names holding TEXT (any case)"},
    {"state", 0, "FILE", OPT_STATE, VIDEOS,
     "state file (default .hgc/state.json)"},
    {"timeout", 0, "DURATION", OPT_TIMEOUT, KEYED,
     "budget of the whole command (default 20m)"},
    {"to", 0, "v3", OPT_TO, BIT(CMD_MIGRATE), "the API to move to"},
    {"vars", 0, "FILE", OPT_VARS, SPECS, "variables from a flat YAML map"},
    {"verbose", 0, NULL, OPT_VERBOSE, KEYED,
     "one line per HTTP request (never headers)"},
    {"version", 'V', NULL, OPT_VERSION, ALL, "print the version"},
    {"werror", 0, NULL, OPT_WERROR, SPECS, "treat warnings as errors"},
};
#define NOPTIONS ((int)(sizeof OPTIONS / sizeof OPTIONS[0]))
static const CliTables TABLES = {COMMANDS, NCMDS, OPTIONS, NOPTIONS};

typedef struct {
  CmdId cmd;
  const char *out_dir; // "-" for stdout; NULL: the command's default
  bool body_only;
  bool check;
  bool json;           // explain --json
  bool online;         // --online: check ids against the catalogue
  const char *cat_opt; // a catalogue option given, for "needs --online"
  bool git;            // diff called by git as its external diff
  const char *root;
  const char *to;      // migrate --to
  CompileOptions compile;
  RtOptions rt;        // the runtime commands' options
  CatalogueOptions cat;  // where the catalogue comes from
  CatalogueQuery browse; // what the browse commands show
  const char *format;    // --format, or NULL: by stdout
  const char **specs;
  int nspecs;
} Args;

static bool is_runtime(CmdId cmd) { return (RUNTIME & BIT(cmd)) != 0; }
static bool is_browse(CmdId cmd) { return (BROWSE & BIT(cmd)) != 0; }

static void usage(FILE *out, int cmd) {
  if (cmd < 0) {
    fputs("usage: hgc COMMAND [options] SPEC...\n\n"
          "hgc compiles YAML video specs into HeyGen API requests.\n\n"
          "commands:\n",
          out);
    for (int i = 0; i < NCMDS; i++)
      fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fputs("\noptions:\n", out);
  } else {
    fprintf(out, "usage: hgc %s %s\n\n%s\n\noptions:\n", COMMANDS[cmd].name,
            COMMANDS[cmd].args, COMMANDS[cmd].summary);
  }
  for (int i = 0; i < NOPTIONS; i++) {
    const Option *o = &OPTIONS[i];
    if (cmd >= 0 && !(o->cmds & (1u << cmd)))
      continue;
    char left[64];
    snprintf(left, sizeof left, "%c%c%c --%s%s%s",
             o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
             o->short_name ? ',' : ' ', o->name, o->arg ? " " : "",
             o->arg ? o->arg : "");
    fprintf(out, "  %-30s %s\n", left, o->help);
  }
  fputs("\nexit status: 0 ok, 1 invalid spec, 2 usage, 3 no or bad API key,\n"
        "4 timeout, 5 API or network error, 6 a video failed to render,\n"
        "7 --check found stale output\n"
        "NO_COLOR or a non-terminal stderr turns colour off.\n",
        out);
  if (cmd < 0 || is_runtime((CmdId)cmd) || is_browse((CmdId)cmd))
    fputs("The runtime reads HEYGEN_API_KEY, HGC_API_BASE and "
          "HGC_UPLOAD_BASE.\n",
          out);
}

// Reports a usage error the jq way: the message, then where to look.
static int usage_error(const char *fmt, const char *what) {
  fputs("hgc: ", stderr);
  fprintf(stderr, fmt, what);
  fputs("\ntry 'hgc --help'\n", stderr);
  return HGC_EUSAGE;
}

// The row named so that applies to cmd, else any row of that name (for
// the "does not apply" message), else NULL.
static const Option *find_long(const char *name, size_t len, CmdId cmd) {
  const Option *any = NULL;
  for (int i = 0; i < NOPTIONS; i++)
    if (strlen(OPTIONS[i].name) == len &&
        strncmp(OPTIONS[i].name, name, len) == 0) {
      if (OPTIONS[i].cmds & BIT(cmd))
        return &OPTIONS[i];
      any = any ? any : &OPTIONS[i];
    }
  return any;
}

static const Option *find_short(char c, CmdId cmd) {
  const Option *any = NULL;
  for (int i = 0; i < NOPTIONS; i++)
    if (OPTIONS[i].short_name == c) {
      if (OPTIONS[i].cmds & BIT(cmd))
        return &OPTIONS[i];
      any = any ? any : &OPTIONS[i];
    }
  return any;
}

static int plan_chars(const char *plan) {
  static const struct {
    const char *name;
    int chars;
  } plans[] = {{"free", 500}, {"creator", 1500}, {"team", 3000},
               {"enterprise", 5000}};
  for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++)
    if (strcmp(plan, plans[i].name) == 0)
      return plans[i].chars;
  return 0;
}

// The value of a --max-* option: a whole number from 1 to `ceiling`,
// which keeps sizes in range and deep recursion within the C stack (1000
// levels of nesting take under a megabyte of it, even under ASan).
// Sets *out; returns -1, or the exit code of a usage error.
static int limit_arg(const Option *o, const char *arg, uintmax_t ceiling,
                     uintmax_t *out) {
  char *end;
  errno = 0;
  uintmax_t v = arg[0] >= '0' && arg[0] <= '9' ? strtoumax(arg, &end, 10) : 0;
  if (v >= 1 && v <= ceiling && !*end && !errno) {
    *out = v;
    return -1;
  }
  char fmt[128];
  snprintf(fmt, sizeof fmt, "--%s takes a whole number from 1 to %ju, not '%%s'",
           o->name, ceiling);
  return usage_error(fmt, arg);
}

// Applies one option; returns -1 to go on, or an exit code.
static int apply_option(Ctx *ctx, Args *a, const Option *o, const char *arg) {
  Limits *lim = &ctx->limits;
  uintmax_t v = 0;
  int rc = -1;
  // Options that serve only --online, outside the browse commands: the
  // cache's, and the key's, budget's and log's outside the runtime's.
  if (o->id == OPT_CATALOGUE || o->id == OPT_MAX_AGE ||
      o->id == OPT_REFRESH ||
      ((o->id == OPT_API_KEY_FILE || o->id == OPT_TIMEOUT ||
        o->id == OPT_VERBOSE) &&
       !is_runtime(a->cmd)))
    a->cat_opt = o->name;
  switch ((OptId)o->id) {
  case OPT_API_KEY_FILE:
    a->rt.api_key_file = arg;
    break;
  case OPT_API:
    if (strcmp(arg, "v2") && strcmp(arg, "v3"))
      return usage_error("--api takes 'v2' or 'v3', not '%s'", arg);
    ctx->api = arg;
    break;
  case OPT_BODY:
    a->body_only = true;
    break;
  case OPT_CATALOGUE:
    a->cat.cache_path = arg;
    break;
  case OPT_FORMAT:
    if (strcmp(arg, "table") && strcmp(arg, "json"))
      return usage_error("--format takes 'table' or 'json', not '%s'", arg);
    a->format = arg;
    break;
  case OPT_GENDER:
    a->browse.gender = arg;
    break;
  case OPT_LANGUAGE:
    a->browse.language = arg;
    break;
  case OPT_MAX_AGE:
    a->cat.max_age = arg;
    break;
  case OPT_REFRESH:
    a->cat.refresh = true;
    break;
  case OPT_SEARCH:
    a->browse.search = arg;
    break;
  case OPT_TO:
    if (strcmp(arg, "v3") != 0)
      return usage_error("--to takes 'v3', not '%s'", arg);
    a->to = arg;
    break;
  case OPT_CHECK:
    a->check = true;
    break;
  case OPT_DEFINE:
    a->compile.vars.defines[a->compile.vars.ndefines++] = arg;
    break;
  case OPT_DIAGNOSTICS:
    if (strcmp(arg, "json") && strcmp(arg, "text"))
      return usage_error("--diagnostics takes 'text' or 'json', not '%s'",
                         arg);
    ctx->format = arg[0] == 'j' ? DIAG_JSON : DIAG_TEXT;
    break;
  case OPT_HELP:
    usage(stdout, (int)a->cmd);
    return HGC_OK;
  case OPT_JOBS:
    a->rt.jobs = arg;
    break;
  case OPT_JSON:
    a->json = true;
    break;
  case OPT_MAX_BYTES:
    if ((rc = limit_arg(o, arg, (uintmax_t)1 << 30, &v)) < 0)
      lim->bytes = (size_t)v;
    return rc;
  case OPT_MAX_CELLS:
    if ((rc = limit_arg(o, arg, 100000000, &v)) < 0)
      lim->cells = (int)v;
    return rc;
  case OPT_MAX_DEPTH:
    if ((rc = limit_arg(o, arg, 1000, &v)) < 0)
      lim->depth = (int)v;
    return rc;
  case OPT_MAX_EXPANSION:
    if ((rc = limit_arg(o, arg, (uintmax_t)1 << 40, &v)) < 0)
      lim->expansion = (size_t)v;
    return rc;
  case OPT_MAX_INCLUDES:
    if ((rc = limit_arg(o, arg, 1000000, &v)) < 0)
      lim->includes = (int)v;
    return rc;
  case OPT_MAX_NODES:
    if ((rc = limit_arg(o, arg, 100000000, &v)) < 0)
      lim->nodes = (int)v;
    return rc;
  case OPT_MAX_OUTPUT:
    if ((rc = limit_arg(o, arg, (uintmax_t)1 << 40, &v)) < 0)
      lim->output = (size_t)v;
    return rc;
  case OPT_MAX_VAR_DEPTH:
    if ((rc = limit_arg(o, arg, 1000, &v)) < 0)
      lim->var_depth = (int)v;
    return rc;
  case OPT_ONLINE:
    a->online = true;
    break;
  case OPT_OUT:
    a->out_dir = arg;
    break;
  case OPT_PLAN:
    if (!(ctx->plan_chars = plan_chars(arg)))
      return usage_error(
          "--plan takes free, creator, team or enterprise, not '%s'", arg);
    break;
  case OPT_POLL:
    a->rt.poll = arg;
    break;
  case OPT_QUIET:
    ctx->quiet = true;
    break;
  case OPT_RESUBMIT:
    a->rt.resubmit = true;
    break;
  case OPT_ROOT:
    a->root = arg;
    break;
  case OPT_ROWS:
    a->compile.rows = arg;
    break;
  case OPT_STATE:
    a->rt.state_path = arg;
    break;
  case OPT_TIMEOUT:
    a->rt.timeout = arg;
    break;
  case OPT_VARS:
    a->compile.vars.vars_file = arg;
    break;
  case OPT_VERBOSE:
    a->rt.verbose = true;
    break;
  case OPT_VERSION:
    printf("hgc %s (spec format %d)\n", HGC_VERSION, HGC_FORMAT);
    return HGC_OK;
  case OPT_WERROR:
    ctx->werror = true;
    break;
  }
  return -1;
}

// Parses argv after the command name. Returns -1 to go on, or an exit code.
static int parse_args(Ctx *ctx, Args *a, int argc, char **argv) {
  a->specs = arena_calloc(ctx->perm, sizeof(char *) * (size_t)argc);
  a->compile.vars.defines =
      arena_calloc(ctx->perm, sizeof(char *) * (size_t)argc);
  bool options_done = false;
  for (int i = 0; i < argc; i++) {
    char *s = argv[i];
    if (options_done || s[0] != '-' || strcmp(s, "-") == 0) {
      a->specs[a->nspecs++] = s;
      continue;
    }
    if (strcmp(s, "--") == 0) {
      options_done = true;
      continue;
    }
    const Option *o;
    const char *arg = NULL;
    if (s[1] == '-') {
      const char *eq = strchr(s + 2, '=');
      size_t len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
      if (!(o = find_long(s + 2, len, a->cmd)))
        return usage_error("unknown option '%s'", s);
      if (eq && !o->arg)
        return usage_error("option '--%s' takes no value", o->name);
      arg = eq ? eq + 1 : NULL;
    } else {
      if (!(o = find_short(s[1], a->cmd)))
        return usage_error("unknown option '%s'", s);
      if (s[2] && !o->arg)
        return usage_error("unknown option '%s'", s);
      arg = s[2] ? s + 2 : NULL;
    }
    if (!(o->cmds & (1u << a->cmd))) {
      fprintf(stderr, "hgc: option '--%s' does not apply to 'hgc %s'\n",
              o->name, COMMANDS[a->cmd].name);
      fputs("try 'hgc --help'\n", stderr);
      return HGC_EUSAGE;
    }
    if (o->arg && !arg) {
      if (i + 1 >= argc)
        return usage_error("option '%s' needs a value", s);
      arg = argv[++i];
    }
    int rc = apply_option(ctx, a, o, arg);
    if (rc >= 0)
      return rc;
  }
  // git's external diff driver passes 7 arguments: path, then the old
  // file, hex and mode, then the new ones (diff.hgc.command).
  if (a->cmd == CMD_DIFF && a->nspecs == 7) {
    a->specs[0] = a->specs[1];
    a->specs[1] = a->specs[4];
    a->nspecs = 2;
    a->git = true;
  }
  if (a->cmd == CMD_DIFF && a->nspecs != 2)
    return usage_error("%s", "'hgc diff' takes two files, A and B");
  if (a->cmd == CMD_MIGRATE && !a->to)
    return usage_error("%s", "'hgc migrate' needs --to v3");
  if (a->cmd == CMD_SCHEMA) {
    if (a->nspecs > 0)
      return usage_error("%s", "'hgc schema' takes no arguments");
    json_t *schema = schema_document();
    size_t len;
    char *text = emit_json(schema, &len);
    json_decref(schema);
    fwrite(text, 1, len, stdout);
    free(text);
    return HGC_OK;
  }
  if (a->cmd == CMD_COMPLETION && a->nspecs != 1)
    return usage_error("%s", "'hgc completion' takes one shell: bash or zsh");
  if (a->cmd == CMD_QUOTA && a->nspecs > 0)
    return usage_error("%s", "'hgc quota' takes no arguments");
  if (is_browse(a->cmd)) {
    bool takes_id = a->cmd == CMD_AVATAR || a->cmd == CMD_TEMPLATE;
    if (a->nspecs != (takes_id ? 1 : 0))
      return usage_error(takes_id ? "'hgc %s' takes one ID"
                                  : "'hgc %s' takes no arguments",
                         COMMANDS[a->cmd].name);
    return -1;
  }
  if (a->nspecs == 0 && a->cmd != CMD_QUOTA)
    return usage_error(a->cmd == CMD_STATUS || a->cmd == CMD_WAIT ||
                               a->cmd == CMD_DOWNLOAD
                           ? "'hgc %s' needs at least one ID, ARTIFACT or "
                             "SPEC"
                       : is_runtime(a->cmd)
                           ? "'hgc %s' needs at least one ARTIFACT or SPEC"
                           : "'hgc %s' needs at least one SPEC file",
                       COMMANDS[a->cmd].name);
  if (!a->out_dir)
    a->out_dir = is_runtime(a->cmd)         ? "videos"
                 : a->cmd == CMD_PREVIEW ? "preview"
                                         : "build";
  a->rt.out_dir = a->out_dir;
  if (a->cat_opt && !a->online && !is_browse(a->cmd))
    return usage_error("--%s needs --online", a->cat_opt);
  if (a->check && a->out_dir && strcmp(a->out_dir, "-") == 0)
    return usage_error("%s", "--check compares files in a directory; it "
                             "cannot be used with -o -");
  return -1;
}

//
// Artifacts
//
// A build holds no artifact in memory: each is written as soon as it is
// made, to a temp file in OUT (OUT/.NAME.json.XXXXXX, renamed to
// OUT/NAME.json when every spec and row has compiled, deleted when any
// failed), or with -o - to one temp file copied to stdout at the end;
// --check compares it with its file at once. Its name and origin (for
// the duplicate check, the renames and the --check report) go to another
// temp file, and memory keeps only a hash table of 8-byte slots: a batch
// of any length runs in the memory of one row plus some 16 bytes a row.

// Where an artifact came from: its spec, or its batch row.
typedef struct {
  Loc loc;
  int row; // 0 outside a batch
} Origin;

typedef enum { FILE_SAME, FILE_STALE, FILE_MISSING } FileState;

// What became of an artifact's text.
typedef struct {
  char tmp[7];     // -o DIR: the XXXXXX of its temp file; "" when none
  FileState state; // --check: its file against it
} Placed;

// build -o - holds the artifacts for stdout in memory up to this many
// bytes (one alone may take more), and the earlier ones go to a temp file
// past it: a batch of any size runs in bounded memory, and reuses the
// pages it has (a fresh page costs more than the kernel's copy into a
// file).
#define SPOOL_MEM (64 << 10)

// An artifact in Build.names: this, then its name, padded to 8 bytes.
typedef struct {
  uint32_t len;  // of the name
  uint32_t file; // origin: index + 1 in Build.files; 0: none
  int32_t line;
  int32_t col;
  int32_t row;
  Placed placed;
} Record;

typedef struct {
  uint32_t fp;  // low bits of the name's hash: its place in the table,
                // and a check that skips most compares
  uint32_t rec; // its record's offset in Build.names / 8, + 1; 0: free
} Slot;

typedef enum { DIR_UNSEEN, DIR_FOUND, DIR_MADE } DirState;

typedef struct {
  const Args *args;
  // The artifacts' records, in order: in memory up to SPOOL_MEM bytes,
  // then in a temp file.
  Buf names_mem;
  FILE *names;
  uint64_t names_len;
  char *name; // a record's name, read back (malloc'd)
  int narts;
  Slot *slots;        // name -> record, linear probing
  size_t nslots;      // a power of two; at most 7/8 full
  SourceFile **files; // the origins' files
  int nfiles;
  int capFiles;
  size_t out_bytes; // the artifacts' size, against ctx->limits.output
  DirState dir;     // -o DIR: there already, or created by this run
  int renamed;      // -o DIR: artifacts moved to their names at the end
  // The artifact being put. build -o -: the artifacts for stdout, up to
  // SPOOL_MEM bytes, and then the spool holds them; preview -o FILE.html
  // or -: the one page.
  Buf text;
  FILE *spool; // build -o -: artifacts past SPOOL_MEM, for the end
  bool page;   // preview: text starts with the page
  bool failed; // an output error was reported; nothing more is written
} Build;

// A temp file for the run; NULL after reporting.
static FILE *temp_file(Build *b) {
  FILE *f = tmpfile();
  if (!f) {
    msg_error("cannot create a temporary file: %s", strerror(errno));
    b->failed = true;
  }
  return f;
}

static void write_error(Build *b) {
  if (!b->failed)
    msg_error("cannot write a temporary file: %s", strerror(errno));
  b->failed = true;
}

// Appends to the records; false after reporting.
static bool names_write(Build *b, const void *p, size_t n) {
  if (!b->names && b->names_mem.len + n <= SPOOL_MEM) {
    if (!buf_add(&b->names_mem, p, n))
      out_of_memory();
    return true;
  }
  if (!b->names) {
    if (!(b->names = temp_file(b)))
      return false;
    size_t len = b->names_mem.len;
    if (len && fwrite(b->names_mem.data, 1, len, b->names) != len)
      return false;
    buf_free(&b->names_mem);
  }
  return fwrite(p, 1, n, b->names) == n;
}

// Reads n bytes of the records at offset `at`.
static bool names_read(Build *b, uint64_t at, void *p, size_t n) {
  if (!b->names) {
    if (at > b->names_mem.len || n > b->names_mem.len - at)
      return false;
    memcpy(p, b->names_mem.data + at, n);
    return true;
  }
  return fflush(b->names) == 0 &&
         pread(fileno(b->names), p, n, (off_t)at) == (ssize_t)n;
}

// Reads the record at offset *at and its name (into *name, realloc'd),
// and moves *at to the next; false at the end.
static bool next_record(Build *b, uint64_t *at, Record *r, char **name) {
  if (!names_read(b, *at, r, sizeof *r))
    return false;
  size_t padded = (r->len + 7) & ~(size_t)7;
  char *s = realloc(*name, padded + 1);
  if (!s)
    out_of_memory();
  *name = s;
  if (!names_read(b, *at + sizeof *r, s, r->len))
    return false;
  s[r->len] = '\0';
  *at += sizeof *r + padded;
  return true;
}

// The origin of the record at offset `at`.
static Origin read_origin(Build *b, uint64_t at) {
  Record r;
  Origin o = {{0}, 0};
  if (names_read(b, at, &r, sizeof r))
    o = (Origin){{r.file ? b->files[r.file - 1] : NULL, r.line, r.col}, r.row};
  return o;
}

static uint32_t file_index(Build *b, SourceFile *f) {
  if (!f)
    return 0;
  for (int i = b->nfiles - 1; i >= 0; i--) // the latest is the likeliest
    if (b->files[i] == f)
      return (uint32_t)i + 1;
  b->files = grow_array(b->files, &b->capFiles, b->nfiles, sizeof *b->files);
  b->files[b->nfiles++] = f;
  return (uint32_t)b->nfiles;
}

// The slot of the name hashed h: its record's, or the free one where it
// would go. Records are read only when the fingerprints agree.
static Slot *name_slot(Build *b, const char *name, uint64_t h) {
  size_t mask = b->nslots - 1;
  for (size_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
    Slot *s = &b->slots[i];
    if (!s->rec)
      return s;
    if (s->fp != (uint32_t)h)
      continue;
    uint64_t at = (uint64_t)(s->rec - 1) * 8;
    Record r;
    if (!next_record(b, &at, &r, &b->name))
      out_of_memory(); // the temp file cannot be read back
    if (strcmp(b->name, name) == 0)
      return s;
  }
}

static uint64_t name_hash(const char *name) {
  return (uint64_t)text_hash(name, strlen(name));
}

// Makes room for one more name: the table doubles when 7/8 full (the
// fingerprints keep long probes cheap; memory is what a batch pays).
static void grow_slots(Build *b) {
  if (8 * ((size_t)b->narts + 1) <= 7 * b->nslots)
    return;
  Slot *old = b->slots;
  size_t n = b->nslots;
  b->nslots = n ? 2 * n : 64;
  if (!(b->slots = calloc(b->nslots, sizeof *b->slots)))
    out_of_memory();
  size_t mask = b->nslots - 1;
  for (size_t i = 0; i < n; i++) {
    if (!old[i].rec)
      continue;
    size_t j = old[i].fp & mask; // no table has more than 2^32 slots
    while (b->slots[j].rec)
      j = (j + 1) & mask;
    b->slots[j] = old[i];
  }
  free(old);
}

// The free slot for spec->name, or NULL after reporting that an earlier
// artifact has that name. Every command refuses two artifacts of one
// name, so `check` fails where `build` would.
static Slot *find_name(Ctx *ctx, Build *b, const Spec *spec, Origin here) {
  grow_slots(b);
  Slot *slot = name_slot(b, spec->name, name_hash(spec->name));
  if (!slot->rec)
    return slot;
  Origin first = read_origin(b, (uint64_t)(slot->rec - 1) * 8);
  error_at(ctx, here.loc,
           here.row ? "make 'name:' differ per row, e.g. name: video-${row.id}"
                    : "give one of the specs another 'name:'",
           "duplicate artifact name '%s'", spec->name);
  if (first.row)
    note_at(ctx, first.loc, "'%s' was first produced by row %d", spec->name,
            first.row);
  else
    note_at(ctx, first.loc, "'%s' was first produced here", spec->name);
  return NULL;
}

// Records the artifact found free at slot.
static void add_name(Build *b, Slot *slot, const char *name, Origin here,
                     const Placed *placed) {
  static const char pad[8];
  Record r;
  memset(&r, 0, sizeof r); // the padding too: no stray bytes in the file
  r.len = (uint32_t)strlen(name);
  r.file = file_index(b, here.loc.file);
  r.line = here.loc.line;
  r.col = here.loc.col;
  r.row = here.row;
  memcpy(r.placed.tmp, placed->tmp, sizeof r.placed.tmp);
  r.placed.state = placed->state;
  size_t padded = (r.len + 7) & ~(size_t)7;
  if (b->names_len / 8 + 1 > UINT32_MAX) {
    msg_error("too many artifacts in one run");
    b->failed = true;
    return;
  }
  if (!names_write(b, &r, sizeof r) || !names_write(b, name, r.len) ||
      !names_write(b, pad, padded - r.len))
    write_error(b);
  *slot = (Slot){(uint32_t)name_hash(name),
                 (uint32_t)(b->names_len / 8 + 1)};
  b->names_len += sizeof r + padded;
  b->narts++;
}

static Origin origin(const Spec *spec, const Node *row, int row_no) {
  return (Origin){row ? row->loc : spec->loc, row_no};
}

static bool claim_name(Ctx *ctx, Build *b, const Spec *spec, const Node *row,
                       int row_no) {
  Origin here = origin(spec, row, row_no);
  Slot *slot = find_name(ctx, b, spec, here);
  if (slot)
    add_name(b, slot, spec->name, here, &(Placed){0});
  return slot != NULL;
}

// OUT/NAME.json (NAME.html for preview); malloc'd.
static char *out_path(const Args *a, const char *name) {
  size_t n = strlen(a->out_dir) + strlen(name) + 8;
  char *p = malloc(n);
  if (!p)
    out_of_memory();
  snprintf(p, n, "%s/%s.%s", a->out_dir, name,
           a->cmd == CMD_PREVIEW ? "html" : "json");
  return p;
}

// Its temp file, OUT/.NAME.json.XXXXXX, as emit_spool_file named it.
static char *tmp_path(const Args *a, const char *name, const char *xs) {
  char *path = out_path(a, name);
  char *slash = strrchr(path, '/');
  size_t n = strlen(path) + 10;
  char *tmp = malloc(n);
  if (!tmp)
    out_of_memory();
  snprintf(tmp, n, "%.*s.%s.%s", (int)(slash - path + 1), path, slash + 1, xs);
  free(path);
  return tmp;
}

// Is the file at path exactly text? (for --check)
static bool same_file(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  char block[8192];
  size_t at = 0;
  size_t n;
  bool same = true;
  while (same && (n = fread(block, 1, sizeof block, f)) > 0) {
    same = n <= len - at && memcmp(block, text + at, n) == 0;
    at += n;
  }
  fclose(f);
  return same && at == len;
}

// preview -o FILE.html writes one page.
static bool is_page_file(const char *out) {
  size_t n = strlen(out);
  return n > 5 && strcmp(out + n - 5, ".html") == 0;
}

// OUT, made for the first artifact that goes there; false after
// reporting that it cannot be.
static bool out_dir_ready(Build *b) {
  const char *out = b->args->out_dir;
  if (b->dir == DIR_UNSEEN) {
    if (mkdir(out, 0777) == 0) {
      b->dir = DIR_MADE;
    } else if (errno == EEXIST) {
      b->dir = DIR_FOUND;
    } else {
      msg_error("cannot create '%s': %s", out, strerror(errno));
      b->failed = true;
    }
  }
  return !b->failed;
}

// Moves the first n bytes of the artifacts held for stdout to the spool.
static void spill(Build *b, size_t n) {
  if (n && (b->spool || (b->spool = temp_file(b))) &&
      fwrite(b->text.data, 1, n, b->spool) != n)
    write_error(b);
  if (n) {
    memmove(b->text.data, b->text.data + n, b->text.len - n);
    buf_truncate(&b->text, b->text.len - n);
  }
}

// Sends the artifact's text, b->text from `start`, where it waits for the
// end of the run, or compares it with its file (--check).
static void put_artifact(Build *b, const char *name, size_t start,
                         Placed *placed) {
  const Args *a = b->args;
  const char *text = b->text.data + start;
  size_t len = b->text.len - start;
  bool to_stdout = strcmp(a->out_dir, "-") == 0;
  bool keep = false;
  if (b->failed) {
    // reported; the run fails
  } else if (a->cmd == CMD_PREVIEW && (to_stdout || is_page_file(a->out_dir))) {
    keep = !b->page; // a second page is refused at the end
    b->page = true;
  } else if (to_stdout) {
    // The artifacts before this one go to the spool once they pass
    // SPOOL_MEM; one artifact alone stays, being in memory already.
    keep = true;
    if (start > SPOOL_MEM)
      spill(b, start);
  } else if (a->check) {
    char *path = out_path(a, name);
    placed->state = same_file(path, text, len) ? FILE_SAME
                    : access(path, F_OK) == 0  ? FILE_STALE
                                               : FILE_MISSING;
    free(path);
  } else if (out_dir_ready(b)) {
    char *path = out_path(a, name);
    char *tmp;
    int e = emit_spool_file(path, text, len, 0, &tmp);
    if (e) {
      msg_error("cannot write '%s': %s", path, strerror(e));
      b->failed = true;
    } else {
      memcpy(placed->tmp, tmp + strlen(tmp) - 6, 7);
      free(tmp);
    }
    free(path);
  }
  if (!keep)
    buf_truncate(&b->text, start);
}

// Adds the text of an artifact to b->text: its request document, its
// body, or its page. False (b->text emptied) when it cannot be written.
static bool render(Build *b, Arena *a, const Spec *spec, const Request *req,
                   int row_no) {
  if (b->args->cmd == CMD_PREVIEW) {
    size_t len;
    char *page = preview_page(spec, req, row_no, &len);
    bool ok = page && buf_add(&b->text, page, len);
    free(page);
    return ok;
  }
  const Jval *doc = b->args->body_only
                        ? req->body
                        : emit_artifact(a, spec, req);
  return doc && emit_jval_to(&b->text, doc);
}

static bool keep_artifact(Ctx *ctx, const Spec *spec, const Request *req,
                          const Node *row, int row_no, void *user) {
  Build *b = user;
  Origin here = origin(spec, row, row_no);
  Slot *slot = find_name(ctx, b, spec, here);
  if (!slot)
    return false;
  Placed placed = {0};
  size_t start = b->text.len;
  bool kept = render(b, ctx->arena, spec, req, row_no);
  size_t len = kept ? b->text.len - start : 0;
  bool over = b->out_bytes > ctx->limits.output; // reported already
  if (!kept) {
    error_at(ctx, here.loc, "make the spec smaller",
             "artifact '%s' cannot be written (too large, or not UTF-8)",
             spec->name);
  } else if (over || len > ctx->limits.output - b->out_bytes) {
    // Every artifact waits on disk until the run ends: cap their total.
    if (!over)
      error_at(ctx, here.loc, "build fewer specs or rows at once",
               "artifacts too large: '%s' takes the output past %zu bytes "
               "(the limit; raise it with --max-output)",
               spec->name, ctx->limits.output);
    b->out_bytes = ctx->limits.output + 1;
    buf_truncate(&b->text, start);
    kept = false;
  } else {
    b->out_bytes += len;
    put_artifact(b, spec->name, start, &placed);
  }
  add_name(b, slot, spec->name, here, &placed);
  return kept;
}

// Deletes the temp files of the artifacts from number `from` on, and
// OUT when this run made it: a failed build leaves nothing behind.
static void discard(Build *b, int from) {
  Record r;
  uint64_t at = 0;
  for (int i = 0; next_record(b, &at, &r, &b->name); i++)
    if (i >= from && r.placed.tmp[0]) {
      char *tmp = tmp_path(b->args, b->name, r.placed.tmp);
      unlink(tmp);
      free(tmp);
    }
  if (b->dir == DIR_MADE)
    rmdir(b->args->out_dir); // fails, as it should, once a file is in it
}

// Copies the spool to stdout: in the kernel where it can (sendfile, which
// fails on an O_APPEND stdout, for one), else through the first SPOOL_MEM
// bytes of b->text's memory (emptied by spill), whose pages are in already.
static int copy_spool(Build *b) {
  FILE *spool = b->spool;
  off_t size, off = 0;
  if (fflush(spool) != 0 || fflush(stdout) != 0 ||
      (size = ftello(spool)) < 0)
    return HGC_ESPEC;
#ifdef __linux__
  while (off < size) {
    ssize_t n = sendfile(fileno(stdout), fileno(spool), &off,
                         (size_t)(size - off));
    if (n <= 0 && !(n < 0 && errno == EINTR))
      break;
  }
#endif
  if (off < size) {
    if (!buf_reserve(&b->text, SPOOL_MEM + 1))
      out_of_memory();
    char *block = b->text.data;
    size_t n;
    if (fseeko(spool, off, SEEK_SET) != 0)
      return HGC_ESPEC;
    while ((n = fread(block, 1, SPOOL_MEM, spool)) > 0)
      if (fwrite(block, 1, n, stdout) != n)
        break;
  }
  return !ferror(spool) && fflush(stdout) == 0 && !ferror(stdout) ? HGC_OK
                                                                  : HGC_ESPEC;
}

static int finish_build(Build *b) {
  const Args *a = b->args;
  if (strcmp(a->out_dir, "-") == 0) {
    if (!b->spool) {
      if (b->text.len)
        fwrite(b->text.data, 1, b->text.len, stdout);
      return fflush(stdout) == 0 && !ferror(stdout) ? HGC_OK : HGC_ESPEC;
    }
    spill(b, b->text.len);
    return b->failed ? HGC_ESPEC : copy_spool(b);
  }
  if (b->names && fflush(b->names) != 0) {
    write_error(b);
    return HGC_ESPEC;
  }
  int stale = 0;
  int rc = HGC_OK;
  Record r;
  uint64_t at = 0;
  for (int i = 0; rc == HGC_OK && next_record(b, &at, &r, &b->name); i++) {
    const char *name = b->name;
    char *path = out_path(a, name);
    if (a->check) {
      if (r.placed.state != FILE_SAME) {
        fprintf(stderr, "hgc: %s: %s\n", path,
                r.placed.state == FILE_STALE ? "stale" : "missing");
        stale++;
      }
    } else {
      char *tmp = tmp_path(a, name, r.placed.tmp);
      if (rename(tmp, path) == 0) {
        b->renamed = i + 1;
      } else {
        msg_error("cannot write '%s': %s", path, strerror(errno));
        rc = HGC_ESPEC;
      }
      free(tmp);
    }
    free(path);
  }
  if (rc == HGC_OK && stale) {
    fprintf(stderr,
            "hgc: %d of %d artifacts out of date; run 'hgc build' and "
            "commit the result\n",
            stale, b->narts);
    rc = HGC_EDRIFT;
  }
  return rc;
}

// preview -o FILE.html (or -o -) writes one page, so it takes one
// artifact; -o DIR writes DIR/NAME.html for each, as build does.
static int finish_preview(Build *b) {
  const char *out = b->args->out_dir;
  bool file = is_page_file(out);
  if (!file && strcmp(out, "-") != 0)
    return finish_build(b);
  if (b->narts != 1) {
    msg_error("'-o %s' writes one page, but there are %d artifacts; name "
              "a directory to get NAME.html for each",
              out, b->narts);
    return HGC_EUSAGE;
  }
  if (!file) {
    fwrite(b->text.data, 1, b->text.len, stdout);
    return fflush(stdout) == 0 ? HGC_OK : HGC_ESPEC;
  }
  int e = emit_write_file(out, b->text.data, b->text.len, 0);
  if (e) {
    msg_error("cannot write '%s': %s", out, strerror(e));
    return HGC_ESPEC;
  }
  return HGC_OK;
}

// Ends the run's output: written when rc is HGC_OK, else discarded.
static int finish(Build *b, int rc) {
  if (rc == HGC_OK && b->failed)
    rc = HGC_ESPEC;
  if (rc == HGC_OK && b->args->cmd == CMD_BUILD)
    rc = finish_build(b);
  else if (rc == HGC_OK && b->args->cmd == CMD_PREVIEW)
    rc = finish_preview(b);
  if (rc != HGC_OK && rc != HGC_EDRIFT)
    discard(b, b->renamed);
  if (b->spool)
    fclose(b->spool);
  if (b->names)
    fclose(b->names);
  buf_free(&b->names_mem);
  free(b->name);
  buf_free(&b->text);
  free(b->slots);
  free(b->files);
  return rc;
}

//
// explain
//

static bool explain_artifact(Ctx *ctx, const Spec *spec, const Request *req,
                             const Node *row, int row_no, void *user) {
  if (!claim_name(ctx, user, spec, row, row_no))
    return false;
  const Build *b = user;
  if (!b->args->json) {
    explain_print(stdout, spec, req, row_no);
  } else if (!explain_json(stdout, spec, req)) {
    error_at(ctx, row ? row->loc : spec->loc, NULL,
             "artifact '%s' cannot be explained in JSON (a name or path is "
             "not UTF-8)",
             spec->name);
    return false;
  }
  return true;
}

static bool check_artifact(Ctx *ctx, const Spec *spec, const Request *req,
                           const Node *row, int row_no, void *user) {
  (void)req;
  return claim_name(ctx, user, spec, row, row_no);
}

// --online: the account's catalogue (cached, or fetched) becomes
// ctx->catalogue, which the driver's online_check reads; *out owns it
// (the caller decrefs; NULL without --online). -1 to go on, else an exit
// code after one message (no key: 3, naming --online).
static int load_online(Ctx *ctx, Args *a, json_t **out) {
  *out = NULL;
  if (!a->online)
    return -1;
  char purpose[32];
  snprintf(purpose, sizeof purpose, "hgc %s --online", COMMANDS[a->cmd].name);
  int rc = rt_catalogue_load(&a->rt, &a->cat, purpose, out);
  if (rc != HGC_OK)
    return rc;
  ctx->catalogue = *out;
  return -1;
}

static int run(Ctx *ctx, Args *a) {
  if (a->cmd == CMD_COMPLETION)
    return manual_completion(stdout, a->specs[0], &TABLES)
               ? HGC_OK
               : usage_error("'hgc completion' knows bash and zsh, not '%s'",
                             a->specs[0]);
  if (!(ctx->root = driver_root(ctx, a->root)))
    return HGC_EUSAGE;
  Node *overrides = vars_overrides(ctx, &a->compile.vars);
  if (!overrides)
    return HGC_ESPEC;
  if (a->cmd == CMD_DIFF) {
    const char *no_color = getenv("NO_COLOR");
    int changes = diff_files(ctx, a->specs[0], a->specs[1], &a->compile,
                             overrides, stdout,
                             isatty(STDOUT_FILENO) && !(no_color && *no_color));
    // Like diff(1): 0 the same, 1 different; errors are usage-level. git
    // takes any status but 0 from an external diff for a crash.
    return changes < 0 ? HGC_ESPEC : changes > 0 && !a->git ? 1 : HGC_OK;
  }
  if (a->cmd == CMD_MIGRATE) {
    int blocked = migrate_specs(ctx, a->specs, a->nspecs, &a->compile,
                                overrides, stdout);
    return ctx->nerrors || blocked ? HGC_ESPEC : HGC_OK;
  }
  json_t *catalogue;
  int rc = load_online(ctx, a, &catalogue);
  if (rc >= 0)
    return rc;
  Build b = {.args = a};
  buf_init(&b.text, SIZE_MAX);
  buf_init(&b.names_mem, SIZE_MAX);
  ArtifactFn fn = a->cmd == CMD_BUILD || a->cmd == CMD_PREVIEW
                       ? keep_artifact
                  : a->cmd == CMD_EXPLAIN ? explain_artifact
                                          : check_artifact;
  // Room for the artifacts build -o - holds: so big a block is mapped,
  // its pages come in only as they are written, and it grows without
  // being copied.
  if (fn == keep_artifact && !buf_reserve(&b.text, 2 * SPOOL_MEM))
    out_of_memory();
  for (int i = 0; i < a->nspecs; i++)
    driver_compile(ctx, a->specs[i], &a->compile, overrides, fn, &b);
  json_decref(catalogue);
  ctx->catalogue = NULL;
  rc = finish(&b, ctx->nerrors ? HGC_ESPEC : HGC_OK);
  if (ctx->nerrors && ctx->format == DIAG_TEXT)
    fprintf(stderr, "hgc: %d error%s\n", ctx->nerrors,
            ctx->nerrors == 1 ? "" : "s");
  return rc;
}

//
// The runtime commands
//

#ifdef HGC_HAVE_RUNTIME
static const RtCommand RT_COMMANDS[NCMDS] = {
    [CMD_RUN] = RT_RUN,       [CMD_SUBMIT] = RT_SUBMIT,
    [CMD_STATUS] = RT_STATUS, [CMD_WAIT] = RT_WAIT,
    [CMD_DOWNLOAD] = RT_DOWNLOAD, [CMD_QUOTA] = RT_QUOTA,
};

typedef struct {
  RtJob *job;
  int rc; // the first error adding an input
} Inputs;

static void keep_first(Inputs *in, int rc) {
  if (in->rc == HGC_OK)
    in->rc = rc;
}

static bool add_to_job(Ctx *ctx, const Spec *spec, const Request *req,
                       const Node *row, int row_no, void *user) {
  Inputs *in = user;
  Jval *art = emit_artifact(ctx->arena, spec, req);
  json_t *doc = art ? jval_to_json(art) : NULL;
  if (!doc) {
    error_at(ctx, row ? row->loc : spec->loc, NULL,
             "artifact '%s' cannot be built (a name or path is not UTF-8)",
             spec->name);
    return false;
  }
  const char *from = row_no ? arena_printf(ctx->perm, "%s, row %d",
                                           spec->source, row_no)
                            : spec->source;
  int rc = rt_job_add_artifact(in->job, doc, from);
  keep_first(in, rc);
  return rc == HGC_OK;
}

static bool is_spec_path(const char *s) {
  size_t n = strlen(s);
  return (n > 5 && strcmp(s + n - 5, ".yaml") == 0) ||
         (n > 4 && strcmp(s + n - 4, ".yml") == 0);
}

// Compiles the specs among the arguments (all or nothing, as build does),
// adds them and the other arguments to a job, and runs it.
static int run_runtime(Ctx *ctx, Args *a) {
  const char *why = rt_http_load();
  if (why) {
    msg_error("cannot load libcurl, which the runtime commands need: %s",
              why);
    return HGC_EAPI;
  }
  if (!(ctx->root = driver_root(ctx, a->root)))
    return HGC_EUSAGE;
  a->rt.root = ctx->root;
  json_t *catalogue;
  int rc = load_online(ctx, a, &catalogue);
  if (rc >= 0)
    return rc;
  Inputs in = {NULL, HGC_OK};
  rc = rt_job_new(RT_COMMANDS[a->cmd], &a->rt, &in.job);
  if (rc != HGC_OK) {
    json_decref(catalogue);
    return rc;
  }
  Node *overrides = NULL;
  for (int i = 0; i < a->nspecs; i++) {
    if (!is_spec_path(a->specs[i]))
      keep_first(&in, rt_job_add_arg(in.job, a->specs[i]));
    else if (overrides ||
             (overrides = vars_overrides(ctx, &a->compile.vars)))
      driver_compile(ctx, a->specs[i], &a->compile, overrides, add_to_job,
                     &in);
    if (ctx->nerrors)
      keep_first(&in, HGC_ESPEC);
  }
  json_decref(catalogue);
  ctx->catalogue = NULL;
  if (ctx->nerrors && ctx->format == DIAG_TEXT)
    fprintf(stderr, "hgc: %d error%s\n", ctx->nerrors,
            ctx->nerrors == 1 ? "" : "s");
  // All or nothing: one bad input and no video is sent.
  rc = in.rc == HGC_OK ? rt_job_run(in.job) : in.rc;
  rt_job_free(in.job);
  return rc;
}
#else
static int run_runtime(Ctx *ctx, Args *a) {
  (void)ctx, (void)a;
  msg_error("this hgc was built without libcurl; the runtime commands are "
            "unavailable");
  return HGC_EUSAGE;
}
#endif

//
// The catalogue
//

// avatars, voices, templates, avatar ID, template ID: the catalogue
// (cached, or fetched) shown as a table on a terminal, else as JSON.
static int run_browse(Args *a) {
  static const CatalogueView VIEWS[NCMDS] = {
      [CMD_AVATARS] = CAT_AVATARS,   [CMD_AVATAR] = CAT_AVATAR,
      [CMD_VOICES] = CAT_VOICES,     [CMD_TEMPLATES] = CAT_TEMPLATES,
      [CMD_TEMPLATE] = CAT_TEMPLATE,
  };
  char purpose[32];
  snprintf(purpose, sizeof purpose, "hgc %s", COMMANDS[a->cmd].name);
  json_t *cat;
  int rc = rt_catalogue_load(&a->rt, &a->cat, purpose, &cat);
  if (rc != HGC_OK)
    return rc;
  a->browse.view = VIEWS[a->cmd];
  a->browse.id = a->nspecs ? a->specs[0] : NULL;
  a->browse.json = a->format ? a->format[0] == 'j' : !isatty(STDOUT_FILENO);
  rc = rt_catalogue_show(stdout, cat, &a->browse);
  json_decref(cat);
  return rc;
}

int main(int argc, char **argv) {
  json_pool_install();
  Ctx ctx;
  ctx_init(&ctx);
  const char *no_color = getenv("NO_COLOR");
  ctx.color = isatty(STDERR_FILENO) && !(no_color && *no_color);
  int rc;
  if (argc < 2) {
    usage(stderr, -1);
    rc = HGC_EUSAGE;
  } else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
             !strcmp(argv[1], "help")) {
    // `hgc help --man`: hgc(1), from the same tables as the help.
    if (argc == 3 && !strcmp(argv[2], "--man"))
      manual_page(stdout, &TABLES);
    else
      usage(stdout, -1);
    rc = HGC_OK;
  } else if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("hgc %s (spec format %d)\n", HGC_VERSION, HGC_FORMAT);
    rc = HGC_OK;
  } else {
    Args a = {0};
    rt_options_init(&a.rt);
    rt_catalogue_options_init(&a.cat);
    int cmd = 0;
    while (cmd < NCMDS && strcmp(argv[1], COMMANDS[cmd].name) != 0)
      cmd++;
    if (cmd == NCMDS) {
      rc = usage_error(argv[1][0] == '-' ? "unknown option '%s'"
                                         : "unknown command '%s'",
                       argv[1]);
    } else {
      a.cmd = (CmdId)cmd;
      rc = parse_args(&ctx, &a, argc - 2, argv + 2);
      if (rc < 0)
        rc = is_runtime(a.cmd)  ? run_runtime(&ctx, &a)
             : is_browse(a.cmd) ? run_browse(&a)
                                : run(&ctx, &a);
    }
  }
  ctx_free(&ctx);
  return rc;
}
