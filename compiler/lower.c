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
// them. The request is built in ctx->arena (emit.c's Jval), its strings
// borrowed from the spec, which lives there too.
#include "hgc.h"

#include <string.h>

// What lowering builds besides the body: the asset list. Every string
// lowered is valid UTF-8 already: each file is checked as it is read
// (diag.c), -D values and environment variables as they are used
// (vars.c).
typedef struct {
  Arena *a;
  Jval *assets;
} Lower;

static Jval *str_json(Lower *l, const char *s) { return jval_string(l->a, s); }

static void put_json(Lower *l, Jval *o, const char *key, const Jval *v) {
  jval_put(l->a, o, key, v);
}

// Puts the placeholder for asset a at body[key] (whose JSON pointer is
// `pointer`) and records the asset.
static void set_asset(Lower *l, Jval *o, const char *key, const Asset *a,
                      const char *pointer) {
  put_json(l, o, key,
           str_json(l, arena_printf(l->a, "asset:sha256:%s", a->sha256)));
  if (!l->assets)
    l->assets = jval_array(l->a);
  Jval *rec = jval_object(l->a);
  put_json(l, rec, "pointer", str_json(l, pointer));
  put_json(l, rec, "path", str_json(l, a->path));
  put_json(l, rec, "sha256", str_json(l, a->sha256));
  put_json(l, rec, "mime", str_json(l, a->mime));
  jval_push(l->a, l->assets, rec);
}

static void set_str(Lower *l, Jval *o, const char *key, const Str *s) {
  if (s->s)
    put_json(l, o, key, str_json(l, s->s));
}

static Jval *num_json(Lower *l, const Num *n) {
  return n->is_int ? jval_int(l->a, n->i) : jval_real(l->a, n->d);
}

static void set_num(Lower *l, Jval *o, const char *key, const Num *n) {
  if (n->set)
    put_json(l, o, key, num_json(l, n));
}

static void set_bool(Lower *l, Jval *o, const char *key, const Bool *b) {
  if (b->set)
    put_json(l, o, key, jval_bool(l->a, b->v));
}

// Seconds that hgc computed: an integer when whole (2, not 2.0).
static Jval *seconds_json(Lower *l, long ms) {
  return ms % 1000 == 0 ? jval_int(l->a, ms / 1000)
                        : jval_real(l->a, ms / 1000.0);
}

// character = {type, avatar_id | talking_photo_id, avatar_style?, scale?,
//              offset?: {x, y}}
static Jval *lower_character(Lower *l, const Character *c) {
  Jval *o = jval_object(l->a);
  bool avatar = c->kind == CHAR_AVATAR;
  put_json(l, o, "type", str_json(l, avatar ? "avatar" : "talking_photo"));
  set_str(l, o, avatar ? "avatar_id" : "talking_photo_id", &c->id);
  set_str(l, o, "avatar_style", &c->style);
  set_num(l, o, "scale", &c->scale);
  if (c->offset_x.set) {
    Jval *off = jval_object(l->a);
    put_json(l, off, "x", num_json(l, &c->offset_x));
    put_json(l, off, "y", num_json(l, &c->offset_y));
    put_json(l, o, "offset", off);
  }
  return o;
}

// voice = {type: text, voice_id, input_text, speed?, pitch?}
//       | {type: audio, audio_url | audio_asset_id}
//       | {type: silence, duration}
static Jval *lower_voice(Lower *l, int scene, const Voice *v,
                         const Speech *sp) {
  Jval *o = jval_object(l->a);
  switch (sp->kind) {
  case SPEECH_SCRIPT:
    put_json(l, o, "type", str_json(l, "text"));
    set_str(l, o, "voice_id", &v->id);
    put_json(l, o, "input_text", str_json(l, sp->script.text));
    set_num(l, o, "speed", &v->speed);
    set_num(l, o, "pitch", &v->pitch);
    break;
  case SPEECH_AUDIO:
    put_json(l, o, "type", str_json(l, "audio"));
    set_str(l, o, "audio_url", &sp->audio_url);
    if (sp->audio)
      set_asset(l, o, "audio_asset_id", sp->audio,
                arena_printf(l->a,
                             "/video_inputs/%d/voice/audio_asset_id", scene));
    break;
  case SPEECH_SILENCE:
    put_json(l, o, "type", str_json(l, "silence"));
    put_json(l, o, "duration", seconds_json(l, sp->silence_ms));
    break;
  case SPEECH_NONE:
    unreachable();
  }
  return o;
}

