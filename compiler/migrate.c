// SPDX-License-Identifier: MIT
// migrate.c: `hgc migrate --to v3`, what a move to the v3 API would do.
//
// Each spec is compiled twice, as v2 and as v3, and nothing is written.
// The v3 compile's diagnostics are the blockers: every feature v3 cannot
// express is an error at its line (validate.c check_api), so the report
// quotes them as they are, captured rather than printed as errors of
// this command. For a spec with no blocker, the report names each
// artifact's endpoint change and the top-level body keys that go away or
// appear. Errors under v2 are the spec's own: they are printed as usual
// and count as errors of the run.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>

// name -> {"path", "body"} of every artifact one compile produced.
static bool collect(Ctx *ctx, const Spec *spec, const Request *req,
                    const Node *row, int row_no, void *user) {
  (void)ctx, (void)row, (void)row_no;
  json_object_set_new(user, spec->name,
                      json_pack("{s:s, s:O}", "path", req->path, "body",
                                req->body));
  return true;
}

// Prints the keys of a that b lacks, sorted, after `label`.
static void key_delta(FILE *out, const char *label, json_t *a, json_t *b) {
  const char *key;
  json_t *value;
  bool any = false;
  // Sorted for a stable report: jansson keeps insertion order.
  size_t n = json_object_size(a);
  const char **keys = calloc(n ? n : 1, sizeof *keys);
  size_t k = 0;
  json_object_foreach(a, key, value) {
    (void)value;
    if (!json_object_get(b, key))
      keys[k++] = key;
  }
  for (size_t i = 1; i < k; i++)
    for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
      const char *t = keys[j];
      keys[j] = keys[j - 1];
      keys[j - 1] = t;
    }
  for (size_t i = 0; i < k; i++, any = true)
    fprintf(out, "%s%s", i ? ", " : label, keys[i]);
  if (any)
    fputc('\n', out);
  free(keys);
}

// Compiles path under one API; returns the artifacts, or NULL on errors.
static json_t *compile_as(Ctx *ctx, const char *api, const char *path,
                          const CompileOptions *opts, const Node *overrides) {
  const char *saved = ctx->api;
  json_t *arts = json_object();
  ctx->api = api;
  int n = driver_compile(ctx, path, opts, overrides, collect, arts);
  ctx->api = saved;
  if (n < 0) {
    json_decref(arts);
    return NULL;
  }
  return arts;
}

int migrate_specs(Ctx *ctx, const char *const *specs, int nspecs,
                  const CompileOptions *opts, const Node *overrides,
                  FILE *out) {
  int blocked = 0;
  for (int i = 0; i < nspecs; i++) {
    json_t *v2 = compile_as(ctx, "v2", specs[i], opts, overrides);
    if (!v2)
      continue;
    // Capture the v3 diagnostics: they are the report, not our errors.
    char *text = NULL;
    size_t len = 0;
    FILE *err = ctx->err;
    bool color = ctx->color;
    DiagFormat format = ctx->format;
    int errors = ctx->nerrors;
    int warnings = ctx->nwarnings;
    ctx->err = open_memstream(&text, &len);
    ctx->color = false;
    ctx->format = DIAG_TEXT;
    json_t *v3 = ctx->err ? compile_as(ctx, "v3", specs[i], opts, overrides)
                          : NULL;
    int blockers = ctx->nerrors - errors;
    if (ctx->err)
      fclose(ctx->err);
    ctx->err = err;
    ctx->color = color;
    ctx->format = format;
    ctx->nerrors = errors;
    ctx->nwarnings = warnings;
    if (!v3) {
      blocked++;
      fprintf(out, "%s: %d blocker%s for v3\n", specs[i], blockers,
              blockers == 1 ? "" : "s");
      for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        fprintf(out, "  %.*s\n", (int)n, line);
        line += n + (nl != NULL);
      }
    } else {
      fprintf(out, "%s: ready for v3\n", specs[i]);
      const char *name;
      json_t *a2;
      json_object_foreach(v2, name, a2) {
        json_t *a3 = json_object_get(v3, name);
        fprintf(out, "  %s: POST %s -> POST %s\n", name,
                json_string_value(json_object_get(a2, "path")),
                json_string_value(json_object_get(a3, "path")));
        json_t *b2 = json_object_get(a2, "body");
        json_t *b3 = json_object_get(a3, "body");
        key_delta(out, "    dropped: ", b2, b3);
        key_delta(out, "    added: ", b3, b2);
      }
    }
    free(text);
    json_decref(v2);
    json_decref(v3);
  }
  return blocked;
}
