// SPDX-License-Identifier: MIT
// diff.c: `hgc diff A B`, what changed between two artifacts, in words.
//
// A and B are artifact files (.json, as `hgc build` writes them) or specs
// (compiled in memory, once per row). Artifacts pair up by name. For each
// pair the request trees are walked together and every difference is one
// line named the way a reviewer thinks of it ("scene 3 script", "scene 2
// voice speed", "dimension"), with scripts and prompts diffed word by word
// ([-old-]{+new+}, coloured on a terminal) and the estimated duration's
// change at the end. Both API versions' shapes are understood. Output is
// deterministic: keys are visited in sorted order.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>

#define WORDS_PER_MINUTE 150.0
#define DIFF_MAX_WORDS 4000 // longer texts are shown whole, not word-diffed

typedef struct {
  FILE *out;
  bool color;
  int changes;
} Diff;

static const char *red(const Diff *d) { return d->color ? "\033[31m" : ""; }
static const char *green(const Diff *d) { return d->color ? "\033[32m" : ""; }
static const char *reset(const Diff *d) { return d->color ? "\033[0m" : ""; }

//
// Words
//

typedef struct {
  const char **w;
  int n;
} Words;

static Words split(Arena *a, const char *s) {
  Words out = {arena_calloc(a, sizeof(char *) * (strlen(s) / 2 + 2)), 0};
  while (*s) {
    while (*s == ' ' || *s == '\n' || *s == '\t')
      s++;
    const char *start = s;
    while (*s && *s != ' ' && *s != '\n' && *s != '\t')
      s++;
    if (s > start)
      out.w[out.n++] = arena_strndup(a, start, (size_t)(s - start));
  }
  return out;
}

// Prints b against a word by word, from a longest common subsequence.
static void word_diff(Diff *d, Arena *arena, const char *x, const char *y) {
  Words a = split(arena, x);
  Words b = split(arena, y);
  if ((long)a.n * b.n > (long)DIFF_MAX_WORDS * DIFF_MAX_WORDS / 4) {
    fprintf(d->out, "    %s[-%s-]%s\n    %s{+%s+}%s\n", red(d), x, reset(d),
            green(d), y, reset(d));
    return;
  }
  // lcs[i][j]: common words of a[i..] and b[j..]
  int *lcs = arena_calloc(arena, sizeof(int) * (size_t)(a.n + 1) *
                                     (size_t)(b.n + 1));
#define L(i, j) lcs[(size_t)(i) * (size_t)(b.n + 1) + (size_t)(j)]
  for (int i = a.n - 1; i >= 0; i--)
    for (int j = b.n - 1; j >= 0; j--)
      L(i, j) = strcmp(a.w[i], b.w[j]) == 0
                    ? L(i + 1, j + 1) + 1
                    : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
  // Runs of removed or added words share one [- -] or {+ +}.
  enum { SAME, DEL, ADD } run = SAME;
  static const char *const close[] = {"", "-]", "+}"};
  fputs("    ", d->out);
  int i = 0;
  int j = 0;
  for (bool first = true; i < a.n || j < b.n; first = false) {
    int op = i < a.n && j < b.n && strcmp(a.w[i], b.w[j]) == 0 ? SAME
             : j == b.n || (i < a.n && L(i + 1, j) >= L(i, j + 1)) ? DEL
                                                                    : ADD;
    const char *word = op == ADD ? b.w[j] : a.w[i];
    if (op != (int)run) {
      fprintf(d->out, "%s%s%s", close[run], run != SAME ? reset(d) : "",
              first ? "" : " ");
      if (op != SAME)
        fprintf(d->out, "%s%s", op == DEL ? red(d) : green(d),
                op == DEL ? "[-" : "{+");
      run = op;
    } else if (!first) {
      fputc(' ', d->out);
    }
    fputs(word, d->out);
    i += op != ADD;
    j += op != DEL;
  }
#undef L
  fprintf(d->out, "%s%s\n", close[run], run != SAME ? reset(d) : "");
}

//
// Naming paths the way a reviewer reads them
//

// "/video_inputs/2/voice/speed" -> "scene 3 voice speed"; v3 studio
// "/scenes/0/input/script" -> "scene 1 script".
static const char *describe(Arena *a, const char *path) {
  int n;
  int used = 0;
  if ((sscanf(path, "/video_inputs/%d%n", &n, &used) == 1 ||
       sscanf(path, "/scenes/%d%n", &n, &used) == 1) &&
      used > 0) {
    const char *rest = path + used;
    if (strncmp(rest, "/input", 6) == 0)
      rest += 6;
    // v2 keeps the script in voice.input_text; both read as "script".
    if (strcmp(rest, "/voice/input_text") == 0)
      rest = "/script";
    char *out = arena_printf(a, "scene %d%s", n + 1, rest);
    for (char *p = out; *p; p++)
      if (*p == '/')
        *p = ' ';
    return out;
  }
  char *out = arena_strdup(a, path[0] == '/' ? path + 1 : path);
  for (char *p = out; *p; p++)
    if (*p == '/')
      *p = ' ';
  return *out ? out : "body";
}