// background = {type: color, value}
//            | {type: image|video, url | image_asset_id | video_asset_id,
//               fit?}
static Jval *lower_background(Lower *l, int scene, const Background *bg) {
  static const char *const types[] = {NULL, "color", "image", "video"};
  Jval *o = jval_object(l->a);
  put_json(l, o, "type", str_json(l, types[bg->kind]));
  if (bg->kind == BG_COLOR)
    set_str(l, o, "value", &bg->color);
  else
    set_str(l, o, "url", &bg->url);
  if (bg->asset) {
    const char *key =
        bg->kind == BG_IMAGE ? "image_asset_id" : "video_asset_id";
    set_asset(l, o, key, bg->asset,
              arena_printf(l->a, "/video_inputs/%d/background/%s",
                           scene, key));
  }
  set_str(l, o, "fit", &bg->fit);
  return o;
}

static void set_dimension(Lower *l, Jval *body, const Dimension *d) {
  Jval *dim = jval_object(l->a);
  put_json(l, dim, "width", jval_int(l->a, d->width));
  put_json(l, dim, "height", jval_int(l->a, d->height));
  put_json(l, body, "dimension", dim);
}

static void set_callback(Lower *l, Jval *body, const Spec *spec) {
  set_str(l, body, "callback_url", &spec->callback_url);
  set_str(l, body, "callback_id", &spec->callback_id);
}

// video = {video_inputs: [...], dimension, title?, test?, caption?,
//          folder_id?, callback_*?}
static Jval *lower_video(Lower *l, const Spec *spec) {
  Jval *body = jval_object(l->a);
  Jval *inputs = jval_array(l->a);
  for (int i = 0; i < spec->nscenes; i++) {
    const Scene *s = &spec->scenes[i];
    Jval *in = jval_object(l->a);
    put_json(l, in, "character", lower_character(l, &s->character));
    put_json(l, in, "voice", lower_voice(l, i, &s->voice, &s->speech));
    if (s->background.kind != BG_NONE)
      put_json(l, in, "background", lower_background(l, i, &s->background));
    jval_push(l->a, inputs, in);
  }
  put_json(l, body, "video_inputs", inputs);
  set_dimension(l, body, &spec->dimension);
  set_str(l, body, "title", &spec->title);
  set_bool(l, body, "test", &spec->test);
  set_bool(l, body, "caption", &spec->caption);
  set_str(l, body, "folder_id", &spec->folder);
  set_callback(l, body, spec);
  return body;
}

// webm = {avatar_pose_id, avatar_style, input_text + voice_id |
//         input_audio, dimension}
static Jval *lower_webm(Lower *l, const Spec *spec) {
  const Scene *s = &spec->scenes[0];
  Jval *body = jval_object(l->a);
  set_str(l, body, "avatar_pose_id", &s->character.id);
  set_str(l, body, "avatar_style", &s->character.style);
  if (s->speech.kind == SPEECH_SCRIPT) {
    put_json(l, body, "input_text", str_json(l, s->speech.script.text));
    set_str(l, body, "voice_id", &s->voice.id);
  } else {
    set_str(l, body, "input_audio", &s->speech.audio_url);
  }
  set_dimension(l, body, &spec->dimension);
  return body;
}

