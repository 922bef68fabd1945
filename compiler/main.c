// SPDX-License-Identifier: MIT
// main.c: the command line. Parses options from one sorted table (which
// also prints --help), then hands each spec to the driver and decides what
// happens to the artifacts: written to OUT, printed, compared (--check),
// explained, only checked, or handed to the runtime (runtime/hgc_rt.h)
// for submit, status, wait, download and run.
//
// A build is all or nothing: artifacts are kept until every spec and row
// has compiled, and nothing is written when any had an error. Files are
// written through a temp name and a rename (emit_write_file).
#include "hgc.h"
#include "../runtime/hgc_rt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    [CMD_COMPLETION] = {"completion", "bash|zsh",
                        "print the shell's completion script"},
};

typedef enum {
  OPT_API,
  OPT_API_KEY_FILE,
  OPT_BODY,
  OPT_CHECK,
  OPT_DEFINE,
  OPT_DIAGNOSTICS,
  OPT_HELP,
  OPT_JOBS,
  OPT_JSON,
  OPT_MAX_BYTES,
  OPT_MAX_CELLS,
  OPT_MAX_DEPTH,
  OPT_MAX_EXPANSION,
  OPT_MAX_INCLUDES,
  OPT_MAX_NODES,
  OPT_MAX_OUTPUT,
  OPT_MAX_VAR_DEPTH,
  OPT_OUT,
  OPT_PLAN,
  OPT_POLL,
  OPT_QUIET,
  OPT_RESUBMIT,
  OPT_ROOT,
  OPT_ROWS,
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
#define ALL (SPECS | BIT(CMD_QUOTA) | BIT(CMD_SCHEMA) | BIT(CMD_COMPLETION))
#define RUNTIME                                                            \
  (ALL & ~(BIT(CMD_BUILD) | BIT(CMD_CHECK) | BIT(CMD_EXPLAIN) |             \
           BIT(CMD_MIGRATE) | BIT(CMD_DIFF) | BIT(CMD_SCHEMA) |             \
           BIT(CMD_PREVIEW) | BIT(CMD_COMPLETION)))
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
    {"api", 0, "v2|v3", OPT_API, SPECS, "HeyGen API to lower to (wins over api:)"},
    {"api-key-file", 0, "FILE", OPT_API_KEY_FILE, RUNTIME,
     "read the key from FILE, not HEYGEN_API_KEY"},
    {"body", 0, NULL, OPT_BODY, BUILD, "write only the request body"},
    {"check", 0, NULL, OPT_CHECK, BUILD,
     "compare with the files in OUT; 7 if stale"},
    {"define", 'D', "NAME=VALUE", OPT_DEFINE, SPECS,
     "set a variable (parsed as a YAML scalar)"},
    {"diagnostics", 0, "text|json", OPT_DIAGNOSTICS, SPECS,
     "diagnostic format (default text)"},
    {"help", 'h', NULL, OPT_HELP, ALL, "show this help"},
    {"jobs", 0, "N", OPT_JOBS, VIDEOS, "videos in flight at once (default 4)"},
    {"json", 0, NULL, OPT_JSON, BIT(CMD_EXPLAIN),
     "one JSON object per artifact, one a line"},
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
    {"resubmit", 0, NULL, OPT_RESUBMIT, FOLLOW,
     "send unknown or failed requests again"},
    {"root", 0, "DIR", OPT_ROOT, SPECS,
     "project root (default: git work tree, or cwd)"},
    {"rows", 0, "FILE", OPT_ROWS, SPECS,
     "batch: one artifact per CSV or YAML row"},
    {"state", 0, "FILE", OPT_STATE, VIDEOS,
     "state file (default .hgc/state.json)"},
    {"timeout", 0, "DURATION", OPT_TIMEOUT, RUNTIME,
     "budget of the whole command (default 20m)"},
    {"to", 0, "v3", OPT_TO, BIT(CMD_MIGRATE), "the API to move to"},
    {"vars", 0, "FILE", OPT_VARS, SPECS, "variables from a flat YAML map"},
    {"verbose", 0, NULL, OPT_VERBOSE, RUNTIME,
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
  bool git;            // diff called by git as its external diff
  const char *root;
  const char *to;      // migrate --to
  CompileOptions compile;
  RtOptions rt;        // the runtime commands' options
  const char **specs;
  int nspecs;
} Args;

static bool is_runtime(CmdId cmd) { return (RUNTIME & BIT(cmd)) != 0; }

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
  if (cmd < 0 || is_runtime((CmdId)cmd))
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
  if (a->check && a->out_dir && strcmp(a->out_dir, "-") == 0)
    return usage_error("%s", "--check compares files in a directory; it "
                             "cannot be used with -o -");
  return -1;
}