static bool is_text_field(const char *path) {
  const char *key = strrchr(path, '/');
  key = key ? key + 1 : path;
  return !strcmp(key, "input_text") || !strcmp(key, "script") ||
         !strcmp(key, "prompt");
}

// A value as one short line: text as is, numbers as the artifact prints
// them, containers by their size.
static char *value_text(const json_t *v) {
  char *out = NULL;
  if (json_is_string(v))
    return strdup(json_string_value(v));
  if (json_is_array(v) || json_is_object(v)) {
    char size[64];
    snprintf(size, sizeof size, "(%s of %zu)",
             json_is_array(v) ? "a list" : "a map",
             json_is_array(v) ? json_array_size(v) : json_object_size(v));
    return strdup(size);
  }
  size_t len;
  out = emit_json(v, &len);
  if (out && len && out[len - 1] == '\n')
    out[len - 1] = '\0';
  return out;
}

static void walk(Diff *d, Arena *a, const char *path, const json_t *x,
                 const json_t *y);

// Object keys of x and y, merged and sorted.
static int sorted_keys(Arena *a, const json_t *x, const json_t *y,
                       const char ***out) {
  size_t cap = json_object_size(x) + json_object_size(y) + 1;
  const char **keys = arena_calloc(a, sizeof(char *) * cap);
  int n = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)x, k, v) keys[n++] = k;
  json_object_foreach((json_t *)y, k, v) if (!json_object_get(x, k))
      keys[n++] = k;
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
      const char *t = keys[j];
      keys[j] = keys[j - 1];
      keys[j - 1] = t;
    }
  *out = keys;
  return n;
}

static void walk(Diff *d, Arena *a, const char *path, const json_t *x,
                 const json_t *y) {
  if ((!x && !y) || (x && y && json_equal(x, y)))
    return;
  if (json_is_object(x) && json_is_object(y)) {
    const char **keys;
    int n = sorted_keys(a, x, y, &keys);
    for (int i = 0; i < n; i++)
      walk(d, a, arena_printf(a, "%s/%s", path, keys[i]),
           json_object_get(x, keys[i]), json_object_get(y, keys[i]));
    return;
  }
  if (json_is_array(x) && json_is_array(y)) {
    size_t n = json_array_size(x) > json_array_size(y) ? json_array_size(x)
                                                       : json_array_size(y);
    for (size_t i = 0; i < n; i++)
      walk(d, a, arena_printf(a, "%s/%zu", path, i), json_array_get(x, i),
           json_array_get(y, i));
    return;
  }
  d->changes++;
  const char *what = describe(a, path);
  if (!x || !y) {
    char *v = value_text(x ? x : y);
    fprintf(d->out, "  %s: %s%s %s%s\n", what, x ? red(d) : green(d),
            x ? "removed" : "added", v, reset(d));
    free(v);
  } else if (json_is_string(x) && json_is_string(y) && is_text_field(path)) {
    fprintf(d->out, "  %s:\n", what);
    word_diff(d, a, json_string_value(x), json_string_value(y));
  } else {
    char *vx = value_text(x);
    char *vy = value_text(y);
    fprintf(d->out, "  %s: %s -> %s\n", what, vx, vy);
    free(vx);
    free(vy);
  }
}

//
// Estimated duration of a request body, from the JSON alone
//

// Words of a script without its break tags, and the tags' seconds.
static double script_seconds(const char *s, double speed) {
  double pauses = 0;
  int words = 0;
  while (*s) {
    while (*s == ' ')
      s++;
    if (strncmp(s, "<break time=\"", 13) == 0) {
      pauses += strtod(s + 13, NULL);
      const char *end = strchr(s, '>');
      s = end ? end + 1 : s + strlen(s);
      continue;
    }
    if (*s)
      words++;
    while (*s && *s != ' ')
      s++;
  }
  return words * 60.0 / (WORDS_PER_MINUTE * speed) + pauses;
}

static double voice_seconds(const json_t *o, const json_t *voice_settings) {
  const json_t *text = json_object_get(o, "input_text");
  if (!text)
    text = json_object_get(o, "script");
  const json_t *speed = json_object_get(voice_settings, "speed");
  if (!speed)
    speed = json_object_get(o, "speed");
  if (text)
    return script_seconds(json_string_value(text),
                          speed ? json_number_value(speed) : 1.0);
  const json_t *dur = json_object_get(o, "duration");
  return dur ? json_number_value(dur) : 0;
}