// agent = {prompt, config?: {duration_sec, avatar_id, orientation},
//          files?: [{asset_id}], callback_*?}
static Jval *lower_agent(Lower *l, const Spec *spec) {
  const Agent *a = &spec->agent;
  Jval *body = jval_object(l->a);
  put_json(l, body, "prompt", str_json(l, a->prompt));
  Jval *config = jval_object(l->a);
  if (a->duration_ms)
    put_json(l, config, "duration_sec", seconds_json(l, a->duration_ms));
  set_str(l, config, "avatar_id", &a->avatar);
  set_str(l, config, "orientation", &a->orientation);
  if (config->n)
    put_json(l, body, "config", config);
  if (a->nfiles) {
    Jval *files = jval_array(l->a);
    for (int i = 0; i < a->nfiles; i++) {
      Jval *f = jval_object(l->a);
      if (a->files[i].asset)
        set_asset(l, f, "asset_id", a->files[i].asset,
                  arena_printf(l->a, "/files/%d/asset_id", i));
      else
        set_str(l, f, "asset_id", &a->files[i].asset_id);
      jval_push(l->a, files, f);
    }
    put_json(l, body, "files", files);
  }
  set_callback(l, body, spec);
  return body;
}

// template = {variables: {NAME: TEXT}, title?, test?, callback_*?}
static Jval *lower_template(Lower *l, const Spec *spec) {
  const Template *t = &spec->tmpl;
  Jval *body = jval_object(l->a);
  Jval *vars = jval_object(l->a);
  for (int i = 0; i < t->nvars; i++)
    put_json(l, vars, t->names[i].s, str_json(l, t->values[i].s));
  put_json(l, body, "variables", vars);
  set_str(l, body, "title", &spec->title);
  set_bool(l, body, "test", &spec->test);
  set_callback(l, body, spec);
  return body;
}

// translate = {video_url | video_id, output_language, title?,
//              translate_audio_only?, speaker_num?, callback_*?}
static Jval *lower_translate(Lower *l, const Spec *spec) {
  const Translate *t = &spec->translate;
  Jval *body = jval_object(l->a);
  set_str(l, body, "video_url", &t->video_url);
  set_str(l, body, "video_id", &t->video_id);
  set_str(l, body, "output_language", &t->output_language);
  set_str(l, body, "title", &spec->title);
  set_bool(l, body, "translate_audio_only", &t->audio_only);
  set_num(l, body, "speaker_num", &t->speakers);
  set_callback(l, body, spec);
  return body;
}

//
// The v3 back end (heygen-api-v3.md): same Spec, other shapes. What v3
// cannot express was refused by validate.c, so nothing here is dropped.
//

// AssetInput = {type: url, url} | {type: asset_id, asset_id}
static Jval *asset_input(Lower *l, const Str *url, const Asset *a,
                         const char *pointer) {
  Jval *o = jval_object(l->a);
  put_json(l, o, "type", str_json(l, a ? "asset_id" : "url"));
  if (a)
    set_asset(l, o, "asset_id", a,
              arena_printf(l->a, "%s/asset_id", pointer));
  else
    set_str(l, o, "url", url);
  return o;
}

// voice_settings = {speed?, pitch?, volume?, locale?}, or nothing
static void set_voice_settings(Lower *l, Jval *o, const Voice *v) {
  Jval *vs = jval_object(l->a);
  set_num(l, vs, "speed", &v->speed);
  set_num(l, vs, "pitch", &v->pitch);
  set_num(l, vs, "volume", &v->volume);
  set_str(l, vs, "locale", &v->locale);
  if (vs->n)
    put_json(l, o, "voice_settings", vs);
}

// Speech on a v3 avatar or image input: script + voice_id | audio_url |
// audio_asset_id, with voice_settings for a script.
static void set_speech_v3(Lower *l, Jval *o, const Scene *s,
                          const char *pointer) {
  const Speech *sp = &s->speech;
  if (sp->kind == SPEECH_SCRIPT) {
    put_json(l, o, "script", str_json(l, sp->script.text));
    set_str(l, o, "voice_id", &s->voice.id);
    set_voice_settings(l, o, &s->voice);
  } else if (sp->audio) {
    set_asset(l, o, "audio_asset_id", sp->audio,
              arena_printf(l->a, "%s/audio_asset_id", pointer));
  } else {
    set_str(l, o, "audio_url", &sp->audio_url);
  }
}

