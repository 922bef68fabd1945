// SPDX-License-Identifier: MIT
// explain.c: `hgc explain`, a spec's timing as a reviewer reads it.
//
// One line names the artifact and the request it becomes (so the API
// chosen is visible), then a row per scene: what speaks, words, pauses
// and estimated seconds, and a total. Speech runs at 150 words a minute
// divided by the voice's speed, plus its pauses; silence lasts as long as
// it says; an audio file's length is unknown until rendered ("?", and the
// total says "+ audio"). A voice that `--online` filled in (an avatar's
// default) gets a line under the table. Agent scenes use their own
// duration, else the estimate from their voice-over. Templates and
// translations have no scenes of ours: their length is the template's or
// the source video's.
//
// explain_scene() is the one place these estimates are made: the text
// table, `explain --json` and the storyboard (preview.c) all read it.
// Seconds are shown rounded to 0.1 s, in JSON as in text.
#include "hgc.h"

#include <stdlib.h>

#define WORDS_PER_MINUTE 150.0

static double speech_seconds(int words, double speed, long pause_ms) {
  return words * 60.0 / (WORDS_PER_MINUTE * speed) + pause_ms / 1000.0;
}

static int count_words(const char *s) {
  int n = 0;
  for (bool in = false; s && *s; s++) {
    bool space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
    n += !space && !in;
    in = !space;
  }
  return n;
}

int explain_nscenes(const Spec *spec) {
  switch (spec->kind) {
  case KIND_VIDEO:
  case KIND_WEBM:
    return spec->nscenes;
  case KIND_AGENT:
    return spec->agent.brief.nscenes;
  default:
    return 0;
  }
}

SceneTime explain_scene(const Spec *spec, int i) {
  if (spec->kind == KIND_AGENT) {
    const AgentScene *s = &spec->agent.brief.scenes[i];
    int words = count_words(s->vo.s);
    return (SceneTime){s->type.s ? s->type.s : "scene", words, -1,
                       s->duration_ms ? s->duration_ms / 1000.0
                                      : speech_seconds(words, 1.0, 0)};
  }
  const Scene *s = &spec->scenes[i];
  switch (s->speech.kind) {
  case SPEECH_SCRIPT: {
    const Script *sc = &s->speech.script;
    double speed = s->voice.speed.set ? s->voice.speed.d : 1.0;
    return (SceneTime){"script", sc->words, sc->pause_ms,
                       speech_seconds(sc->words, speed, sc->pause_ms)};
  }
  case SPEECH_SILENCE:
    return (SceneTime){"silence", -1, -1, s->speech.silence_ms / 1000.0};
  default:
    return (SceneTime){"audio", -1, -1, -1};
  }
}

// The sums over every scene: seconds of the known ones, words and pauses
// where a scene has them (-1 when none has).
typedef struct {
  double seconds;
  long words;
  long pause_ms;
  bool has_audio;
} Total;

static Total total_of(const Spec *spec) {
  Total t = {0, 0, spec->kind == KIND_AGENT ? -1 : 0, false};
  for (int i = 0; i < explain_nscenes(spec); i++) {
    SceneTime s = explain_scene(spec, i);
    if (s.seconds >= 0)
      t.seconds += s.seconds;
    t.has_audio |= s.seconds < 0;
    t.words += s.words > 0 ? s.words : 0;
    t.pause_ms += s.pause_ms > 0 ? s.pause_ms : 0;
  }
  return t;
}

//
// Text
//

static void row(FILE *out, const char *scene, const char *kind, long words,
                long pause_ms, const char *secs) {
  char w[32] = "-";
  char p[48] = "-";
  if (words >= 0)
    snprintf(w, sizeof w, "%ld", words);
  if (pause_ms >= 0) {
    char sec[32];
    script_format_seconds(pause_ms, sec);
    snprintf(p, sizeof p, "%ss", sec);
  }
  fprintf(out, "%5s  %-16s %6s %7s %8s\n", scene, kind, w, p, secs);
}

