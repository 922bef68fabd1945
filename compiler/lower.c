// SPDX-License-Identifier: MIT
// lower.c: a validated Spec -> its request (method, path, body, assets).
//
// validate.c has already checked every value, so lowering only maps. A
// video becomes /v2/video/generate with one video_inputs item per scene,
// {character, voice, background}; the other kinds map to their own
// endpoints (spec-format.md §5). A local asset leaves the placeholder
// "asset:sha256:<hex>" in the body and a record in `assets` naming its
// JSON pointer, for the runtime to upload and fill in. Keys the user did
// not give are left out, never sent as null; values hgc fills in (the
// default dimension, webm's avatar_style) are written so a reviewer sees
// them. Ownership: each fresh json_t goes straight into its
// parent with the stealing *_new calls; the caller owns the body.
#include "hgc.h"

#include <string.h>

// Every string lowered is valid UTF-8 already: each file is checked as it
// is read (diag.c), -D values and environment variables as they are used
// (vars.c). So keys and values skip jansson's check of each byte, which
// took a tenth of a batch row.
static json_t *str_json(const char *s) { return json_string_nocheck(s); }

static void put_json(json_t *o, const char *key, json_t *v) {
  json_object_set_new_nocheck(o, key, v);
}

// What lowering builds besides the body: the asset list.
typedef struct {
  Ctx *ctx;
  json_t *assets;
} Lower;

// Puts the placeholder for asset a at body[key] (whose JSON pointer is
// `pointer`) and records the asset.
static void set_asset(Lower *l, json_t *o, const char *key, const Asset *a,
                      const char *pointer) {
  put_json(o, key,
           str_json(arena_printf(l->ctx->arena, "asset:sha256:%s", a->sha256)));
  if (!l->assets)
    l->assets = json_array();
  json_t *rec = json_object();
  put_json(rec, "pointer", str_json(pointer));
  put_json(rec, "path", str_json(a->path));
  put_json(rec, "sha256", str_json(a->sha256));
  put_json(rec, "mime", str_json(a->mime));
  json_array_append_new(l->assets, rec);
}

static void set_str(json_t *o, const char *key, const Str *s) {
  if (s->s)
    put_json(o, key, str_json(s->s));
}

static json_t *num_json(const Num *n) {
  return n->is_int ? json_integer(n->i) : json_real(n->d);
}

static void set_num(json_t *o, const char *key, const Num *n) {
  if (n->set)
    put_json(o, key, num_json(n));
}

static void set_bool(json_t *o, const char *key, const Bool *b) {
  if (b->set)
    put_json(o, key, json_boolean(b->v));
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
  put_json(o, "type", str_json(avatar ? "avatar" : "talking_photo"));
  set_str(o, avatar ? "avatar_id" : "talking_photo_id", &c->id);
  set_str(o, "avatar_style", &c->style);
  set_num(o, "scale", &c->scale);
  if (c->offset_x.set) {
    json_t *off = json_object();
    put_json(off, "x", num_json(&c->offset_x));
    put_json(off, "y", num_json(&c->offset_y));
    put_json(o, "offset", off);
  }
  return o;
}

// voice = {type: text, voice_id, input_text, speed?, pitch?}
//       | {type: audio, audio_url | audio_asset_id}
//       | {type: silence, duration}
static json_t *lower_voice(Lower *l, int scene, const Voice *v,
                           const Speech *sp) {
  json_t *o = json_object();
  switch (sp->kind) {
  case SPEECH_SCRIPT:
    put_json(o, "type", str_json("text"));
    set_str(o, "voice_id", &v->id);
    put_json(o, "input_text", str_json(sp->script.text));
    set_num(o, "speed", &v->speed);
    set_num(o, "pitch", &v->pitch);
    break;
  case SPEECH_AUDIO:
    put_json(o, "type", str_json("audio"));
    set_str(o, "audio_url", &sp->audio_url);
    if (sp->audio)
      set_asset(l, o, "audio_asset_id", sp->audio,
                arena_printf(l->ctx->arena,
                             "/video_inputs/%d/voice/audio_asset_id", scene));
    break;
  case SPEECH_SILENCE:
    put_json(o, "type", str_json("silence"));
    put_json(o, "duration", seconds_json(sp->silence_ms));
    break;
  case SPEECH_NONE:
    unreachable();
  }
  return o;
}

