// SPDX-License-Identifier: MIT
// migrate.c: `hgc migrate --to v3`, what a move to the v3 API would do.
//
// Each spec is compiled twice, as it says (v2 unless it chose v3: then
// it is "already on v3") and as v3, and nothing is written. The v3
// compile's diagnostics are the blockers: every feature v3 cannot express
// is an error at its line (validate.c check_api), so the report quotes
// them as they are, captured rather than printed as errors of this
// command. For a spec with no blocker, the report names each artifact's
// endpoint change, the top-level body keys that go away or appear, and
// notes: what the v3 body means otherwise, and what the v3 schemas leave
// unconfirmed. Errors of the spec as it is are its own: they are printed
// as usual and count as errors of the run.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>

static void add_note(json_t *notes, const char *text) {
  json_array_append_new(notes, json_string(text));
}

// What a v3 body means that its v2 twin did not, and what the v3 schemas
// leave unconfirmed, as notes for a spec that compiles under v3
// (docs/v2-or-v3.md).
static json_t *v3_notes(Ctx *ctx, const Spec *spec) {
  json_t *notes = json_array();
  bool ids = false;
  bool breaks = false;
  bool pitch = false;
  for (int i = 0; i < spec->nscenes; i++) {
    const Scene *s = &spec->scenes[i];
    if (s->speech.kind == SPEECH_SILENCE) {
      add_note(notes, arena_printf(ctx->arena,
                                   "scene %d is silent: v3 shows its image "
                                   "alone, without the avatar",
                                   i + 1));
      continue;
    }
    ids |= s->character.id.s != NULL;
    breaks |= s->speech.kind == SPEECH_SCRIPT && s->speech.script.pauses;
    pitch |= s->speech.kind == SPEECH_SCRIPT && s->voice.pitch.set;
  }
  if (ids)
    add_note(notes,
             spec->kind == KIND_WEBM
                 ? "the avatar pose id is sent as a v3 look id (avatar_id); "
                   "unconfirmed"
                 : "avatar and talking photo ids are sent as v3 look ids; "
                   "that they are the same ids is unconfirmed");
  if (breaks)
    add_note(notes,
             "break tags are sent as written; whether v3 reads them is "
             "unconfirmed");
  if (pitch)
    add_note(notes,
             "voice pitch is sent as the same number, in semitones for v3; "
             "v2's unit is unconfirmed");
  if (spec->kind == KIND_VIDEO && spec->caption.v && !spec->caption_style.s)
    add_note(notes,
             "'caption: true' gives only a caption file (SRT) in v3; "
             "caption: {style: default} also burns them in");
  if (spec->kind == KIND_TEMPLATE)
    add_note(notes,
             "variables are sent as {name: text}; the value shape v3 wants "
             "is unconfirmed");
  if (spec->kind == KIND_TRANSLATE)
    add_note(notes,
             "v3 names languages ('Spanish (Spain)'); whether "
             "'output_language' is one is unconfirmed");
  return notes;
}

// name -> {"path", "body", "v3", "notes"?} of every artifact one compile
// made.
static bool collect(Ctx *ctx, const Spec *spec, const Request *req,
                    const Node *row, int row_no, void *user) {
  (void)row, (void)row_no;
  json_t *art = json_pack("{s:s, s:o, s:b}", "path", req->path, "body",
                          jval_to_json(req->body), "v3", spec->api == API_V3);
  if (spec->api == API_V3)
    json_object_set_new(art, "notes", v3_notes(ctx, spec));
  json_object_set_new(user, spec->name, art);
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

// How many of the artifacts are built for v3.
static size_t count_v3(json_t *arts) {
  const char *name;
  json_t *art;
  size_t n = 0;
  json_object_foreach(arts, name, art)
    n += json_is_true(json_object_get(art, "v3"));
  return n;
}

int migrate_specs(Ctx *ctx, const char *const *specs, int nspecs,
                  const CompileOptions *opts, const Node *overrides,
                  FILE *out) {
  int blocked = 0;
  for (int i = 0; i < nspecs; i++) {
    // As the spec says (whatever --api says): a spec on v2 already has
    // its v2 build, one that chose v3 has nothing to migrate.
    json_t *v2 = compile_as(ctx, NULL, specs[i], opts, overrides);
    if (!v2)
      continue;
    size_t on_v3 = count_v3(v2);
    if (on_v3 && on_v3 == json_object_size(v2)) {
      fprintf(out, "%s: already on v3\n", specs[i]);
      json_decref(v2);
      continue;
    }
    if (on_v3) { // rows that choose their API (api: ${row.api}): all as v2
      json_decref(v2);
      if (!(v2 = compile_as(ctx, "v2", specs[i], opts, overrides)))
        continue;
    }
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
        size_t k;
        json_t *note;
        json_array_foreach(json_object_get(a3, "notes"), k, note)
          fprintf(out, "    note: %s\n", json_string_value(note));
      }
    }
    free(text);
    json_decref(v2);
    json_decref(v3);
  }
  return blocked;
}