//
// Artifacts
//

typedef struct {
  char *name;
  char *text; // malloc'd canonical JSON
  size_t len;
} Output;

// Where an artifact came from: its spec, or its batch row.
typedef struct {
  Loc loc;
  int row; // 0 outside a batch
} Origin;

typedef struct {
  const Args *args;
  Output *outs;     // build: the artifacts, written when all compiled
  size_t out_bytes; // their size, against ctx->limits.output
  int nouts;
  int cap;
  json_t *names;    // artifact name -> index in origins
  Origin *origins;
  int norigins;
  int capOrigins;
} Build;

static void *grow(void *p, int *cap, int n, size_t size) {
  if (n < *cap)
    return p;
  *cap = *cap ? 2 * *cap : 16;
  p = realloc(p, size * (size_t)*cap);
  if (!p) {
    msg_error("out of memory");
    abort();
  }
  return p;
}

// Every command refuses two artifacts of one name, so `check` fails
// where `build` would.
static bool claim_name(Ctx *ctx, Build *b, const Spec *spec, const Node *row,
                       int row_no) {
  Origin here = {row ? row->loc : spec->loc, row_no};
  json_t *dup = json_object_get(b->names, spec->name);
  if (dup) {
    Origin first = b->origins[json_integer_value(dup)];
    error_at(ctx, here.loc,
             row ? "make 'name:' differ per row, e.g. name: video-${row.id}"
                 : "give one of the specs another 'name:'",
             "duplicate artifact name '%s'", spec->name);
    if (first.row)
      note_at(ctx, first.loc, "'%s' was first produced by row %d",
              spec->name, first.row);
    else
      note_at(ctx, first.loc, "'%s' was first produced here", spec->name);
    return false;
  }
  b->origins = grow(b->origins, &b->capOrigins, b->norigins, sizeof(Origin));
  json_object_set_new(b->names, spec->name, json_integer(b->norigins));
  b->origins[b->norigins++] = here;
  return true;
}

static bool keep_artifact(Ctx *ctx, const Spec *spec, const Request *req,
                          const Node *row, int row_no, void *user) {
  Build *b = user;
  if (!claim_name(ctx, b, spec, row, row_no))
    return false;
  b->outs = grow(b->outs, &b->cap, b->nouts, sizeof(Output));
  Output *o = &b->outs[b->nouts];
  if (b->args->cmd == CMD_PREVIEW) {
    o->text = preview_page(spec, req, row_no, &o->len);
  } else {
    json_t *doc = b->args->body_only ? json_incref(req->body)
                                     : emit_artifact(spec, req);
    o->text = doc ? emit_json(doc, &o->len) : NULL;
    json_decref(doc);
  }
  if (!o->text) {
    error_at(ctx, row ? row->loc : spec->loc, "make the spec smaller",
             "artifact '%s' cannot be written (too large, or not UTF-8)",
             spec->name);
    return false;
  }
  // Artifacts stay in memory until all have compiled: cap their total.
  bool over = b->out_bytes > ctx->limits.output; // reported already
  if (over || o->len > ctx->limits.output - b->out_bytes) {
    if (!over)
      error_at(ctx, row ? row->loc : spec->loc,
               "build fewer specs or rows at once",
               "artifacts too large: '%s' takes the output past %zu bytes "
               "(the limit; raise it with --max-output)",
               spec->name, ctx->limits.output);
    b->out_bytes = ctx->limits.output + 1;
    free(o->text);
    return false;
  }
  b->out_bytes += o->len;
  if (!(o->name = strdup(spec->name))) {
    msg_error("out of memory");
    abort();
  }
  b->nouts++;
  return true;
}

static char *out_path(const Args *a, const Output *o) {
  size_t n = strlen(a->out_dir) + strlen(o->name) + 8;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s.%s", a->out_dir, o->name,
             a->cmd == CMD_PREVIEW ? "html" : "json");
  return p;
}