// The speaker: an avatar look ({type: avatar, avatar_id, engine?}) or a
// photo ({type: image, image: AssetInput}), with the v3 motion fields.
static void set_character_v3(Lower *l, Jval *o, const Character *c,
                             const char *pointer) {
  bool image = c->image || c->image_url.s;
  put_json(l, o, "type", str_json(l, image ? "image" : "avatar"));
  if (image) {
    put_json(l, o, "image",
             asset_input(l, &c->image_url, c->image,
                         arena_printf(l->a, "%s/image", pointer)));
  } else {
    set_str(l, o, "avatar_id", &c->id);
    if (c->engine.s) {
      Jval *engine = jval_object(l->a);
      put_json(l, engine, "type", str_json(l, c->engine.s));
      put_json(l, o, "engine", engine);
    }
  }
  set_str(l, o, "motion_prompt", &c->motion_prompt);
  set_str(l, o, "expressiveness", &c->expressiveness);
}

static void set_canvas_v3(Lower *l, Jval *body, const Spec *spec) {
  put_json(l, body, "aspect_ratio", str_json(l, spec->dimension.aspect));
  put_json(l, body, "resolution", str_json(l, spec->dimension.resolution));
}

// caption: true -> an SRT sidecar; {style: default} also burns it in.
static void set_caption_v3(Lower *l, Jval *body, const Spec *spec) {
  if (!(spec->caption.set && spec->caption.v) && !spec->caption_style.s)
    return;
  Jval *c = jval_object(l->a);
  put_json(l, c, "file_format", str_json(l, "srt"));
  set_str(l, c, "style", &spec->caption_style);
  put_json(l, body, "caption", c);
}

// One speaking clip: {type: avatar | image, speech, background?, canvas,
// title?, caption?, callback?, remove_background?, output_format?}
static Jval *lower_clip_v3(Lower *l, const Spec *spec) {
  const Scene *s = &spec->scenes[0];
  Jval *body = jval_object(l->a);
  set_character_v3(l, body, &s->character, "");
  set_speech_v3(l, body, s, "");
  const Background *bg = &s->background;
  if (bg->kind != BG_NONE) {
    Jval *b = jval_object(l->a);
    put_json(l, b, "type",
             str_json(l, bg->kind == BG_COLOR ? "color" : "image"));
    if (bg->kind == BG_COLOR)
      set_str(l, b, "value", &bg->color);
    else if (bg->asset)
      set_asset(l, b, "asset_id", bg->asset, "/background/asset_id");
    else
      set_str(l, b, "url", &bg->url);
    put_json(l, body, "background", b);
  }
  if (spec->kind == KIND_WEBM)
    put_json(l, body, "output_format", str_json(l, "webm"));
  set_canvas_v3(l, body, spec);
  set_str(l, body, "title", &spec->title);
  set_caption_v3(l, body, spec);
  set_bool(l, body, "remove_background", &spec->remove_background);
  set_callback(l, body, spec);
  return body;
}

// Several scenes: {type: studio, scenes: [avatar_video | image], canvas,
// title?, caption?, callback?}. A speaking scene is an avatar_video whose
// background can only be a colour; a silent one is its image background
// held for its duration, with no avatar on screen (the documented price
// of v3's silence: docs/v2-or-v3.md).
static Jval *lower_studio_v3(Lower *l, const Spec *spec) {
  Jval *body = jval_object(l->a);
  put_json(l, body, "type", str_json(l, "studio"));
  Jval *scenes = jval_array(l->a);
  for (int i = 0; i < spec->nscenes; i++) {
    const Scene *s = &spec->scenes[i];
    const char *ptr = arena_printf(l->a, "/scenes/%d", i);
    Jval *scene = jval_object(l->a);
    if (s->speech.kind == SPEECH_SILENCE) {
      put_json(l, scene, "type", str_json(l, "image"));
      put_json(l, scene, "source",
               asset_input(l, &s->background.url, s->background.asset,
                           arena_printf(l->a, "%s/source", ptr)));
      put_json(l, scene, "duration", seconds_json(l, s->speech.silence_ms));
    } else {
      const char *in_ptr = arena_printf(l->a, "%s/input", ptr);
      Jval *input = jval_object(l->a);
      set_character_v3(l, input, &s->character, in_ptr);
      set_speech_v3(l, input, s, in_ptr);
      if (s->background.kind == BG_COLOR) {
        Jval *b = jval_object(l->a);
        put_json(l, b, "type", str_json(l, "color"));
        set_str(l, b, "color", &s->background.color);
        put_json(l, input, "background", b);
      }
      put_json(l, scene, "type", str_json(l, "avatar_video"));
      put_json(l, scene, "input", input);
    }
    jval_push(l->a, scenes, scene);
  }
  put_json(l, body, "scenes", scenes);
  set_canvas_v3(l, body, spec);
  set_str(l, body, "title", &spec->title);
  set_caption_v3(l, body, spec);
  set_callback(l, body, spec);
  return body;
}

