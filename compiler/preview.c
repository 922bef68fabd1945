// SPDX-License-Identifier: MIT
// preview.c: `hgc preview`, a storyboard page of one video.
//
// Input: a validated Spec and its Request. Output: one HTML document that
// stands alone: inline CSS, no scripts, no fonts, images or anything else
// fetched (a Content-Security-Policy forbids it too), so a reviewer can
// open it from a pull request's artifacts offline. A header names the
// request; a timeline bar shows every scene at its estimated length; a
// card per scene shows the background (a colour as itself; an image or
// video URL as text over a patterned placeholder, never loaded; a local
// asset by its path), the character and voice, and the script with its
// pauses as chips. Agent specs show the brief and the prompt as sent.
// Times come from explain_scene(), as `hgc explain` prints them; an audio
// scene's length is unknown, so it is drawn at the average scene's width,
// hatched, and later times say "+ audio". Every text from the spec is
// HTML-escaped. The same inputs give the same bytes.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>

#define PREVIEW_MAX_BYTES (64 << 20) // a page; scripts are capped far below

// A page being written: once a write fails (over the cap, or out of
// memory) the Buf is gone and every later write is skipped.
typedef struct {
  Buf b;
  bool ok;
} Page;

static void put(Page *p, const char *s) {
  p->ok = p->ok && buf_addstr(&p->b, s);
}

static void putf(Page *p, const char *fmt, ...) HGC_PRINTF(2, 3);
static void putf(Page *p, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  // Callers format numbers and escaped-elsewhere constants only.
  if (n < 0 || n >= (int)sizeof small)
    unreachable();
  put(p, small);
}

// Text from the spec, escaped for element content and attribute values.
static void esc_n(Page *p, const char *s, size_t n) {
  for (size_t i = 0; p->ok && i < n; i++) {
    switch (s[i]) {
    case '&':
      put(p, "&amp;");
      break;
    case '<':
      put(p, "&lt;");
      break;
    case '>':
      put(p, "&gt;");
      break;
    case '"':
      put(p, "&quot;");
      break;
    case '\'':
      put(p, "&#39;");
      break;
    default:
      p->ok = buf_addc(&p->b, s[i]);
    }
  }
}

static void esc(Page *p, const char *s) { esc_n(p, s, strlen(s)); }

// "<code>text</code>", escaped.
static void code(Page *p, const char *s) {
  put(p, "<code>");
  esc(p, s);
  put(p, "</code>");
}

// A number as the artifact writes it: integers without a fraction,
// decimals with one (1.0).
static void num(Page *p, const Num *n) {
  char text[64];
  if (n->is_int)
    snprintf(text, sizeof text, "%lld", n->i);
  else if (snprintf(text, sizeof text, "%.15g", n->d) > 0 &&
           !strpbrk(text, ".eEn")) // "nan", "inf": validate.c refuses them
    strcat(text, ".0");
  put(p, text);
}

// Seconds as m:ss.s, the way a video editor shows a time.
static void clock_time(Page *p, double s) {
  long tenths = (long)(s * 10 + 0.5);
  putf(p, "%ld:%02ld.%ld", tenths / 600, tenths / 10 % 60, tenths % 10);
}