static double body_seconds(const json_t *body) {
  double t = 0;
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(body, "video_inputs"), i, item) t +=
      voice_seconds(json_object_get(item, "voice"), NULL);
  json_array_foreach(json_object_get(body, "scenes"), i, item) {
    const json_t *in = json_object_get(item, "input");
    t += in ? voice_seconds(in, json_object_get(in, "voice_settings"))
            : voice_seconds(item, json_object_get(item, "voice_settings"));
  }
  if (json_object_get(body, "script") || json_object_get(body, "input_text"))
    t += voice_seconds(body, json_object_get(body, "voice_settings"));
  return t;
}

//
// Loading both sides
//

static bool collect(Ctx *ctx, const Spec *spec, const Request *req,
                    const Node *row, int row_no, void *user) {
  (void)row, (void)row_no;
  Jval *art = emit_artifact(ctx->arena, spec, req);
  json_t *doc = art ? jval_to_json(art) : NULL;
  if (!doc) {
    error_at(ctx, spec->loc, NULL, "artifact '%s' cannot be built",
             spec->name);
    return false;
  }
  json_object_set_new(user, spec->name, doc);
  return true;
}

static bool is_json(const char *path) {
  size_t n = strlen(path);
  return n > 5 && strcmp(path + n - 5, ".json") == 0;
}

// name -> artifact, from an artifact file or a spec; NULL after reporting.
static json_t *load_side(Ctx *ctx, const char *path, const CompileOptions *opts,
                         const Node *overrides) {
  json_t *arts = json_object();
  // git names /dev/null for the side of an added or deleted file.
  if (strcmp(path, "/dev/null") == 0)
    return arts;
  if (!is_json(path)) {
    if (driver_compile(ctx, path, opts, overrides, collect, arts) < 0) {
      json_decref(arts);
      return NULL;
    }
    return arts;
  }
  json_error_t err;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
  const char *name = json_string_value(json_object_get(doc, "name"));
  if (!doc && err.line < 1) { // cannot be read at all
    msg_error("%s", err.text); // "unable to open PATH: REASON"
    json_decref(arts);
    return NULL;
  }
  if (!doc || !name || !json_is_object(json_object_get(doc, "body"))) {
    msg_error("%s:%d:%d: not an hgc artifact%s%s", path, err.line,
              err.column, doc ? "" : ": ", doc ? "" : err.text);
    json_decref(doc);
    json_decref(arts);
    return NULL;
  }
  json_object_set_new(arts, name, doc);
  return arts;
}

static void diff_pair(Diff *d, Arena *a, const char *name, const json_t *x,
                      const json_t *y) {
  int before = d->changes;
  fprintf(d->out, "%s\n", name);
  const char *px = json_string_value(json_object_get(x, "path"));
  const char *py = json_string_value(json_object_get(y, "path"));
  if (strcmp(px, py) != 0) {
    d->changes++;
    fprintf(d->out, "  endpoint: POST %s -> POST %s\n", px, py);
  }
  const json_t *bx = json_object_get(x, "body");
  const json_t *by = json_object_get(y, "body");
  walk(d, a, "", bx, by);
  walk(d, a, "/assets", json_object_get(x, "assets"),
       json_object_get(y, "assets"));
  double tx = body_seconds(bx);
  double ty = body_seconds(by);
  if (d->changes == before)
    fputs("  no change\n", d->out);
  else if (tx != ty)
    fprintf(d->out, "  estimated duration: %.1fs -> %.1fs (%+.1fs)\n", tx, ty,
            ty - tx);
}

int diff_files(Ctx *ctx, const char *a, const char *b,
               const CompileOptions *opts, const Node *overrides, FILE *out,
               bool color) {
  json_t *x = load_side(ctx, a, opts, overrides);
  json_t *y = x ? load_side(ctx, b, opts, overrides) : NULL;
  if (!x || !y) {
    json_decref(x);
    return -1;
  }
  Diff d = {out, color, 0};
  // One artifact a side pair up whatever their names (two versions of a
  // renamed spec); otherwise by name.
  if (json_object_size(x) == 1 && json_object_size(y) == 1) {
    const char *nx = json_object_iter_key(json_object_iter(x));
    const char *ny = json_object_iter_key(json_object_iter(y));
    diff_pair(&d, ctx->arena,
              strcmp(nx, ny) ? arena_printf(ctx->arena, "%s -> %s", nx, ny)
                             : nx,
              json_object_get(x, nx), json_object_get(y, ny));
    json_decref(x);
    json_decref(y);
    return d.changes;
  }
  const char **names;
  int n = sorted_keys(ctx->arena, x, y, &names);
  for (int i = 0; i < n; i++) {
    const json_t *ax = json_object_get(x, names[i]);
    const json_t *ay = json_object_get(y, names[i]);
    if (ax && ay) {
      diff_pair(&d, ctx->arena, names[i], ax, ay);
    } else {
      d.changes++;
      fprintf(out, "%s\n  %s%s%s\n", names[i], ax ? red(&d) : green(&d),
              ax ? "only in the first" : "only in the second", reset(&d));
    }
  }
  json_decref(x);
  json_decref(y);
  return d.changes;
}