// True when the video fits one clip: one scene that speaks.
static bool is_clip(const Spec *spec) {
  return spec->kind == KIND_WEBM ||
         (spec->nscenes == 1 && spec->scenes[0].speech.kind != SPEECH_SILENCE);
}

// agent = {prompt, avatar_id?, orientation?, style_id?, files?:
//          [AssetInput], callback_*?}
static Jval *lower_agent_v3(Lower *l, const Spec *spec) {
  const Agent *a = &spec->agent;
  Jval *body = jval_object(l->a);
  put_json(l, body, "prompt", str_json(l, a->prompt));
  set_str(l, body, "avatar_id", &a->avatar);
  set_str(l, body, "orientation", &a->orientation);
  set_str(l, body, "style_id", &a->style_id);
  if (a->nfiles) {
    Jval *files = jval_array(l->a);
    for (int i = 0; i < a->nfiles; i++) {
      const AgentFile *f = &a->files[i];
      Jval *o = jval_object(l->a);
      put_json(l, o, "type", str_json(l, "asset_id"));
      if (f->asset)
        set_asset(l, o, "asset_id", f->asset,
                  arena_printf(l->a, "/files/%d/asset_id", i));
      else
        set_str(l, o, "asset_id", &f->asset_id);
      jval_push(l->a, files, o);
    }
    put_json(l, body, "files", files);
  }
  set_callback(l, body, spec);
  return body;
}

// translate = {video: AssetInput, output_languages: [LANG], title?,
//              translate_audio_only?, speaker_num?, mode?, callback_*?}
static Jval *lower_translate_v3(Lower *l, const Spec *spec) {
  const Translate *t = &spec->translate;
  Jval *body = jval_object(l->a);
  put_json(l, body, "video", asset_input(l, &t->video_url, NULL, "/video"));
  Jval *langs = jval_array(l->a);
  jval_push(l->a, langs, str_json(l, t->output_language.s));
  put_json(l, body, "output_languages", langs);
  set_str(l, body, "title", &spec->title);
  set_bool(l, body, "translate_audio_only", &t->audio_only);
  set_num(l, body, "speaker_num", &t->speakers);
  set_str(l, body, "mode", &t->mode);
  set_callback(l, body, spec);
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
    r.path = arena_printf(l->a, "/v3/templates/%s", spec->tmpl.id.s);
    r.body = lower_template(l, spec);
    if (spec->caption.set || spec->caption_style.s)
      put_json(l, r.body, "caption",
               jval_bool(l->a, spec->caption_style.s != NULL));
    break;
  case KIND_TRANSLATE:
    r.path = "/v3/video-translations";
    r.body = lower_translate_v3(l, spec);
    break;
  }
  return r;
}

Request lower_spec(Ctx *ctx, const Spec *spec) {
  Lower l = {ctx->arena, NULL};
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
    r.body = lower_webm(&l, spec);
    break;
  case KIND_AGENT:
    r.path = "/v1/video_agent/generate";
    r.body = lower_agent(&l, spec);
    break;
  case KIND_TEMPLATE:
    r.path =
        arena_printf(ctx->arena, "/v2/template/%s/generate", spec->tmpl.id.s);
    r.body = lower_template(&l, spec);
    break;
  case KIND_TRANSLATE:
    r.path = "/v2/video_translate";
    r.body = lower_translate(&l, spec);
    break;
  }
  r.assets = l.assets;
  return r;
}