static const char STYLE[] =
    "*{box-sizing:border-box}"
    "body{margin:0;padding:24px 32px;font:15px/1.45 system-ui,sans-serif;"
    "color:#1e293b;background:#f1f5f9}"
    "header h1{margin:0 0 4px;font-size:24px}"
    ".meta{margin:0;color:#475569}"
    ".meta span+span:before{content:\" \xc2\xb7 \"}"
    "code{font:13px ui-monospace,monospace;background:#e2e8f0;"
    "padding:1px 4px;border-radius:3px}"
    ".total{margin:8px 0 16px;font-weight:600}"
    ".bar{display:flex;height:36px;border-radius:6px;overflow:hidden;"
    "border:1px solid #94a3b8;background:#fff}"
    ".seg{min-width:4px;display:flex;align-items:center;"
    "justify-content:center;font-weight:700;font-size:13px;"
    "border-right:1px solid #fff}"
    ".ticks{display:flex;justify-content:space-between;color:#64748b;"
    "font-size:12px;margin:2px 0 20px}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(340px,1fr));gap:16px}"
    ".card{background:#fff;border-radius:8px;overflow:hidden;"
    "box-shadow:0 1px 3px #0003}"
    ".stage{position:relative;display:flex;align-items:center;"
    "justify-content:center;padding:12px;max-height:260px;margin:auto}"
    ".stage .url{max-width:90%;background:#fffe;color:#0f172a;"
    "padding:6px 8px;border-radius:4px;font-size:12px;"
    "word-break:break-all}"
    ".who{position:absolute;bottom:8px;left:50%;transform:translateX(-50%);"
    "background:#0f172acc;color:#fff;padding:2px 10px;border-radius:12px;"
    "font-size:12px;white-space:nowrap;border:1px solid #fff6}"
    ".pattern{background:repeating-linear-gradient(45deg,#cbd5e1 0 10px,"
    "#e2e8f0 10px 20px)}"
    ".hatch{background:repeating-linear-gradient(-45deg,#fde68a 0 6px,"
    "#fef3c7 6px 12px)}"
    ".none{background:#e2e8f0}"
    ".body{padding:10px 14px 14px}"
    ".body h2{margin:0 0 6px;font-size:16px;display:flex;"
    "justify-content:space-between;gap:8px}"
    ".time{font-weight:400;color:#475569;font-size:13px;white-space:nowrap}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0;"
    "font-size:13px}"
    "dt{color:#64748b}dd{margin:0;overflow-wrap:anywhere}"
    ".script{margin:10px 0 0;padding:8px 10px;background:#f8fafc;"
    "border-left:3px solid #6366f1;white-space:pre-wrap}"
    ".pause{display:inline-flex;align-items:center;gap:4px;margin:0 2px;"
    "padding:0 7px;border-radius:10px;background:#6366f1;color:#fff;"
    "font-size:12px;font-weight:600;white-space:nowrap}"
    ".pause i{width:7px;height:9px;border-left:2px solid #fff;"
    "border-right:2px solid #fff}"
    ".stats{margin:6px 0 0;color:#64748b;font-size:12px}"
    ".swatch{display:inline-block;width:12px;height:12px;border-radius:2px;"
    "vertical-align:-1px;border:1px solid #0003;margin-right:4px}"
    "pre{background:#0f172a;color:#e2e8f0;padding:14px;border-radius:8px;"
    "white-space:pre-wrap;font:13px/1.5 ui-monospace,monospace}"
    "section>h2{font-size:18px;margin:24px 0 8px}"
    "footer{margin-top:28px;color:#64748b;font-size:12px}";

//
// Timing
//

typedef struct {
  double start;    // seconds from the start, audio scenes before excluded
  double seconds;  // the estimate, -1 when unknown
  double width;    // share of the timeline bar
  bool after_audio; // an audio scene came before: times are "+ audio"
} Slot;

// Lays the scenes out on the timeline: each where the last one ended.
static Slot *slots_of(const Spec *spec, int n, double *total) {
  Slot *s = calloc((size_t)n + 1, sizeof *s);
  if (!s)
    return NULL;
  double known = 0;
  int nknown = 0;
  for (int i = 0; i < n; i++) {
    s[i].seconds = explain_scene(spec, i).seconds;
    if (s[i].seconds >= 0) {
      known += s[i].seconds;
      nknown++;
    }
  }
  // An audio scene's width: the average known scene's, at least 2 s.
  double avg = nknown && known / nknown > 2 ? known / nknown : 2;
  double at = 0;
  bool audio = false;
  for (int i = 0; i < n; i++) {
    s[i].start = at;
    s[i].after_audio = audio;
    s[i].width = s[i].seconds >= 0 ? s[i].seconds : avg;
    at += s[i].seconds >= 0 ? s[i].seconds : 0;
    audio |= s[i].seconds < 0;
  }
  *total = at;
  return s;
}

