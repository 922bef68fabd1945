// SPDX-License-Identifier: MIT
// prompt.c: a structured Video Agent brief -> the prompt text.
//
// Input: an AgentBrief that validate.c has checked (style, scenes,
// instruction). Output: Markdown in the prompt-optimizer layout the
// Video Agent follows best: "# Global Style & Settings" with one bullet
// per style field given, a rule, "# Scene-by-Scene Script" with a
// "### Scene N: Title" block per scene (type, visual, quoted VO and its
// running "m:ss - m:ss" span), a rule, and the instruction. Fields the
// brief leaves out are left out of the prompt, never printed empty.
// Timestamps run on the exact sum of milliseconds and are rounded only
// when printed, so rounding never drifts across scenes. After a scene
// without a duration the start of the next ones is unknown, so they get
// their length ("8 seconds") instead of a span.
#include "hgc.h"

#include <string.h>

void prompt_timestamp(long ms, char out[48]) {
  long s = (ms + 500) / 1000;
  snprintf(out, 48, "%ld:%02ld", s / 60, s % 60);
}

// The scene type as the optimizer names it.
static const char *scene_type(const char *type) {
  static const struct {
    const char *spec;
    const char *prompt;
  } names[] = {{"A-roll", "A-roll"},
               {"B-roll", "B-roll"},
               {"Motion Graphics", "B-roll (Motion Graphics)"},
               {"Stock", "B-roll (Stock Media)"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(type, names[i].spec) == 0)
      return names[i].prompt;
  return type;
}

static void bullet(Buf *b, bool *ok, const char *label, const Str *value) {
  if (value->s && *ok)
    *ok = buf_addf(b, "* **%s:** %s\n", label, value->s);
}

const char *prompt_render(Ctx *ctx, const AgentBrief *brief) {
  Buf b;
  buf_init(&b, (size_t)1 << 24);
  bool ok = true;
  bool style = brief->visual.s || brief->ncolors || brief->font.s ||
               brief->vibe.s || brief->avatar_placement.s;
  if (style) {
    ok = buf_addstr(&b, "# Global Style & Settings\n");
    bullet(&b, &ok, "Visual Style", &brief->visual);
    for (int i = 0; ok && i < brief->ncolors; i++)
      ok = buf_addf(&b, "%s%s (%s)%s", i ? ", " : "* **Primary Colors:** ",
                    brief->color_names[i].s, brief->color_values[i].s,
                    i == brief->ncolors - 1 ? "\n" : "");
    bullet(&b, &ok, "Font", &brief->font);
    bullet(&b, &ok, "Vibe", &brief->vibe);
    bullet(&b, &ok, "Avatar Placement", &brief->avatar_placement);
  }
  if (brief->nscenes) {
    if (ok && style)
      ok = buf_addstr(&b, "\n---\n\n");
    ok = ok && buf_addstr(&b, "# Scene-by-Scene Script\n");
    long at = 0; // where the scene starts; -1 when not known
    for (int i = 0; ok && i < brief->nscenes; i++) {
      const AgentScene *s = &brief->scenes[i];
      ok = buf_addf(&b, "\n### Scene %d: %s\n", i + 1, s->title.s);
      if (ok && s->type.s)
        ok = buf_addf(&b, "* **Scene Type:** %s\n", scene_type(s->type.s));
      bullet(&b, &ok, "Visual", &s->visual);
      if (ok && s->vo.s)
        ok = buf_addf(&b, "* **VO:** \"%s\"\n", s->vo.s);
      if (ok && s->duration_ms && at >= 0) {
        char from[48];
        char to[48];
        prompt_timestamp(at, from);
        prompt_timestamp(at + s->duration_ms, to);
        ok = buf_addf(&b, "* **Duration:** %s - %s\n", from, to);
      } else if (ok && s->duration_ms) {
        char secs[32];
        script_format_seconds(s->duration_ms, secs);
        ok = buf_addf(&b, "* **Duration:** %s second%s\n", secs,
                      s->duration_ms == 1000 ? "" : "s");
      }
      at = at >= 0 && s->duration_ms ? at + s->duration_ms : -1;
    }
  }
  if (ok && brief->instruction.s)
    ok = buf_addf(&b, "%s**Instruction for Video Agent:** %s\n",
                  style || brief->nscenes ? "\n---\n\n" : "",
                  brief->instruction.s);
  // Over 16 MiB of prompt is far past what the API takes (10,000
  // characters); validate.c rejects such briefs before they get here.
  if (!ok)
    unreachable();
  // The API takes the prompt as one string; the final newline is noise.
  if (b.len && b.data[b.len - 1] == '\n')
    b.data[--b.len] = '\0';
  const char *out = arena_strndup(ctx->arena, b.data, b.len);
  buf_free(&b);
  return out;
}
