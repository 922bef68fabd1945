// SPDX-License-Identifier: MIT
// explain.c: `hgc explain`, a spec's timing as a reviewer reads it.
//
// One line names the artifact and the request it becomes (so the API
// chosen is visible), then a row per scene: what speaks, words, pauses
// and estimated seconds, and a total. Speech runs at 150 words a minute
// divided by the voice's speed, plus its pauses; silence lasts as long as
// it says; an audio file's length is unknown until rendered ("?", and the
// total says "+ audio"). Agent scenes use their own duration, else the
// estimate from their voice-over. Templates and translations have no
// scenes of ours: their length is the template's or the source video's.
#include "hgc.h"

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

static void explain_scenes(FILE *out, const Spec *spec) {
  double total = 0;
  long total_words = 0;
  long total_pause = 0;
  bool has_audio = false;
  for (int i = 0; i < spec->nscenes; i++) {
    const Scene *s = &spec->scenes[i];
    char no[16];
    char secs[32] = "?";
    snprintf(no, sizeof no, "%d", i + 1);
    if (s->speech.kind == SPEECH_SCRIPT) {
      const Script *sc = &s->speech.script;
      double t = speech_seconds(
          sc->words, s->voice.speed.set ? s->voice.speed.d : 1.0, sc->pause_ms);
      snprintf(secs, sizeof secs, "%.1f", t);
      total += t;
      total_words += sc->words;
      total_pause += sc->pause_ms;
      row(out, no, "script", sc->words, sc->pause_ms, secs);
    } else if (s->speech.kind == SPEECH_SILENCE) {
      snprintf(secs, sizeof secs, "%.1f", s->speech.silence_ms / 1000.0);
      total += s->speech.silence_ms / 1000.0;
      row(out, no, "silence", -1, -1, secs);
    } else {
      has_audio = true;
      row(out, no, "audio", -1, -1, secs);
    }
  }
  char secs[48];
  snprintf(secs, sizeof secs, "%.1f%s", total, has_audio ? " + audio" : "");
  row(out, "total", "", total_words, total_pause, secs);
}

static void explain_agent(FILE *out, const Spec *spec) {
  const AgentBrief *b = &spec->agent.brief;
  if (!b->nscenes) {
    fprintf(out, "  a raw prompt of %d words; the agent decides the scenes\n",
            count_words(spec->agent.prompt));
    return;
  }
  double total = 0;
  long total_words = 0;
  for (int i = 0; i < b->nscenes; i++) {
    const AgentScene *s = &b->scenes[i];
    int words = count_words(s->vo.s);
    double t = s->duration_ms ? s->duration_ms / 1000.0
                              : speech_seconds(words, 1.0, 0);
    char no[16];
    char secs[32];
    snprintf(no, sizeof no, "%d", i + 1);
    snprintf(secs, sizeof secs, "%.1f", t);
    row(out, no, s->type.s ? s->type.s : "scene", words, -1, secs);
    total += t;
    total_words += words;
  }
  char secs[32];
  snprintf(secs, sizeof secs, "%.1f", total);
  row(out, "total", "", total_words, -1, secs);
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
  case KIND_AGENT:
    fprintf(out, "%5s  %-16s %6s %7s %8s\n", "scene", "speech", "words",
            "pauses", "seconds");
    if (spec->kind == KIND_AGENT)
      explain_agent(out, spec);
    else
      explain_scenes(out, spec);
    break;
  case KIND_TEMPLATE:
    fprintf(out, "  template %s with %d variable%s; its length is the "
                 "template's\n",
            spec->tmpl.id.s, spec->tmpl.nvars, spec->tmpl.nvars == 1 ? "" : "s");
    break;
  case KIND_TRANSLATE:
    fprintf(out, "  a translation to %s; its length is the source video's\n",
            spec->translate.output_language.s);
    break;
  }
  fputc('\n', out);
}