static void span_of(Page *p, const Slot *s) {
  clock_time(p, s->start);
  put(p, " \xe2\x80\x93 "); // en dash
  if (s->seconds < 0)
    put(p, "?");
  else
    clock_time(p, s->start + s->seconds);
  if (s->after_audio)
    put(p, " + audio");
}

// Text colour that reads on a background colour.
static const char *ink_on(const char *hex) {
  unsigned r = 0, g = 0, b = 0;
  sscanf(hex, "#%2x%2x%2x", &r, &g, &b);
  return r * 299 + g * 587 + b * 114 > 128000 ? "#0f172a" : "#fff";
}

// The bar: one segment per scene, as wide as its share of the video.
static void timeline(Page *p, const Spec *spec, const Slot *slots, int n,
                     double total) {
  put(p, "<section aria-label=\"timeline\"><div class=\"bar\">");
  for (int i = 0; i < n; i++) {
    const Background *bg =
        spec->kind == KIND_AGENT ? NULL : &spec->scenes[i].background;
    putf(p, "<div class=\"seg%s\" style=\"flex:%.1f 1 0",
         slots[i].seconds < 0                  ? " hatch"
         : bg && bg->kind == BG_COLOR          ? ""
         : bg && bg->kind != BG_NONE           ? " pattern"
                                               : " none",
         slots[i].width);
    if (slots[i].seconds >= 0 && bg && bg->kind == BG_COLOR) {
      // Colours are validated #RRGGBB: safe in an attribute as they are.
      putf(p, ";background:%.7s;color:%s", bg->color.s, ink_on(bg->color.s));
    }
    putf(p, "\" title=\"scene %d: ", i + 1);
    span_of(p, &slots[i]);
    putf(p, "\">%d</div>", i + 1);
  }
  // Only the ends: with audio of unknown length inside, the bar between
  // them is not to scale.
  put(p, "</div><div class=\"ticks\"><span>0:00.0</span><span>");
  clock_time(p, total);
  const Slot *last = &slots[n - 1];
  put(p, last->after_audio || last->seconds < 0 ? " + audio" : "");
  put(p, "</span></div></section>\n");
}

//
// Scenes of kind video and webm
//

static const char *bg_name(BgKind k) {
  return k == BG_IMAGE ? "image" : k == BG_VIDEO ? "video" : "colour";
}

// The stage: the frame's shape, filled with the background as far as a
// page can show it without fetching anything.
static void stage(Page *p, const Spec *spec, const Scene *s) {
  const Dimension *d = &spec->dimension;
  const Background *bg = &s->background;
  putf(p, "<div class=\"stage%s\" style=\"aspect-ratio:%d/%d",
       bg->kind == BG_COLOR  ? ""
       : bg->kind == BG_NONE ? " none"
                             : " pattern",
       d->width ? d->width : 16, d->height ? d->height : 9);
  if (bg->kind == BG_COLOR)
    putf(p, ";background:%.7s;color:%s", bg->color.s, ink_on(bg->color.s));
  put(p, "\">");
  if (bg->kind == BG_IMAGE || bg->kind == BG_VIDEO) {
    putf(p, "<span class=\"url\">%s ", bg_name(bg->kind));
    put(p, bg->asset ? "file " : "");
    esc(p, bg->asset ? bg->asset->path : bg->url.s);
    put(p, "</span>");
  }
  const Character *c = &s->character;
  if (c->kind != CHAR_NONE) {
    put(p, "<span class=\"who\">");
    esc(p, c->id.s ? c->id.s : c->image ? c->image->path : "");
    put(p, "</span>");
  }
  put(p, "</div>");
}

static void field(Page *p, const char *name) {
  putf(p, "<dt>%s</dt><dd>", name);
}