// background = {type: color, value}
//            | {type: image|video, url | image_asset_id | video_asset_id,
//               fit?}
static json_t *lower_background(Lower *l, int scene, const Background *bg) {
  static const char *const types[] = {NULL, "color", "image", "video"};
  json_t *o = json_object();
  put_json(o, "type", str_json(types[bg->kind]));
  if (bg->kind == BG_COLOR)
    set_str(o, "value", &bg->color);
  else
    set_str(o, "url", &bg->url);
  if (bg->asset) {
    const char *key =
        bg->kind == BG_IMAGE ? "image_asset_id" : "video_asset_id";
    set_asset(l, o, key, bg->asset,
              arena_printf(l->ctx->arena, "/video_inputs/%d/background/%s",
                           scene, key));
  }
  set_str(o, "fit", &bg->fit);
  return o;
}

static void set_dimension(json_t *body, const Dimension *d) {
  json_t *dim = json_object();
  put_json(dim, "width", json_integer(d->width));
  put_json(dim, "height", json_integer(d->height));
  put_json(body, "dimension", dim);
}

static void set_callback(json_t *body, const Spec *spec) {
  set_str(body, "callback_url", &spec->callback_url);
  set_str(body, "callback_id", &spec->callback_id);
}

// video = {video_inputs: [...], dimension, title?, test?, caption?,
//          folder_id?, callback_*?}
static json_t *lower_video(Lower *l, const Spec *spec) {
  json_t *body = json_object();
  json_t *inputs = json_array();
  for (int i = 0; i < spec->nscenes; i++) {
    const Scene *s = &spec->scenes[i];
    json_t *in = json_object();
    put_json(in, "character", lower_character(&s->character));
    put_json(in, "voice", lower_voice(l, i, &s->voice, &s->speech));
    if (s->background.kind != BG_NONE)
      put_json(in, "background", lower_background(l, i, &s->background));
    json_array_append_new(inputs, in);
  }
  put_json(body, "video_inputs", inputs);
  set_dimension(body, &spec->dimension);
  set_str(body, "title", &spec->title);
  set_bool(body, "test", &spec->test);
  set_bool(body, "caption", &spec->caption);
  set_str(body, "folder_id", &spec->folder);
  set_callback(body, spec);
  return body;
}

// webm = {avatar_pose_id, avatar_style, input_text + voice_id |
//         input_audio, dimension}
static json_t *lower_webm(const Spec *spec) {
  const Scene *s = &spec->scenes[0];
  json_t *body = json_object();
  set_str(body, "avatar_pose_id", &s->character.id);
  set_str(body, "avatar_style", &s->character.style);
  if (s->speech.kind == SPEECH_SCRIPT) {
    put_json(body, "input_text", str_json(s->speech.script.text));
    set_str(body, "voice_id", &s->voice.id);
  } else {
    set_str(body, "input_audio", &s->speech.audio_url);
  }
  set_dimension(body, &spec->dimension);
  return body;
}

// agent = {prompt, config?: {duration_sec, avatar_id, orientation},
//          files?: [{asset_id}], callback_*?}
static json_t *lower_agent(Lower *l, const Spec *spec) {
  const Agent *a = &spec->agent;
  json_t *body = json_object();
  put_json(body, "prompt", str_json(a->prompt));
  json_t *config = json_object();
  if (a->duration_ms)
    put_json(config, "duration_sec", seconds_json(a->duration_ms));
  set_str(config, "avatar_id", &a->avatar);
  set_str(config, "orientation", &a->orientation);
  if (json_object_size(config))
    put_json(body, "config", config);
  else
    json_decref(config);
  if (a->nfiles) {
    json_t *files = json_array();
    for (int i = 0; i < a->nfiles; i++) {
      json_t *f = json_object();
      if (a->files[i].asset)
        set_asset(l, f, "asset_id", a->files[i].asset,
                  arena_printf(l->ctx->arena, "/files/%d/asset_id", i));
      else
        set_str(f, "asset_id", &a->files[i].asset_id);
      json_array_append_new(files, f);
    }
    put_json(body, "files", files);
  }
  set_callback(body, spec);
  return body;
}