static void explain_table(FILE *out, const Spec *spec) {
  fprintf(out, "%5s  %-16s %6s %7s %8s\n", "scene", "speech", "words",
          "pauses", "seconds");
  if (spec->kind == KIND_AGENT && !spec->agent.brief.nscenes) {
    fprintf(out, "  a raw prompt of %d words; the agent decides the scenes\n",
            count_words(spec->agent.prompt));
    return;
  }
  for (int i = 0; i < explain_nscenes(spec); i++) {
    SceneTime s = explain_scene(spec, i);
    char no[16];
    char secs[32] = "?";
    snprintf(no, sizeof no, "%d", i + 1);
    if (s.seconds >= 0)
      snprintf(secs, sizeof secs, "%.1f", s.seconds);
    row(out, no, s.speech, s.words, s.pause_ms, secs);
  }
  Total t = total_of(spec);
  char secs[48];
  snprintf(secs, sizeof secs, "%.1f%s", t.seconds,
           t.has_audio ? " + audio" : "");
  row(out, "total", "", t.words, t.pause_ms, secs);
}

// The voices `--online` chose (an avatar's default voice): the spec does
// not name them, so the reviewer reads them here.
static void explain_voices(FILE *out, const Spec *spec) {
  for (int i = 0; i < spec->nscenes; i++) {
    const Voice *v = &spec->scenes[i].voice;
    if (v->default_of)
      fprintf(out, "  scene %d: voice %s, the default of avatar %s\n", i + 1,
              v->id.s, v->default_of);
  }
}

void explain_print(FILE *out, const Spec *spec, const Request *req,
                   int row_no) {
  if (row_no)
    fprintf(out, "%s (%s, row %d): %s %s\n", spec->name, spec->source, row_no,
            req->method, req->path);
  else
    fprintf(out, "%s (%s): %s %s\n", spec->name, spec->source, req->method,
            req->path);
  switch (spec->kind) {
  case KIND_VIDEO:
  case KIND_WEBM:
    explain_table(out, spec);
    explain_voices(out, spec);
    break;
  case KIND_AGENT:
    explain_table(out, spec);
    break;
  case KIND_TEMPLATE:
    fprintf(out,
            "  template %s with %d variable%s; its length is the "
            "template's\n",
            spec->tmpl.id.s, spec->tmpl.nvars,
            spec->tmpl.nvars == 1 ? "" : "s");
    break;
  case KIND_TRANSLATE:
    fprintf(out, "  a translation to %s; its length is the source video's\n",
            spec->translate.output_language.s);
    break;
  }
  fputc('\n', out);
}

//
// JSON
//

// Seconds as the text shows them (one decimal), or null when unknown.
static json_t *seconds_json(double s) {
  char text[32];
  if (s < 0)
    return json_null();
  snprintf(text, sizeof text, "%.1f", s);
  return json_real(strtod(text, NULL));
}

// -1 means "does not apply": null.
static json_t *count_json(long n) {
  return n < 0 ? json_null() : json_integer(n);
}

bool explain_json(FILE *out, const Spec *spec, const Request *req) {
  static const char *const kinds[] = {"video", "agent", "webm", "template",
                                      "translate"};
  json_t *scenes = json_array();
  for (int i = 0; i < explain_nscenes(spec); i++) {
    SceneTime s = explain_scene(spec, i);
    json_array_append_new(
        scenes, json_pack("{s:i, s:s, s:o, s:o, s:o}", "n", i + 1, "speech",
                          s.speech, "words", count_json(s.words), "pause_ms",
                          count_json(s.pause_ms), "seconds",
                          seconds_json(s.seconds)));
  }
  // A raw agent prompt, a template or a translation: no length of ours.
  bool timed = explain_nscenes(spec) > 0;
  Total t = total_of(spec);
  // json_pack fails on text that is not UTF-8 (a file name can be).
  json_t *doc = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b}", "name", spec->name,
      "source", spec->source, "method", req->method, "path", req->path, "api",
      spec->api == API_V3 ? "v3" : "v2", "kind", kinds[spec->kind], "scenes",
      scenes, "total_seconds", timed ? seconds_json(t.seconds) : json_null(),
      "has_audio", t.has_audio);
  // Real numbers need at most one decimal.
  bool ok = doc && json_print_line(out, doc,
                                   JSON_COMPACT | JSON_SORT_KEYS |
                                       JSON_REAL_PRECISION(15));
  json_decref(doc);
  return ok;
}