// "label value" pairs after an id, for the options a spec gave.
static void extra(Page *p, const char *label, const char *value) {
  if (value) {
    putf(p, " \xc2\xb7 %s ", label);
    esc(p, value);
  }
}

static void extra_num(Page *p, const char *label, const Num *n) {
  if (n->set) {
    putf(p, " \xc2\xb7 %s ", label);
    num(p, n);
  }
}

static void character(Page *p, const Character *c) {
  field(p, c->kind == CHAR_AVATAR ? "avatar" : "talking photo");
  if (c->id.s)
    code(p, c->id.s);
  else if (c->image)
    esc(p, c->image->path);
  else if (c->image_url.s)
    esc(p, c->image_url.s);
  extra(p, "style", c->style.s);
  extra_num(p, "scale", &c->scale);
  if (c->offset_x.set) {
    put(p, " \xc2\xb7 offset ");
    num(p, &c->offset_x);
    put(p, ", ");
    num(p, &c->offset_y);
  }
  extra(p, "engine", c->engine.s);
  extra(p, "expressiveness", c->expressiveness.s);
  extra(p, "motion", c->motion_prompt.s);
  put(p, "</dd>");
}

static void voice(Page *p, const Voice *v) {
  field(p, "voice");
  code(p, v->id.s ? v->id.s : "");
  extra_num(p, "speed", &v->speed);
  extra_num(p, "pitch", &v->pitch);
  extra_num(p, "volume", &v->volume);
  extra(p, "locale", v->locale.s);
  put(p, "</dd>");
}

static void background(Page *p, const Background *bg) {
  field(p, "background");
  if (bg->kind == BG_COLOR) {
    putf(p, "<span class=\"swatch\" style=\"background:%.7s\"></span>",
         bg->color.s);
    code(p, bg->color.s);
  } else {
    putf(p, "%s ", bg_name(bg->kind));
    esc(p, bg->asset ? bg->asset->path : bg->url.s);
    extra(p, "fit", bg->fit.s);
  }
  put(p, "</dd>");
}

// The normalised script, its break tags drawn as pause chips.
static void script(Page *p, const char *text) {
  static const char tag[] = "<break time=\"";
  put(p, "<p class=\"script\">");
  for (const char *s = text; *s;) {
    const char *at = strstr(s, tag);
    const char *end = at ? strstr(at, "\"/>") : NULL;
    if (!end) {
      esc(p, s);
      break;
    }
    esc_n(p, s, (size_t)(at - s));
    const char *time = at + sizeof tag - 1;
    put(p, "<span class=\"pause\" title=\"pause\"><i></i>");
    esc_n(p, time, (size_t)(end - time));
    put(p, "</span>");
    s = end + 3;
  }
  put(p, "</p>");
}

static void scene_card(Page *p, const Spec *spec, int i, const Slot *slot) {
  const Scene *s = &spec->scenes[i];
  SceneTime t = explain_scene(spec, i);
  put(p, "<article class=\"card\">");
  stage(p, spec, s);
  putf(p, "<div class=\"body\"><h2>Scene %d <span class=\"time\">", i + 1);
  span_of(p, slot);
  put(p, "</span></h2><dl>");
  if (s->character.kind != CHAR_NONE)
    character(p, &s->character);
  if (s->speech.kind == SPEECH_SCRIPT)
    voice(p, &s->voice);
  if (s->speech.kind == SPEECH_AUDIO) {
    field(p, "audio");
    esc(p, s->speech.audio ? s->speech.audio->path : s->speech.audio_url.s);
    put(p, "</dd>");
  }
  if (s->speech.kind == SPEECH_SILENCE) {
    char secs[32];
    script_format_seconds(s->speech.silence_ms, secs);
    field(p, "silence");
    putf(p, "%ss</dd>", secs);
  }
  if (s->background.kind != BG_NONE)
    background(p, &s->background);
  put(p, "</dl>");
  if (s->speech.kind == SPEECH_SCRIPT) {
    script(p, s->speech.script.text);
    char pauses[32];
    script_format_seconds(t.pause_ms, pauses);
    putf(p, "<p class=\"stats\">%d words \xc2\xb7 pauses %ss \xc2\xb7 "
            "%.1f s</p>",
         t.words, pauses, t.seconds);
  }
  put(p, "</div></article>\n");
}