// template = {variables: {NAME: TEXT}, title?, test?, callback_*?}
static json_t *lower_template(const Spec *spec) {
  const Template *t = &spec->tmpl;
  json_t *body = json_object();
  json_t *vars = json_object();
  for (int i = 0; i < t->nvars; i++)
    put_json(vars, t->names[i].s, str_json(t->values[i].s));
  put_json(body, "variables", vars);
  set_str(body, "title", &spec->title);
  set_bool(body, "test", &spec->test);
  set_callback(body, spec);
  return body;
}

// translate = {video_url | video_id, output_language, title?,
//              translate_audio_only?, speaker_num?, callback_*?}
static json_t *lower_translate(const Spec *spec) {
  const Translate *t = &spec->translate;
  json_t *body = json_object();
  set_str(body, "video_url", &t->video_url);
  set_str(body, "video_id", &t->video_id);
  set_str(body, "output_language", &t->output_language);
  set_str(body, "title", &spec->title);
  set_bool(body, "translate_audio_only", &t->audio_only);
  set_num(body, "speaker_num", &t->speakers);
  set_callback(body, spec);
  return body;
}

//
// The v3 back end (heygen-api-v3.md): same Spec, other shapes. What v3
// cannot express was refused by validate.c, so nothing here is dropped.
//

// AssetInput = {type: url, url} | {type: asset_id, asset_id}
static json_t *asset_input(Lower *l, const Str *url, const Asset *a,
                           const char *pointer) {
  json_t *o = json_object();
  put_json(o, "type", str_json(a ? "asset_id" : "url"));
  if (a)
    set_asset(l, o, "asset_id", a,
              arena_printf(l->ctx->arena, "%s/asset_id", pointer));
  else
    set_str(o, "url", url);
  return o;
}

// voice_settings = {speed?, pitch?, volume?, locale?}, or nothing
static void set_voice_settings(json_t *o, const Voice *v) {
  json_t *vs = json_object();
  set_num(vs, "speed", &v->speed);
  set_num(vs, "pitch", &v->pitch);
  set_num(vs, "volume", &v->volume);
  set_str(vs, "locale", &v->locale);
  if (json_object_size(vs))
    put_json(o, "voice_settings", vs);
  else
    json_decref(vs);
}

// Speech on a v3 avatar or image input: script + voice_id | audio_url |
// audio_asset_id, with voice_settings for a script.
static void set_speech_v3(Lower *l, json_t *o, const Scene *s,
                          const char *pointer) {
  const Speech *sp = &s->speech;
  if (sp->kind == SPEECH_SCRIPT) {
    put_json(o, "script", str_json(sp->script.text));
    set_str(o, "voice_id", &s->voice.id);
    set_voice_settings(o, &s->voice);
  } else if (sp->audio) {
    set_asset(l, o, "audio_asset_id", sp->audio,
              arena_printf(l->ctx->arena, "%s/audio_asset_id", pointer));
  } else {
    set_str(o, "audio_url", &sp->audio_url);
  }
}

// The speaker: an avatar look ({type: avatar, avatar_id, engine?}) or a
// photo ({type: image, image: AssetInput}), with the v3 motion fields.
static void set_character_v3(Lower *l, json_t *o, const Character *c,
                             const char *pointer) {
  bool image = c->image || c->image_url.s;
  put_json(o, "type", str_json(image ? "image" : "avatar"));
  if (image) {
    put_json(o, "image",
             asset_input(l, &c->image_url, c->image,
                         arena_printf(l->ctx->arena, "%s/image", pointer)));
  } else {
    set_str(o, "avatar_id", &c->id);
    if (c->engine.s) {
      json_t *engine = json_object();
      put_json(engine, "type", str_json(c->engine.s));
      put_json(o, "engine", engine);
    }
  }
  set_str(o, "motion_prompt", &c->motion_prompt);
  set_str(o, "expressiveness", &c->expressiveness);
}