// Is the file at path exactly text? (for --check)
static bool same_file(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  bool same = true;
  size_t i = 0;
  int c;
  while (same && (c = fgetc(f)) != EOF)
    same = i < len && (char)c == text[i++];
  fclose(f);
  return same && i == len;
}

static int finish_build(const Build *b) {
  const Args *a = b->args;
  if (strcmp(a->out_dir, "-") == 0) {
    for (int i = 0; i < b->nouts; i++)
      fwrite(b->outs[i].text, 1, b->outs[i].len, stdout);
    return fflush(stdout) == 0 ? HGC_OK : HGC_ESPEC;
  }
  int stale = 0;
  if (!a->check && mkdir(a->out_dir, 0777) != 0 && errno != EEXIST) {
    msg_error("cannot create '%s': %s", a->out_dir, strerror(errno));
    return HGC_ESPEC;
  }
  for (int i = 0; i < b->nouts; i++) {
    char *path = out_path(a, &b->outs[i]);
    if (!path)
      abort();
    if (a->check) {
      if (!same_file(path, b->outs[i].text, b->outs[i].len)) {
        fprintf(stderr, "hgc: %s: %s\n", path,
                access(path, F_OK) == 0 ? "stale" : "missing");
        stale++;
      }
    } else {
      int e = emit_write_file(path, b->outs[i].text, b->outs[i].len);
      if (e) {
        msg_error("cannot write '%s': %s", path, strerror(e));
        free(path);
        return HGC_ESPEC;
      }
    }
    free(path);
  }
  if (stale) {
    fprintf(stderr,
            "hgc: %d of %d artifacts out of date; run 'hgc build' and "
            "commit the result\n",
            stale, b->nouts);
    return HGC_EDRIFT;
  }
  return HGC_OK;
}

// preview -o FILE.html (or -o -) writes one page, so it takes one
// artifact; -o DIR writes DIR/NAME.html for each, as build does.
static int finish_preview(const Build *b) {
  const char *out = b->args->out_dir;
  size_t n = strlen(out);
  bool file = n > 5 && strcmp(out + n - 5, ".html") == 0;
  if ((file || strcmp(out, "-") == 0) && b->nouts != 1) {
    msg_error("'-o %s' writes one page, but there are %d artifacts; name "
              "a directory to get NAME.html for each",
              out, b->nouts);
    return HGC_EUSAGE;
  }
  if (!file)
    return finish_build(b);
  int e = emit_write_file(out, b->outs[0].text, b->outs[0].len);
  if (e) {
    msg_error("cannot write '%s': %s", out, strerror(e));
    return HGC_ESPEC;
  }
  return HGC_OK;
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
  Build b = {.args = a, .names = json_object()};
  ArtifactFn fn = a->cmd == CMD_BUILD || a->cmd == CMD_PREVIEW
                       ? keep_artifact
                  : a->cmd == CMD_EXPLAIN ? explain_artifact
                                          : check_artifact;
  for (int i = 0; i < a->nspecs; i++)
    driver_compile(ctx, a->specs[i], &a->compile, overrides, fn, &b);
  int rc = ctx->nerrors ? HGC_ESPEC : HGC_OK;
  if (rc == HGC_OK && a->cmd == CMD_BUILD)
    rc = finish_build(&b);
  if (rc == HGC_OK && a->cmd == CMD_PREVIEW)
    rc = finish_preview(&b);
  for (int i = 0; i < b.nouts; i++) {
    free(b.outs[i].name);
    free(b.outs[i].text);
  }
  free(b.outs);
  free(b.origins);
  json_decref(b.names);
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
  json_t *doc = emit_artifact(spec, req);
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
  if (!(ctx->root = driver_root(ctx, a->root)))
    return HGC_EUSAGE;
  a->rt.root = ctx->root;
  Inputs in = {NULL, HGC_OK};
  int rc = rt_job_new(RT_COMMANDS[a->cmd], &a->rt, &in.job);
  if (rc != HGC_OK)
    return rc;
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

int main(int argc, char **argv) {
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
        rc = is_runtime(a.cmd) ? run_runtime(&ctx, &a) : run(&ctx, &a);
    }
  }
  ctx_free(&ctx);
  return rc;
}