//
// Kind agent
//

static void text_row(Page *p, const char *name, const Str *v) {
  if (v->s) {
    field(p, name);
    esc(p, v->s);
    put(p, "</dd>");
  }
}

static void agent_card(Page *p, const AgentScene *s, int i,
                       const Slot *slot) {
  putf(p, "<article class=\"card\"><div class=\"body\"><h2>Scene %d: ",
       i + 1);
  esc(p, s->title.s ? s->title.s : "");
  put(p, " <span class=\"time\">");
  span_of(p, slot);
  put(p, "</span></h2><dl>");
  text_row(p, "type", &s->type);
  text_row(p, "visual", &s->visual);
  put(p, "</dl>");
  if (s->vo.s) {
    put(p, "<p class=\"script\">");
    esc(p, s->vo.s);
    put(p, "</p>");
  }
  put(p, "</div></article>\n");
}

static void agent(Page *p, const Spec *spec, const Slot *slots) {
  const Agent *a = &spec->agent;
  const AgentBrief *b = &a->brief;
  put(p, "<section><h2>Brief</h2><div class=\"card\"><div class=\"body\">"
         "<dl>");
  text_row(p, "visual style", &b->visual);
  if (b->ncolors) {
    field(p, "colours");
    for (int i = 0; i < b->ncolors; i++) {
      putf(p, "%s<span class=\"swatch\" style=\"background:%.7s\"></span>",
           i ? " " : "", b->color_values[i].s);
      esc(p, b->color_names[i].s);
    }
    put(p, "</dd>");
  }
  text_row(p, "font", &b->font);
  text_row(p, "vibe", &b->vibe);
  text_row(p, "avatar placement", &b->avatar_placement);
  if (a->duration_ms) {
    char secs[32];
    script_format_seconds(a->duration_ms, secs);
    field(p, "duration");
    putf(p, "%ss</dd>", secs);
  }
  text_row(p, "avatar", &a->avatar);
  text_row(p, "orientation", &a->orientation);
  text_row(p, "style id", &a->style_id);
  for (int i = 0; i < a->nfiles; i++) {
    field(p, "file");
    esc(p, a->files[i].asset ? a->files[i].asset->path
                             : a->files[i].asset_id.s);
    put(p, "</dd>");
  }
  text_row(p, "instruction", &b->instruction);
  put(p, "</dl></div></div></section>\n");
  if (b->nscenes) {
    put(p, "<section><h2>Scenes</h2><div class=\"cards\">");
    for (int i = 0; i < b->nscenes; i++)
      agent_card(p, &b->scenes[i], i, &slots[i]);
    put(p, "</div></section>\n");
  }
  put(p, "<section><h2>The prompt as sent</h2><pre>");
  esc(p, a->prompt ? a->prompt : "");
  put(p, "</pre></section>\n");
}

//
// Kinds template and translate: no scenes of ours
//

static void other(Page *p, const Spec *spec) {
  put(p, "<section><div class=\"card\"><div class=\"body\"><dl>");
  if (spec->kind == KIND_TEMPLATE) {
    text_row(p, "template", &spec->tmpl.id);
    for (int i = 0; i < spec->tmpl.nvars; i++) {
      field(p, "variable");
      code(p, spec->tmpl.names[i].s);
      put(p, " = ");
      esc(p, spec->tmpl.values[i].s);
      put(p, "</dd>");
    }
  } else {
    const Translate *t = &spec->translate;
    text_row(p, "video", t->video_url.s ? &t->video_url : &t->video_id);
    text_row(p, "to language", &t->output_language);
    if (t->audio_only.set) {
      field(p, "audio only");
      putf(p, "%s</dd>", t->audio_only.v ? "true" : "false");
    }
    if (t->speakers.set) {
      field(p, "speakers");
      num(p, &t->speakers);
      put(p, "</dd>");
    }
    text_row(p, "mode", &t->mode);
  }
  put(p, "</dl><p class=\"stats\">Its length is the ");
  put(p, spec->kind == KIND_TEMPLATE ? "template's" : "source video's");
  put(p, ".</p></div></div></section>\n");
}