static void set_canvas_v3(json_t *body, const Spec *spec) {
  put_json(body, "aspect_ratio", str_json(spec->dimension.aspect));
  put_json(body, "resolution", str_json(spec->dimension.resolution));
}

// caption: true -> an SRT sidecar; {style: default} also burns it in.
static void set_caption_v3(json_t *body, const Spec *spec) {
  if (!(spec->caption.set && spec->caption.v) && !spec->caption_style.s)
    return;
  json_t *c = json_object();
  put_json(c, "file_format", str_json("srt"));
  set_str(c, "style", &spec->caption_style);
  put_json(body, "caption", c);
}

// One speaking clip: {type: avatar | image, speech, background?, canvas,
// title?, caption?, callback?, remove_background?, output_format?}
static json_t *lower_clip_v3(Lower *l, const Spec *spec) {
  const Scene *s = &spec->scenes[0];
  json_t *body = json_object();
  set_character_v3(l, body, &s->character, "");
  set_speech_v3(l, body, s, "");
  const Background *bg = &s->background;
  if (bg->kind != BG_NONE) {
    json_t *b = json_object();
    put_json(b, "type", str_json(bg->kind == BG_COLOR ? "color" : "image"));
    if (bg->kind == BG_COLOR)
      set_str(b, "value", &bg->color);
    else if (bg->asset)
      set_asset(l, b, "asset_id", bg->asset, "/background/asset_id");
    else
      set_str(b, "url", &bg->url);
    put_json(body, "background", b);
  }
  if (spec->kind == KIND_WEBM)
    put_json(body, "output_format", str_json("webm"));
  set_canvas_v3(body, spec);
  set_str(body, "title", &spec->title);
  set_caption_v3(body, spec);
  set_bool(body, "remove_background", &spec->remove_background);
  set_callback(body, spec);
  return body;
}

// Several scenes: {type: studio, scenes: [avatar_video | image], canvas,
// title?, caption?, callback?}. A speaking scene is an avatar_video whose
// background can only be a colour; a silent one is its image background
// held for its duration, with no avatar on screen (the documented price
// of v3's silence: docs/v2-or-v3.md).
static json_t *lower_studio_v3(Lower *l, const Spec *spec) {
  json_t *body = json_object();
  put_json(body, "type", str_json("studio"));
  json_t *scenes = json_array();
  for (int i = 0; i < spec->nscenes; i++) {
    const Scene *s = &spec->scenes[i];
    const char *ptr = arena_printf(l->ctx->arena, "/scenes/%d", i);
    json_t *scene = json_object();
    if (s->speech.kind == SPEECH_SILENCE) {
      put_json(scene, "type", str_json("image"));
      put_json(scene, "source",
               asset_input(l, &s->background.url, s->background.asset,
                           arena_printf(l->ctx->arena, "%s/source", ptr)));
      put_json(scene, "duration", seconds_json(s->speech.silence_ms));
    } else {
      const char *in_ptr = arena_printf(l->ctx->arena, "%s/input", ptr);
      json_t *input = json_object();
      set_character_v3(l, input, &s->character, in_ptr);
      set_speech_v3(l, input, s, in_ptr);
      if (s->background.kind == BG_COLOR) {
        json_t *b = json_object();
        put_json(b, "type", str_json("color"));
        set_str(b, "color", &s->background.color);
        put_json(input, "background", b);
      }
      put_json(scene, "type", str_json("avatar_video"));
      put_json(scene, "input", input);
    }
    json_array_append_new(scenes, scene);
  }
  put_json(body, "scenes", scenes);
  set_canvas_v3(body, spec);
  set_str(body, "title", &spec->title);
  set_caption_v3(body, spec);
  set_callback(body, spec);
  return body;
}

// True when the video fits one clip: one scene that speaks.
static bool is_clip(const Spec *spec) {
  return spec->kind == KIND_WEBM ||
         (spec->nscenes == 1 && spec->scenes[0].speech.kind != SPEECH_SILENCE);
}

