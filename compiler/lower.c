// SPDX-License-Identifier: MIT
// lower.c: a validated Spec -> the request for POST /v2/video/generate.
//
// validate.c has already checked every value, so lowering only maps: one
// video_inputs item per scene, {character, voice, background}, and the
// top-level fields. Keys the user did not give are left out, never sent
// as null; values hgc fills in (the default dimension) are written so a
// reviewer sees them. Ownership: each fresh json_t goes straight into its
// parent with the stealing *_new calls; the caller owns the body.
#include "hgc.h"

static void set_str(json_t *o, const char *key, const Str *s) {
  if (s->s)
    json_object_set_new(o, key, json_string(s->s));
}

static json_t *num_json(const Num *n) {
  return n->is_int ? json_integer(n->i) : json_real(n->d);
}

static void set_num(json_t *o, const char *key, const Num *n) {
  if (n->set)
    json_object_set_new(o, key, num_json(n));
}

static void set_bool(json_t *o, const char *key, const Bool *b) {
  if (b->set)
    json_object_set_new(o, key, json_boolean(b->v));
}

// Seconds that hgc computed: an integer when whole (2, not 2.0).
static json_t *seconds_json(long ms) {
  return ms % 1000 == 0 ? json_integer(ms / 1000) : json_real(ms / 1000.0);
}

// character = {type, avatar_id | talking_photo_id, avatar_style?, scale?,
//              offset?: {x, y}}
static json_t *lower_character(const Character *c) {
  json_t *o = json_object();
  bool avatar = c->kind == CHAR_AVATAR;
  json_object_set_new(o, "type",
                      json_string(avatar ? "avatar" : "talking_photo"));
  set_str(o, avatar ? "avatar_id" : "talking_photo_id", &c->id);
  set_str(o, "avatar_style", &c->style);
  set_num(o, "scale", &c->scale);
  if (c->offset_x.set) {
    json_t *off = json_object();
    json_object_set_new(off, "x", num_json(&c->offset_x));
    json_object_set_new(off, "y", num_json(&c->offset_y));
    json_object_set_new(o, "offset", off);
  }
  return o;
}

// voice = {type: text, voice_id, input_text, speed?, pitch?}
//       | {type: audio, audio_url} | {type: silence, duration}
static json_t *lower_voice(const Voice *v, const Speech *sp) {
  json_t *o = json_object();
  switch (sp->kind) {
  case SPEECH_SCRIPT:
    json_object_set_new(o, "type", json_string("text"));
    set_str(o, "voice_id", &v->id);
    json_object_set_new(o, "input_text", json_string(sp->script.text));
    set_num(o, "speed", &v->speed);
    set_num(o, "pitch", &v->pitch);
    break;
  case SPEECH_AUDIO:
    json_object_set_new(o, "type", json_string("audio"));
    set_str(o, "audio_url", &sp->audio_url);
    break;
  case SPEECH_SILENCE:
    json_object_set_new(o, "type", json_string("silence"));
    json_object_set_new(o, "duration", seconds_json(sp->silence_ms));
    break;
  case SPEECH_NONE:
    unreachable();
  }
  return o;
}

// background = {type: color, value} | {type: image|video, url, fit?}
static json_t *lower_background(const Background *bg) {
  static const char *const types[] = {NULL, "color", "image", "video"};
  json_t *o = json_object();
  json_object_set_new(o, "type", json_string(types[bg->kind]));
  if (bg->kind == BG_COLOR)
    set_str(o, "value", &bg->color);
  else
    set_str(o, "url", &bg->url);
  set_str(o, "fit", &bg->fit);
  return o;
}

Request lower_spec(Ctx *ctx, const Spec *spec) {
  (void)ctx;
  json_t *body = json_object();
  json_t *inputs = json_array();
  for (int i = 0; i < spec->nscenes; i++) {
    const Scene *s = &spec->scenes[i];
    json_t *in = json_object();
    json_object_set_new(in, "character", lower_character(&s->character));
    json_object_set_new(in, "voice", lower_voice(&s->voice, &s->speech));
    if (s->background.kind != BG_NONE)
      json_object_set_new(in, "background",
                          lower_background(&s->background));
    json_array_append_new(inputs, in);
  }
  json_object_set_new(body, "video_inputs", inputs);
  json_t *dim = json_object();
  json_object_set_new(dim, "width", json_integer(spec->dimension.width));
  json_object_set_new(dim, "height", json_integer(spec->dimension.height));
  json_object_set_new(body, "dimension", dim);
  set_str(body, "title", &spec->title);
  set_bool(body, "test", &spec->test);
  set_bool(body, "caption", &spec->caption);
  set_str(body, "folder_id", &spec->folder);
  set_str(body, "callback_url", &spec->callback_url);
  set_str(body, "callback_id", &spec->callback_id);
  return (Request){"POST", "/v2/video/generate", body};
}