//
// The page
//

static void header(Page *p, const Spec *spec, const Request *req,
                   int row_no) {
  static const char *const kinds[] = {"video", "agent", "webm", "template",
                                      "translate"};
  put(p, "<header><h1>");
  esc(p, spec->title.s ? spec->title.s : spec->name);
  put(p, "</h1><p class=\"meta\"><span>");
  code(p, spec->name);
  put(p, "</span><span>");
  esc(p, spec->source);
  if (row_no)
    putf(p, ", row %d", row_no);
  putf(p, "</span><span>%s ", req->method);
  esc(p, req->path);
  putf(p, "</span><span>kind %s</span><span>api %s</span>",
       kinds[spec->kind], spec->api == API_V3 ? "v3" : "v2");
  const Dimension *d = &spec->dimension;
  bool framed = spec->kind == KIND_VIDEO || spec->kind == KIND_WEBM;
  if (framed && d->width)
    putf(p, "<span>%d\xc3\x97%d%s</span>", d->width, d->height,
         d->given ? "" : " (default)");
  else if (framed && (d->aspect || d->resolution))
    putf(p, "<span>%s %s</span>", d->aspect ? d->aspect : "",
         d->resolution ? d->resolution : "");
  if (spec->test.set && spec->test.v)
    put(p, "<span>test mode</span>");
  if (spec->caption.set && spec->caption.v)
    put(p, "<span>captions</span>");
  if (spec->callback_url.s) {
    put(p, "<span>callback ");
    esc(p, spec->callback_url.s);
    put(p, "</span>");
  }
  put(p, "</p></header>\n");
}

char *preview_page(const Spec *spec, const Request *req, int row_no,
                   size_t *len) {
  Page p = {.ok = true};
  buf_init(&p.b, PREVIEW_MAX_BYTES);
  int n = explain_nscenes(spec);
  double total = 0;
  Slot *slots = slots_of(spec, n, &total);
  if (!slots)
    return NULL;
  put(&p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" "
          "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n"
          "<title>");
  esc(&p, spec->name);
  put(&p, " \xe2\x80\x94 storyboard</title>\n<style>");
  put(&p, STYLE);
  put(&p, "</style>\n</head>\n<body>\n");
  header(&p, spec, req, row_no);
  if (n) {
    bool audio = false;
    for (int i = 0; i < n; i++)
      audio |= slots[i].seconds < 0;
    putf(&p, "<p class=\"total\">%d scene%s \xc2\xb7 about ", n,
         n == 1 ? "" : "s");
    clock_time(&p, total);
    put(&p, audio ? " + audio</p>\n" : "</p>\n");
    timeline(&p, spec, slots, n, total);
  }
  if (spec->kind == KIND_AGENT) {
    agent(&p, spec, slots);
  } else if (spec->kind == KIND_VIDEO || spec->kind == KIND_WEBM) {
    put(&p, "<main class=\"cards\">\n");
    for (int i = 0; i < n; i++)
      scene_card(&p, spec, i, &slots[i]);
    put(&p, "</main>\n");
  } else {
    other(&p, spec);
  }
  put(&p, "<footer>Made by <code>hgc preview</code> from ");
  esc(&p, spec->source);
  put(&p, ". Times are estimates: 150 words a minute divided by the "
          "voice's speed, plus pauses. Backgrounds given as URLs are "
          "named, not loaded.</footer>\n</body>\n</html>\n");
  free(slots);
  if (!p.ok)
    return NULL;
  *len = p.b.len;
  return buf_take(&p.b);
}