// agent = {prompt, avatar_id?, orientation?, style_id?, files?:
//          [AssetInput], callback_*?}
static json_t *lower_agent_v3(Lower *l, const Spec *spec) {
  const Agent *a = &spec->agent;
  json_t *body = json_object();
  put_json(body, "prompt", str_json(a->prompt));
  set_str(body, "avatar_id", &a->avatar);
  set_str(body, "orientation", &a->orientation);
  set_str(body, "style_id", &a->style_id);
  if (a->nfiles) {
    json_t *files = json_array();
    for (int i = 0; i < a->nfiles; i++) {
      const AgentFile *f = &a->files[i];
      json_t *o = json_object();
      put_json(o, "type", str_json("asset_id"));
      if (f->asset)
        set_asset(l, o, "asset_id", f->asset,
                  arena_printf(l->ctx->arena, "/files/%d/asset_id", i));
      else
        set_str(o, "asset_id", &f->asset_id);
      json_array_append_new(files, o);
    }
    put_json(body, "files", files);
  }
  set_callback(body, spec);
  return body;
}

// translate = {video: AssetInput, output_languages: [LANG], title?,
//              translate_audio_only?, speaker_num?, mode?, callback_*?}
static json_t *lower_translate_v3(Lower *l, const Spec *spec) {
  const Translate *t = &spec->translate;
  json_t *body = json_object();
  put_json(body, "video", asset_input(l, &t->video_url, NULL, "/video"));
  json_t *langs = json_array();
  json_array_append_new(langs, str_json(t->output_language.s));
  put_json(body, "output_languages", langs);
  set_str(body, "title", &spec->title);
  set_bool(body, "translate_audio_only", &t->audio_only);
  set_num(body, "speaker_num", &t->speakers);
  set_str(body, "mode", &t->mode);
  set_callback(body, spec);
  return body;
}

static Request lower_v3(Lower *l, const Spec *spec) {
  Request r = {"POST", NULL, NULL, NULL};
  switch (spec->kind) {
  case KIND_VIDEO:
  case KIND_WEBM:
    r.path = "/v3/videos";
    r.body = is_clip(spec) ? lower_clip_v3(l, spec) : lower_studio_v3(l, spec);
    break;
  case KIND_AGENT:
    r.path = "/v3/video-agents";
    r.body = lower_agent_v3(l, spec);
    break;
  case KIND_TEMPLATE:
    // v2's body, without `test` (validate.c lets only test: false through,
    // and unsets it), plus `caption`: one boolean, burned in or not.
    r.path = arena_printf(l->ctx->arena, "/v3/templates/%s", spec->tmpl.id.s);
    r.body = lower_template(spec);
    if (spec->caption.set || spec->caption_style.s)
      put_json(r.body, "caption", json_boolean(spec->caption_style.s != NULL));
    break;
  case KIND_TRANSLATE:
    r.path = "/v3/video-translations";
    r.body = lower_translate_v3(l, spec);
    break;
  }
  return r;
}

Request lower_spec(Ctx *ctx, const Spec *spec) {
  Lower l = {ctx, NULL};
  Request r = {"POST", NULL, NULL, NULL};
  if (spec->api == API_V3) {
    r = lower_v3(&l, spec);
    r.assets = l.assets;
    return r;
  }
  switch (spec->kind) {
  case KIND_VIDEO:
    r.path = "/v2/video/generate";
    r.body = lower_video(&l, spec);
    break;
  case KIND_WEBM:
    r.path = "/v1/video.webm";
    r.body = lower_webm(spec);
    break;
  case KIND_AGENT:
    r.path = "/v1/video_agent/generate";
    r.body = lower_agent(&l, spec);
    break;
  case KIND_TEMPLATE:
    r.path =
        arena_printf(ctx->arena, "/v2/template/%s/generate", spec->tmpl.id.s);
    r.body = lower_template(spec);
    break;
  case KIND_TRANSLATE:
    r.path = "/v2/video_translate";
    r.body = lower_translate(spec);
    break;
  }
  r.assets = l.assets;
  return r;
}
