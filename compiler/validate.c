// SPDX-License-Identifier: MIT
// validate.c: a merged, expanded spec document -> a typed Spec.
//
// Input is the Node tree after includes and variables; output is a Spec
// whose every field is checked against spec-format.md and the API's
// ranges, so lower.c can map it without a single check of its own.
// Every problem is reported (unknown keys with a did-you-mean, wrong
// types, ranges, missing slots) and validation goes on, so one run shows
// them all, each once: a slot whose key was misspelt or whose value was
// wrong is not reported missing as well. The Spec is returned only when
// there was no error.
//
// Scenes have four slots (character, voice, speech, background). The
// `defaults` map is parsed once into the same structs, and each scene
// takes the default for a slot it leaves empty; character and voice merge
// field by field, the scene winning (spec-format.md §9 "Slots").
#include "hgc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct {
  Ctx *ctx;
  const char *where; // "in 'defaults'", for messages about keys; NULL:
  int scene;         // in scene `scene`, formatted only for a message
  SpecKind kind;     // what the spec lowers to
  LocSet said;       // what check_api() reported
} V;

static const char *const KIND_NAMES[] = {"video", "agent", "webm", "template",
                                         "translate"};
// The endpoint of each kind, for messages about keys it lacks.
static const char *const ENDPOINTS[] = {
    "POST /v2/video/generate", "POST /v1/video_agent/generate",
    "POST /v1/video.webm", "POST /v2/template/{id}/generate",
    "POST /v2/video_translate"};

// Where a message about a key is, as v->where and v->scene say.
static const char *where(V *v) {
  return v->where ? v->where
                  : arena_printf(v->ctx->arena, "in scene %d", v->scene);
}

// Reports key as unknown where where() says. The hint is a did-you-mean
// among allowed[], or for a YAML 1.1 merge key ("<<: *base", which the
// core schema hgc reads does not have) what to write instead.
static void unknown_key(V *v, const Node *key, const char *const *allowed,
                        int n) {
  error_at(v->ctx, key->loc,
           strcmp(key->text, "<<") == 0
               ? "merge keys are not supported: use 'defaults:', or repeat "
                 "the keys"
               : diag_did_you_mean(v->ctx, key->text, allowed, n),
           "unknown key '%s' %s", key->text, where(v));
}

// Reports key, with a hint, unless the map of the format (schema.c: the
// only lists of keys) has it. Loops over a map's pairs call it as they
// go, so errors keep the file's order.
static bool known_key(V *v, const Node *key, SchemaMap map) {
  if (schema_find(map, key->text) >= 0)
    return true;
  const char *const *allowed;
  int n = schema_keys(map, &allowed);
  unknown_key(v, key, allowed, n);
  return false;
}

// Reports every key of node not in map; true when there was none.
// Callers skip their "needs 'x'" errors after one: "widht" was the
// width, and one error says so.
static bool check_keys(V *v, const Node *node, SchemaMap map) {
  bool known = true;
  for (int i = 0; i < node->npairs; i++)
    known &= known_key(v, node->pairs[i].key, map);
  return known;
}

// `hint` shows the map form expected ("write offset: {x: 0, y: 0}").
static bool expect_map(V *v, const Node *n, const char *what,
                       const char *hint) {
  if (n->kind == NK_MAP)
    return true;
  error_at(v->ctx, n->loc, hint, "'%s' must be a map, not %s", what,
           node_kind_name(n));
  return false;
}

// A text value: a non-empty string, or a number written plainly (an id
// like 12345 is text, not arithmetic).
static bool get_str(V *v, const Node *n, const char *what, Str *out) {
  if (n->kind != NK_SCALAR) {
    error_at(v->ctx, n->loc, NULL, "'%s' must be a string, not %s", what,
             node_kind_name(n));
    return false;
  }
  ScalarType t = node_type(n);
  if (t == ST_NULL || t == ST_BOOL) {
    error_at(v->ctx, n->loc,
             t == ST_BOOL
                 ? arena_printf(v->ctx->arena, "quote it: \"%s\"", n->text)
                 : "give it a value, or remove the key",
             "'%s' must be a string, not %s", what, node_kind_name(n));
    return false;
  }
  if (n->len == 0 || strlen(n->text) != n->len) {
    error_at(v->ctx, n->loc,
             n->len ? "remove the \\0" : "remove the key, or give it a value",
             n->len ? "'%s' must not contain NUL characters"
                    : "'%s' must not be empty",
             what);
    return false;
  }
  out->s = n->text;
  out->loc = n->loc;
  return true;
}

// Exactly a decimal number: what a quoted or CSV value may hold where a
// number is expected ("1.2", "-3").
static bool is_decimal(const char *s) {
  if (*s == '-' || *s == '+')
    s++;
  if (!(*s >= '0' && *s <= '9'))
    return false;
  while (*s >= '0' && *s <= '9')
    s++;
  if (*s == '.') {
    s++;
    if (!(*s >= '0' && *s <= '9'))
      return false;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  return *s == '\0';
}

static bool get_num(V *v, const Node *n, const char *what, Num *out) {
  ScalarType t = n->kind == NK_SCALAR ? node_type(n) : ST_NULL;
  bool text_num = t == ST_STRING && is_decimal(n->text);
  if (n->kind != NK_SCALAR || (t != ST_INT && t != ST_FLOAT && !text_num)) {
    error_at(v->ctx, n->loc, NULL, "'%s' must be a number, not %s", what,
             node_kind_name(n));
    return false;
  }
  out->set = true;
  out->loc = n->loc;
  out->is_int = t == ST_INT || (text_num && !strchr(n->text, '.'));
  errno = 0;
  char *end;
  if (out->is_int) {
    out->i = strtoll(n->text, &end, 10);
    out->d = (double)out->i;
  } else {
    out->d = strtod(n->text, &end);
  }
  if (errno == ERANGE) {
    error_at(v->ctx, n->loc, NULL, "'%s' is out of range", what);
    return false;
  }
  // YAML's .inf and .nan are floats that strtod does not read at all
  if (*end || !isfinite(out->d)) {
    error_at(v->ctx, n->loc, "write a number such as 1.5",
             "'%s' must be a finite number, not '%s'", what, n->text);
    return false;
  }
  return true;
}

static bool get_range(V *v, const Node *n, const char *what, double lo,
                      double hi, Num *out) {
  if (!get_num(v, n, what, out))
    return false;
  if (out->d >= lo && out->d <= hi)
    return true;
  error_at(v->ctx, n->loc,
           arena_printf(v->ctx->arena, "use %g, the nearest allowed value",
                        out->d < lo ? lo : hi),
           "'%s' must be between %g and %g, not %s", what, lo, hi, n->text);
  out->set = false;
  return false;
}

static bool get_bool(V *v, const Node *n, const char *what, Bool *out) {
  if (n->kind == NK_SCALAR &&
      (strcmp(n->text, "true") == 0 || strcmp(n->text, "false") == 0)) {
    out->set = true;
    out->v = n->text[0] == 't';
    out->loc = n->loc;
    return true;
  }
  static const char *const yes[] = {"yes", "y",   "on", "True", "TRUE",
                                    "Yes", "YES", "On", "ON",   "1"};
  static const char *const no[] = {"no", "n",  "off", "False", "FALSE",
                                   "No", "NO", "Off", "OFF",   "0"};
  const char *hint = NULL;
  for (int i = 0; n->kind == NK_SCALAR && i < COUNT(yes); i++) {
    if (strcmp(n->text, yes[i]) == 0)
      hint = "write true";
    if (strcmp(n->text, no[i]) == 0)
      hint = "write false";
  }
  if (hint)
    error_at(v->ctx, n->loc, hint, "'%s' must be true or false, not '%s'",
             what, n->text);
  else
    error_at(v->ctx, n->loc, NULL, "'%s' must be true or false, not %s",
             what, node_kind_name(n));
  return false;
}

static bool get_enum(V *v, const Node *n, const char *what,
                     const char *const *values, int nvalues, Str *out) {
  if (!get_str(v, n, what, out))
    return false;
  for (int i = 0; i < nvalues; i++)
    if (strcmp(out->s, values[i]) == 0)
      return true;
  char list[256] = "";
  for (int i = 0; i < nvalues; i++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%s'",
             i ? (i == nvalues - 1 ? " or " : ", ") : "", values[i]);
  const char *hint = diag_did_you_mean(v->ctx, out->s, values, nvalues);
  error_at(v->ctx, n->loc, hint ? hint : arena_printf(v->ctx->arena,
                                                      "use %s", list),
           "'%s' must be one of %s, not '%s'", what, list, out->s);
  out->s = NULL;
  return false;
}

// A media URL: http(s), a host, and no white space or control
// characters (the API fetches it as written). A `${` left in it means a
// variable escaped with $${ or a template the user forgot to fill: legal,
// but suspicious.
static bool get_url(V *v, const Node *n, const char *what, Str *out) {
  if (!get_str(v, n, what, out))
    return false;
  const char *s = out->s;
  size_t scheme = strncmp(s, "https://", 8) == 0  ? 8
                  : strncmp(s, "http://", 7) == 0 ? 7
                                                  : 0;
  const char *bad = s + scheme;
  while (*bad && (unsigned char)*bad > ' ' && *bad != 0x7f)
    bad++;
  const char *hint = NULL;
  if (!scheme)
    hint = "write a full URL such as https://...";
  else if (strchr("/?#", s[scheme]))
    hint = "add the host name after '//'";
  else if (*bad == ' ')
    hint = "write each space as %20";
  else if (*bad)
    hint = "remove the control character";
  if (hint) {
    error_at(v->ctx,
             *bad && scheme ? node_text_loc(n, (size_t)(bad - s), NULL)
                            : n->loc,
             hint, "'%s' must be an http(s) URL, not '%s'", what, s);
    out->s = NULL;
    return false;
  }
  const char *p = strstr(out->s, "${");
  if (p)
    warn_at(v->ctx, node_text_loc(n, (size_t)(p - out->s), "${"),
            "define the variable, or remove '${' from the URL",
            "'${' left unexpanded in URL '%s'", out->s);
  return true;
}

// Reports a null value that is really a colour YAML read as a comment:
// `background: #0F172A`. False when no '#' follows the value.
static bool comment_color(V *v, const Node *n, const char *what) {
  SourceFile *f = n->loc.file;
  if (!f || n->loc.line < 1 || !node_is_null(n))
    return false;
  size_t i = diag_offset(f, n->loc.line, n->loc.col);
  while (i < f->len && (f->text[i] == ' ' || f->text[i] == '\t'))
    i++;
  if (i >= f->len || f->text[i] != '#')
    return false;
  size_t end = i;
  while (end < f->len && (unsigned char)f->text[end] > ' ')
    end++;
  error_at(v->ctx, diag_loc(f, i),
           arena_printf(v->ctx->arena, "quote the colour: \"%.*s\"",
                        (int)(end - i), f->text + i),
           "'%s' is empty: an unquoted '#' starts a comment", what);
  return true;
}

// "#abc" or "#aabbcc", normalised to "#AABBCC".
static bool get_color(V *v, const Node *n, const char *what, Str *out) {
  if (comment_color(v, n, what) || !get_str(v, n, what, out))
    return false;
  const char *s = out->s;
  size_t len = strlen(s);
  bool ok = s[0] == '#' && (len == 4 || len == 7);
  for (size_t i = 1; ok && i < len; i++)
    ok = strchr("0123456789abcdefABCDEF", s[i]) != NULL;
  if (!ok) {
    error_at(v->ctx, n->loc, "write a hex colour such as \"#0F172A\"",
             "'%s' must be a colour \"#RRGGBB\", not '%s'", what, s);
    out->s = NULL;
    return false;
  }
  char hex[8] = "#";
  for (size_t i = 1; i < 7; i++) {
    char c = s[len == 4 ? (i + 1) / 2 : i];
    hex[i] = c >= 'a' ? (char)(c - 32) : c;
  }
  out->s = arena_strdup(v->ctx->arena, hex);
  return true;
}

//
// Scenes
//

static const char *const STYLES[] = {"normal", "closeUp", "circle"};
static const char *const FITS[] = {"cover", "contain"};

// character = ID | {id, style?: normal|closeUp|circle, scale?: >0,
//                   offset?: {x, y}, engine?, motion_prompt?,
//                   expressiveness?, image?: URL, asset?: PATH}
// (engine and after: v3 only; image and asset: a v3 talking photo)
static void parse_character(V *v, const Node *n, CharKind kind,
                            const char *key, Character *c) {
  c->kind = kind;
  c->loc = n->loc;
  if (n->kind == NK_SCALAR) {
    get_str(v, n, key, &c->id);
    return;
  }
  if (n->kind != NK_MAP &&
      !expect_map(v, n, key,
                  arena_printf(v->ctx->arena, "write %s: ID or {id: ID}", key)))
    return;
  static const char *const engines[] = {"avatar_iv", "avatar_v", "avatar_iii"};
  static const char *const levels[] = {"high", "medium", "low"};
  const Node *source = NULL; // the first of id, image and asset
  for (int i = 0; i < n->npairs; i++) {
    const char *k = n->pairs[i].key->text;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, n->pairs[i].key, SCHEMA_CHARACTER))
      continue;
    // One speaker: a look by id, or a photo by URL or file, never two.
    if (!strcmp(k, "id") || !strcmp(k, "image") || !strcmp(k, "asset")) {
      if (source) {
        error_at(v->ctx, n->pairs[i].key->loc,
                 "keep one: 'id' names a look, 'image' or 'asset' a photo",
                 "'%s' has both '%s' and '%s'", key, source->text, k);
        continue;
      }
      source = n->pairs[i].key;
    }
    if (strcmp(k, "id") == 0)
      get_str(v, val, "id", &c->id);
    else if (strcmp(k, "engine") == 0)
      get_enum(v, val, "engine", engines, COUNT(engines), &c->engine);
    else if (strcmp(k, "motion_prompt") == 0)
      get_str(v, val, "motion_prompt", &c->motion_prompt);
    else if (strcmp(k, "expressiveness") == 0)
      get_enum(v, val, "expressiveness", levels, COUNT(levels),
               &c->expressiveness);
    else if (strcmp(k, "image") == 0)
      get_url(v, val, "image", &c->image_url);
    else if (strcmp(k, "asset") == 0)
      c->image = asset_load(v->ctx, val, MEDIA_IMAGE);
    else if (strcmp(k, "style") == 0)
      get_enum(v, val, "style", STYLES, COUNT(STYLES), &c->style);
    else if (strcmp(k, "scale") == 0 && get_num(v, val, "scale", &c->scale) &&
             c->scale.d <= 0) {
      error_at(v->ctx, val->loc, "use a number above 0, such as 1.0",
               "'scale' must be greater than 0, not %s", val->text);
      c->scale.set = false;
    } else if (strcmp(k, "offset") == 0 &&
               expect_map(v, val, "offset", "write offset: {x: 0, y: 0}")) {
      bool known = check_keys(v, val, SCHEMA_OFFSET);
      const Node *x = node_get(val, "x");
      const Node *y = node_get(val, "y");
      if ((!x || !y) && known)
        error_at(v->ctx, val->loc, "write offset: {x: 0, y: 0}",
                 "'offset' needs both 'x' and 'y'");
      else if (x && y && get_num(v, x, "x", &c->offset_x))
        get_num(v, y, "y", &c->offset_y);
    }
  }
}

// voice = ID | {id, speed?: 0.5-2.0, pitch?: -20..20,
//              volume?: 0-1 (v3), locale?: TEXT (v3)}
static void parse_voice(V *v, const Node *n, Voice *vo) {
  vo->loc = n->loc;
  if (n->kind == NK_SCALAR) {
    get_str(v, n, "voice", &vo->id);
    return;
  }
  if (!expect_map(v, n, "voice", "write voice: ID or {id: ID, speed: 1.1}"))
    return;
  for (int i = 0; i < n->npairs; i++) {
    const char *k = n->pairs[i].key->text;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, n->pairs[i].key, SCHEMA_VOICE))
      continue;
    if (strcmp(k, "id") == 0)
      get_str(v, val, "id", &vo->id);
    else if (strcmp(k, "volume") == 0)
      get_range(v, val, "volume", 0, 1, &vo->volume);
    else if (strcmp(k, "locale") == 0)
      get_str(v, val, "locale", &vo->locale);
    else if (strcmp(k, "speed") == 0)
      get_range(v, val, "speed", 0.5, 2.0, &vo->speed);
    else if (strcmp(k, "pitch") == 0)
      get_range(v, val, "pitch", -20, 20, &vo->pitch);
  }
}

// background = "#RRGGBB" | {color} | {image: URL, fit?} | {video: URL, fit?}
//            | {asset: PATH, fit?}  (image or video, told by its bytes)
static void parse_background(V *v, const Node *n, Background *bg) {
  bg->loc = n->loc;
  if (n->kind == NK_SCALAR) {
    if (get_color(v, n, "background", &bg->color))
      bg->kind = BG_COLOR;
    return;
  }
  if (!expect_map(v, n, "background",
                  "write background: \"#RRGGBB\" or {image: URL}"))
    return;
  const Node *seen = NULL;
  bool known = true;
  for (int i = 0; i < n->npairs; i++) {
    const Node *key = n->pairs[i].key;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, key, SCHEMA_BACKGROUND)) {
      known = false;
      continue;
    }
    if (strcmp(key->text, "fit") == 0) {
      get_enum(v, val, "fit", FITS, COUNT(FITS), &bg->fit);
      continue;
    }
    if (seen) {
      error_at(v->ctx, key->loc,
               "keep one of 'color', 'image', 'video', 'asset'",
               "background has both '%s' and '%s'", seen->text, key->text);
      continue;
    }
    seen = key;
    if (key->text[0] == 'c' && get_color(v, val, "color", &bg->color))
      bg->kind = BG_COLOR;
    else if (key->text[0] == 'a' &&
             (bg->asset = asset_load(v->ctx, val, MEDIA_IMAGE | MEDIA_VIDEO)))
      bg->kind = strncmp(bg->asset->mime, "image/", 6) == 0 ? BG_IMAGE
                                                            : BG_VIDEO;
    else if ((key->text[0] == 'i' || key->text[0] == 'v') &&
             get_url(v, val, key->text, &bg->url))
      bg->kind = key->text[0] == 'i' ? BG_IMAGE : BG_VIDEO;
  }
  if (!seen && known)
    error_at(v->ctx, n->loc, "add 'color', 'image', 'video' or 'asset'",
             "background needs a 'color', 'image', 'video' or 'asset'");
  else if (bg->fit.s && bg->kind == BG_COLOR)
    error_at(v->ctx, bg->fit.loc, "remove 'fit'",
             "'fit' applies to image and video backgrounds only");
}

// speech = script: TEXT | audio: URL | audio: {asset: PATH}
//        | silence: DURATION
static void parse_speech(V *v, const Node *key, const Node *n, int scene_no,
                         Speech *sp) {
  sp->loc = key->loc;
  if (strcmp(key->text, "script") == 0) {
    if (script_compile(v->ctx, n, scene_no, &sp->script))
      sp->kind = SPEECH_SCRIPT;
  } else if (strcmp(key->text, "audio") == 0) {
    if (n->kind == NK_MAP) {
      const Node *asset = node_get(n, "asset");
      if (check_keys(v, n, SCHEMA_AUDIO_ASSET) && !asset)
        error_at(v->ctx, n->loc, "write audio: {asset: ./voice.mp3}",
                 "'audio' needs a URL or 'asset'");
      else if (asset && (sp->audio = asset_load(v->ctx, asset, MEDIA_AUDIO)))
        sp->kind = SPEECH_AUDIO;
    } else if (get_url(v, n, "audio", &sp->audio_url)) {
      sp->kind = SPEECH_AUDIO;
    }
  } else {
    const char *hint = NULL;
    const char *err = script_duration(v->ctx, n, &sp->silence_ms, &hint);
    if (err)
      error_at(v->ctx, n->loc, hint, "%s", err);
    else
      sp->kind = SPEECH_SILENCE;
  }
}

// The four slots of a scene (spec-format.md §9), as bits.
enum { SLOT_CHAR = 1, SLOT_VOICE = 2, SLOT_SPEECH = 4, SLOT_BG = 8 };

// The slot a scene key fills, or 0: `include`, which include.c splices
// away in a scene, so only `defaults` can still hold one here.
static int slot_of(const char *key) {
  if (!strcmp(key, "avatar") || !strcmp(key, "talking_photo"))
    return SLOT_CHAR;
  if (!strcmp(key, "voice"))
    return SLOT_VOICE;
  if (!strcmp(key, "background"))
    return SLOT_BG;
  if (!strcmp(key, "script") || !strcmp(key, "audio") ||
      !strcmp(key, "silence"))
    return SLOT_SPEECH;
  return 0;
}

// Parses a scene (or `defaults`) map into its slots. Two keys of one slot
// are an error at the second. Returns the slots already reported on: a
// bad value, or an unknown key that looks like a typo of the slot's key
// ("voic"), so that check_scene does not report them missing as well.
static int parse_slots(V *v, const Node *n, int scene_no, Scene *s) {
  s->loc = n->loc;
  const Node *seen[SLOT_BG + 1] = {0}; // by slot bit: the key that took it
  int reported = 0;
  for (int i = 0; i < n->npairs; i++) {
    const Node *key = n->pairs[i].key;
    const Node *val = n->pairs[i].value;
    const char *k = key->text;
    if (!known_key(v, key, SCHEMA_SCENE)) {
      // a merge key may have been meant to fill any slot
      const char *const *keys;
      int nkeys = schema_keys(SCHEMA_SCENE, &keys);
      const char *guess = diag_suggest(k, keys, nkeys);
      reported |= strcmp(k, "<<") == 0 ? SLOT_CHAR | SLOT_VOICE | SLOT_SPEECH
                  : guess              ? slot_of(guess)
                                       : 0;
      continue;
    }
    int slot = slot_of(k);
    if (!slot) {
      unknown_key(v, key, NULL, 0); // `defaults` takes no `include`
      continue;
    }
    if (seen[slot]) {
      error_at(v->ctx, key->loc,
               arena_printf(v->ctx->arena, "keep either '%s' or '%s'",
                            seen[slot]->text, k),
               "'%s' and '%s' cannot be used together %s", seen[slot]->text,
               k, where(v));
      continue;
    }
    seen[slot] = key;
    int errors = v->ctx->nerrors;
    if (slot == SLOT_CHAR)
      parse_character(v, val, k[0] == 'a' ? CHAR_AVATAR : CHAR_TALKING_PHOTO,
                      k, &s->character);
    else if (slot == SLOT_SPEECH)
      parse_speech(v, key, val, scene_no, &s->speech);
    else if (slot == SLOT_VOICE)
      parse_voice(v, val, &s->voice);
    else
      parse_background(v, val, &s->background);
    reported |= v->ctx->nerrors > errors ? slot : 0;
  }
  return reported;
}

static void merge_str(Str *s, const Str *d) {
  if (!s->s)
    *s = *d;
}

static void merge_num(Num *n, const Num *d) {
  if (!n->set)
    *n = *d;
}

// Fills the scene's empty slots from defaults (spec-format.md §9).
static void apply_defaults(Scene *s, const Scene *d, bool has_character,
                           bool has_speech, bool has_voice, bool has_bg) {
  if (!has_character)
    s->character = d->character;
  else if (s->character.kind == d->character.kind) {
    // id, image and asset are one choice: the scene's replaces the default's
    if (!s->character.id.s && !s->character.image &&
        !s->character.image_url.s) {
      s->character.id = d->character.id;
      s->character.image = d->character.image;
      s->character.image_url = d->character.image_url;
    }
    merge_str(&s->character.style, &d->character.style);
    merge_num(&s->character.scale, &d->character.scale);
    if (!s->character.offset_x.set) {
      s->character.offset_x = d->character.offset_x;
      s->character.offset_y = d->character.offset_y;
    }
    merge_str(&s->character.engine, &d->character.engine);
    merge_str(&s->character.motion_prompt, &d->character.motion_prompt);
    merge_str(&s->character.expressiveness, &d->character.expressiveness);
  }
  if (!has_voice)
    s->voice = d->voice;
  else {
    merge_str(&s->voice.id, &d->voice.id);
    merge_num(&s->voice.speed, &d->voice.speed);
    merge_num(&s->voice.pitch, &d->voice.pitch);
    merge_num(&s->voice.volume, &d->voice.volume);
    merge_str(&s->voice.locale, &d->voice.locale);
  }
  if (!has_speech)
    s->speech = d->speech;
  if (!has_bg)
    s->background = d->background;
}

static bool has_any(const Node *n, const char *a, const char *b,
                    const char *c) {
  return node_get(n, a) || (b && node_get(n, b)) || (c && node_get(n, c));
}

// Checks what only the merged scene can tell: a character with an id, one
// speech, a voice for a script. Slots in `reported` (of the scene or the
// defaults) had their error already.
static void check_scene(V *v, const Scene *s, const Node *n, int reported,
                        int no) {
  const char *kind =
      s->character.kind == CHAR_TALKING_PHOTO ? "talking_photo" : "avatar";
  if (!(reported & SLOT_CHAR) && s->character.kind == CHAR_NONE)
    error_at(v->ctx, n->loc, "add 'avatar: ID' here or under 'defaults'",
             "scene %d has no 'avatar' or 'talking_photo'", no);
  else if (!(reported & SLOT_CHAR) && !s->character.id.s &&
           !s->character.image_url.s && !s->character.image)
    error_at(v->ctx, s->character.loc, "add 'id: ...'",
             "'%s' in scene %d has no 'id'", kind, no);
  if (s->speech.kind == SPEECH_NONE && !(reported & SLOT_SPEECH))
    error_at(v->ctx, n->loc, "add 'script', 'audio' or 'silence'",
             "scene %d has nothing to say", no);
  // Online, the avatar's default voice may fill it (online_check).
  if (s->speech.kind == SPEECH_SCRIPT && !s->voice.id.s &&
      !(reported & SLOT_VOICE) && !v->ctx->catalogue) {
    bool avatar = s->character.kind == CHAR_AVATAR;
    const char *hint =
        s->voice.loc.file
            ? (avatar ? "add 'id: ...' to the voice, or build with --online "
                        "to use the avatar's default voice"
                      : "add 'id: ...' to the voice")
            : (avatar ? "add 'voice: ID' to the scene or to 'defaults', or "
                        "build with --online to use the avatar's default "
                        "voice"
                      : "add 'voice: ID' to the scene or to 'defaults'");
    error_at(v->ctx, s->voice.loc.file ? s->voice.loc : n->loc, hint,
             "scene %d has a script but no voice id", no);
  }
}

// `scenes` must be a list of at least one; `hint` says how a scene starts.
static bool expect_scenes(V *v, const Node *n, const char *hint) {
  if (n->kind != NK_SEQ)
    error_at(v->ctx, n->loc, hint, "'scenes' must be a list, not %s",
             node_kind_name(n));
  else if (n->nitems == 0)
    error_at(v->ctx, n->loc, "add at least one scene", "'scenes' is empty");
  return n->kind == NK_SEQ && n->nitems > 0;
}

// Scene no must be a map, whose first key `first` the hint shows with the
// scalar written instead ("write '- avatar: Daisy'"), else `hint`.
static bool expect_scene_map(V *v, const Node *sn, int no, const char *first,
                             const char *hint) {
  if (sn->kind == NK_MAP)
    return true;
  error_at(v->ctx, sn->loc,
           sn->kind == NK_SCALAR && !node_is_null(sn)
               ? arena_printf(v->ctx->arena, "write '- %s: %s'", first,
                              sn->text)
               : hint,
           "scene %d must be a map, not %s", no, node_kind_name(sn));
  return false;
}

static void parse_scenes(V *v, const Node *n, const Node *defaults,
                         Spec *spec) {
  if (!expect_scenes(v, n, "start each scene with '- '"))
    return;
  if (n->nitems > HGC_MAX_SCENES) {
    error_at(v->ctx, n->items[HGC_MAX_SCENES]->loc,
             "split the video into several specs",
             "too many scenes (limit is %d)", HGC_MAX_SCENES);
    return;
  }
  Scene d = {0};
  int d_reported = 0;
  if (defaults && expect_map(v, defaults, "defaults",
                             "write scene keys under it, such as "
                             "'avatar: ID'")) {
    v->where = "in 'defaults'";
    d_reported = parse_slots(v, defaults, 0, &d);
  } else {
    defaults = NULL;
  }
  spec->nscenes = n->nitems;
  spec->scenes = arena_calloc(v->ctx->arena, sizeof(Scene) * n->nitems);
  for (int i = 0; i < n->nitems; i++) {
    const Node *sn = n->items[i];
    Scene *s = &spec->scenes[i];
    v->where = NULL;
    v->scene = i + 1;
    if (!expect_scene_map(v, sn, i + 1, "avatar",
                          "write the scene's keys, such as '- avatar: ID'"))
      continue;
    int reported = parse_slots(v, sn, i + 1, s);
    if (defaults) {
      apply_defaults(s, &d, has_any(sn, "avatar", "talking_photo", NULL),
                     has_any(sn, "script", "audio", "silence"),
                     node_get(sn, "voice") != NULL,
                     node_get(sn, "background") != NULL);
      reported |= d_reported;
    }
    check_scene(v, s, sn, reported, i + 1);
  }
}

//
// Dimensions (spec-format.md §4)
//

typedef struct {
  const char *aspect;
  int w720, h720, w1080, h1080;
} Aspect;

static const Aspect ASPECTS[] = {
    {"16:9", 1280, 720, 1920, 1080}, {"9:16", 720, 1280, 1080, 1920},
    {"1:1", 720, 720, 1080, 1080},   {"4:3", 960, 720, 1440, 1080},
    {"4:5", 576, 720, 1080, 1350},
};

static const char *const DIMENSION_HINT =
    "write 720p, 1080p, \"1920x1080\" or {aspect: \"9:16\"}";

// One side in pixels; `text` is the value as written, for messages.
static bool check_side(V *v, Loc loc, const char *what, long long px,
                       const char *text) {
  if (px < 128 || px > 4096) {
    error_at(v->ctx, loc, "use an even number of pixels from 128 to 4096",
             "'%s' must be between 128 and 4096 pixels, not %s", what, text);
    return false;
  }
  if (px % 2) {
    error_at(v->ctx, loc,
             arena_printf(v->ctx->arena, "use %lld or %lld", px - 1, px + 1),
             "'%s' must be an even number of pixels, not %s", what, text);
    return false;
  }
  return true;
}

static bool get_side(V *v, const Node *n, const char *what, int *out) {
  Num num = {0};
  if (!get_num(v, n, what, &num))
    return false;
  if (!num.is_int) {
    long long even = fabs(num.d) < 1e6 ? round_half_away(num.d / 2) * 2 : 1080;
    error_at(
        v->ctx, n->loc,
        arena_printf(v->ctx->arena, "use a whole number, such as %lld", even),
        "'%s' must be a whole number of pixels, not %s", what, n->text);
    return false;
  }
  *out = (int)(num.i > 100000 || num.i < -100000 ? 0 : num.i);
  return check_side(v, n->loc, what, num.i, n->text);
}

// Digits at s, as a number that saturates past any valid side; *end is
// set after them. -1 when there are none.
static long long side_digits(const char *s, const char **end) {
  long long px = -1;
  for (*end = s; **end >= '0' && **end <= '9'; (*end)++)
    px = px < 0 ? **end - '0' : px > 100000 ? px : px * 10 + (**end - '0');
  return px;
}

// "WxH": both sides are checked, each reported at its own column.
static void parse_wxh(V *v, const Node *n, Dimension *dim) {
  const char *x;
  const char *end;
  long long w = side_digits(n->text, &x);
  long long h = *x == 'x' ? side_digits(x + 1, &end) : -1;
  if (w < 0 || h < 0 || *end) {
    error_at(v->ctx, n->loc, DIMENSION_HINT, "'%s' is not a dimension",
             n->text);
    return;
  }
  size_t hw = (size_t)(x + 1 - n->text);
  bool ok_w = check_side(v, n->loc, "width", w,
                         arena_strndup(v->ctx->arena, n->text, hw - 1));
  bool ok_h = check_side(v, node_text_loc(n, hw, x + 1), "height", h, x + 1);
  if (ok_w && ok_h)
    dim->width = (int)w, dim->height = (int)h;
}

// dimension = 720p | 1080p | "WxH" | {width, height} |
//             {aspect: 16:9|9:16|1:1|4:3|4:5, quality?: 720p|1080p}
static void parse_dimension(V *v, const Node *n, Dimension *dim) {
  dim->loc = n->loc;
  if (n->kind == NK_SCALAR) {
    if (!strcmp(n->text, "720p") || !strcmp(n->text, "1080p")) {
      bool hd = n->text[0] == '1';
      dim->width = hd ? 1920 : 1280;
      dim->height = hd ? 1080 : 720;
    } else {
      parse_wxh(v, n, dim);
    }
    return;
  }
  if (!expect_map(v, n, "dimension", DIMENSION_HINT))
    return;
  v->where = "in 'dimension'";
  bool known = check_keys(v, n, SCHEMA_DIMENSION);
  const Node *aspect = node_get(n, "aspect");
  const Node *quality = node_get(n, "quality");
  const Node *width = node_get(n, "width");
  const Node *height = node_get(n, "height");
  if (aspect && (width || height)) {
    error_at(v->ctx, (width ? width : height)->loc,
             "give either 'aspect' or 'width' and 'height'",
             "'aspect' and '%s' cannot be used together",
             width ? "width" : "height");
    return;
  }
  if (aspect) {
    // 5:4, auto and 4k exist in v3 only: they leave width 0, and
    // check_api() refuses them under v2.
    static const char *const names[] = {"16:9", "9:16", "1:1", "4:3",
                                        "4:5",  "5:4",  "auto"};
    static const char *const qualities[] = {"720p", "1080p", "4k"};
    Str a = {0};
    Str q = {0};
    bool ok = get_enum(v, aspect, "aspect", names, COUNT(names), &a);
    if (quality)
      ok = get_enum(v, quality, "quality", qualities, COUNT(qualities), &q) &&
           ok;
    if (!ok)
      return;
    dim->aspect = a.s;
    dim->resolution = q.s ? q.s : "1080p";
    bool hd = !strcmp(dim->resolution, "1080p");
    for (int i = 0; i < COUNT(ASPECTS); i++)
      if (!strcmp(a.s, ASPECTS[i].aspect) &&
          strcmp(dim->resolution, "4k") != 0) {
        dim->width = hd ? ASPECTS[i].w1080 : ASPECTS[i].w720;
        dim->height = hd ? ASPECTS[i].h1080 : ASPECTS[i].h720;
      }
    return;
  }
  if (quality || !width || !height) {
    if (known && quality)
      error_at(v->ctx, quality->loc, "add 'aspect', e.g. aspect: \"16:9\"",
               "'quality' needs 'aspect'");
    else if (known)
      error_at(v->ctx, n->loc, "write {width: 1920, height: 1080}",
               "dimension needs both 'width' and 'height'");
  } else {
    int w = 0;
    int h = 0;
    // Both sides are checked, so both errors show in one run.
    bool ok_w = get_side(v, width, "width", &w);
    bool ok_h = get_side(v, height, "height", &h);
    if (ok_w && ok_h)
      dim->width = w, dim->height = h;
  }
}

//
// The top level
//

static bool is_name(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
          strchr("._-", *s)))
      return false;
  return true;
}

// OUT/NAME.json and its temp file .NAME.json.XXXXXX must fit NAME_MAX.
#define NAME_MAX_CHARS 200

static bool name_fits(V *v, Loc at, const char *name) {
  if (strlen(name) <= NAME_MAX_CHARS)
    return true;
  error_at(v->ctx, at, "use a shorter 'name:'",
           "artifact name is too long: %zu characters (limit is %d)",
           strlen(name), NAME_MAX_CHARS);
  return false;
}

// The artifact name: `name:` or the file's stem.
static void parse_name(V *v, const Node *doc, const char *path, Spec *spec) {
  const Node *n = node_get(doc, "name");
  Str s = {0};
  if (n) {
    if (!get_str(v, n, "name", &s))
      return;
    if (!is_name(s.s)) {
      error_at(v->ctx, n->loc,
               "use lowercase letters, digits, '.', '_' and '-', starting "
               "with a letter or digit",
               "'%s' is not a valid artifact name", s.s);
      return;
    }
    if (name_fits(v, n->loc, s.s))
      spec->name = s.s;
    return;
  }
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  char *stem = arena_strndup(v->ctx->arena, base,
                             dot && dot != base ? (size_t)(dot - base)
                                                : strlen(base));
  if (!is_name(stem)) {
    error_at(v->ctx, doc->loc,
             "add 'name:' with lowercase letters, digits, '.', '_' and '-'",
             "file name '%s' is not a valid artifact name", stem);
    return;
  }
  if (name_fits(v, doc->loc, stem))
    spec->name = stem;
}

// The spec's path relative to the project root, for the artifact. A spec
// outside the root would make the artifact depend on where it was built.
const char *validate_source(Ctx *ctx, const char *path) {
  char *real = realpath(path, NULL);
  size_t n = strlen(ctx->root);
  const char *out = NULL;
  if (real && strncmp(real, ctx->root, n) == 0 && real[n] == '/')
    out = arena_strdup(ctx->arena, real + n + 1);
  free(real);
  return out;
}

// callback = {url: URL, id?: TEXT}
static void parse_callback(V *v, const Node *n, Spec *spec) {
  if (!expect_map(v, n, "callback", "write callback: {url: \"https://...\"}"))
    return;
  v->where = "in 'callback'";
  // A misspelt key ("ulr") is its own error: no "needs 'url'" after it.
  bool unknown = !check_keys(v, n, SCHEMA_CALLBACK);
  const Node *url = node_get(n, "url");
  const Node *id = node_get(n, "id");
  if (url)
    get_url(v, url, "url", &spec->callback_url);
  if (id && get_str(v, id, "id", &spec->callback_id) && !url && !unknown)
    error_at(v->ctx, id->loc, "add 'url:' next to it, or remove 'id'",
             "'callback.id' needs 'callback.url' (the API rejects it alone)");
  else if (n->npairs == 0)
    error_at(v->ctx, n->loc, "add url: \"https://...\", or remove 'callback'",
             "'callback' needs 'url'");
}

// The format version, the kind and the API (--api wins over `api:`).
// Returns the kind (video when `kind` is missing or wrong: its error is
// reported here).
static SpecKind parse_header(V *v, const Node *doc, ApiVersion *api_out) {
  const Node *hgc = node_get(doc, "hgc");
  if (!hgc) {
    error_at(v->ctx, (Loc){doc->loc.file, 1, 1},
             "add 'hgc: 1' as the first line",
             "missing format version 'hgc'");
  } else if (hgc->kind != NK_SCALAR || strcmp(hgc->text, "1") != 0) {
    error_at(v->ctx, hgc->loc, "write 'hgc: 1'",
             "unsupported format version '%s' (this hgc reads 1)",
             hgc->kind == NK_SCALAR ? hgc->text : node_kind_name(hgc));
  }
  static const char *const apis[] = {"v2", "v3"};
  const Node *kind = node_get(doc, "kind");
  Str s = {0};
  SpecKind k = KIND_VIDEO;
  if (kind && get_enum(v, kind, "kind", KIND_NAMES, COUNT(KIND_NAMES), &s))
    while (strcmp(s.s, KIND_NAMES[k]) != 0)
      k++;
  const Node *api = node_get(doc, "api");
  *api_out = API_V2;
  if (api && get_enum(v, api, "api", apis, 2, &s))
    *api_out = strcmp(s.s, "v3") == 0 ? API_V3 : API_V2;
  if (v->ctx->api)
    *api_out = strcmp(v->ctx->api, "v3") == 0 ? API_V3 : API_V2;
  return k;
}

static void top_title(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "title", &spec->title);
}

// language = TEXT, e.g. en-US; offline it is only text, online_check
// compares it with each voice's language.
static void top_language(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "language", &spec->language);
}

static void top_test(V *v, const Node *n, Spec *spec) {
  get_bool(v, n, "test", &spec->test);
}

static void top_folder(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "folder", &spec->folder);
}

// caption = true | false | {style: default} (v3: burned in)
static void top_caption(V *v, const Node *n, Spec *spec) {
  if (n->kind != NK_MAP) {
    get_bool(v, n, "caption", &spec->caption);
    return;
  }
  static const char *const styles[] = {"default"};
  v->where = "in 'caption'";
  const Node *style = node_get(n, "style");
  if (check_keys(v, n, SCHEMA_CAPTION) && !style)
    error_at(v->ctx, n->loc, "write caption: true, or {style: default}",
             "'caption' needs 'style'");
  else if (style)
    get_enum(v, style, "style", styles, 1, &spec->caption_style);
}

static void top_remove_background(V *v, const Node *n, Spec *spec) {
  get_bool(v, n, "remove_background", &spec->remove_background);
}

static void top_style_id(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "style_id", &spec->agent.style_id);
}

static void top_mode(V *v, const Node *n, Spec *spec) {
  static const char *const modes[] = {"speed", "precision"};
  get_enum(v, n, "mode", modes, 2, &spec->translate.mode);
}

// The v3 aspect_ratio and resolution of a size in pixels, when it is one
// of the presets both APIs share.
static void name_canvas(Dimension *dim) {
  for (int i = 0; i < COUNT(ASPECTS); i++) {
    const Aspect *a = &ASPECTS[i];
    if (dim->width == a->w720 && dim->height == a->h720)
      dim->aspect = a->aspect, dim->resolution = "720p";
    if (dim->width == a->w1080 && dim->height == a->h1080)
      dim->aspect = a->aspect, dim->resolution = "1080p";
  }
}

static void top_dimension(V *v, const Node *n, Spec *spec) {
  Dimension *dim = &spec->dimension;
  *dim = (Dimension){0, 0, NULL, NULL, true, n->loc};
  parse_dimension(v, n, dim);
  if (!dim->aspect)
    name_canvas(dim);
}

//
// kind webm: one scene, an avatar pose, text or audio (spec-format.md §5)
//

// What /v1/video.webm cannot take from the merged scene, each reported at
// the value that asks for it. The style defaults to normal, written out.
static void check_webm(V *v, Spec *spec, const Node *scenes) {
  const char *ep = ENDPOINTS[KIND_WEBM];
  if (scenes && scenes->kind == NK_SEQ && scenes->nitems > 1) {
    error_at(v->ctx, scenes->items[1]->loc,
             "make one webm spec per clip, or use kind: video",
             "kind webm takes exactly one scene (%s renders one clip)", ep);
    return;
  }
  if (spec->nscenes != 1)
    return;
  Scene *s = &spec->scenes[0];
  Character *c = &s->character;
  if (c->kind == CHAR_TALKING_PHOTO)
    error_at(v->ctx, c->loc, "use 'avatar: POSE_ID'",
             "a webm clip takes an avatar pose, not a talking photo");
  if (s->speech.kind == SPEECH_SILENCE)
    error_at(v->ctx, s->speech.loc, "give it a 'script' or an 'audio' URL",
             "a webm clip cannot be silent");
  // The rest is what /v1/video.webm lacks; check_api() speaks for v3.
  if (spec->api == API_V3)
    return;
  if (c->style.s && strcmp(c->style.s, "circle") == 0)
    error_at(v->ctx, c->style.loc,
             "use 'normal' or 'closeUp', and mask the clip when compositing",
             "'circle' style is not available for webm");
  else if (!c->style.s)
    c->style.s = "normal";
  if (c->scale.set)
    error_at(v->ctx, c->scale.loc, "remove 'scale'", "%s has no 'scale'",
             ep);
  if (c->offset_x.set)
    error_at(v->ctx, c->offset_x.loc, "remove 'offset'",
             "%s has no 'offset'", ep);
  if (s->voice.speed.set)
    error_at(v->ctx, s->voice.speed.loc, "remove 'speed'",
             "%s has no 'speed'", ep);
  if (s->voice.pitch.set)
    error_at(v->ctx, s->voice.pitch.loc, "remove 'pitch'",
             "%s has no 'pitch'", ep);
  if (s->background.kind != BG_NONE)
    error_at(v->ctx, s->background.loc,
             "remove 'background': a webm clip is transparent",
             "%s has no 'background'", ep);
  if (s->speech.audio)
    error_at(v->ctx, s->speech.audio->loc, "give the audio as a URL",
             "%s takes audio as a URL, not a local asset", ep);
}

//
// kind agent (spec-format.md §5)
//

#define AGENT_MAX_PROMPT 10000 // characters the Video Agent reads
#define AGENT_MIN_MS 5000      // config.duration range
#define AGENT_MAX_MS 300000
#define WORDS_PER_MINUTE 150   // speaking pace at speed 1.0

static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int count_words(const char *s) {
  int n = 0;
  for (bool in = false; *s; s++) {
    n += !is_blank(*s) && !in;
    in = !is_blank(*s);
  }
  return n;
}

static long count_chars(const char *s) {
  long n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

// A raw prompt keeps its inner line breaks; blank lines at the start and
// white space at the end of each line and of the whole are dropped
// (editors and block scalars leave them).
static const char *trim_prompt(Ctx *ctx, const char *in) {
  size_t len = strlen(in);
  size_t start = 0; // the start of the first line with text
  for (size_t i = 0; i < len && is_blank(in[i]); i++)
    if (in[i] == '\n')
      start = i + 1;
  char *out = arena_calloc(ctx->arena, len + 1);
  size_t o = 0;
  size_t keep = 0; // o just past the last non-blank byte
  for (size_t i = start; i < len; i++) {
    char c = in[i];
    if (c == '\n') {
      o = keep;
      out[o++] = '\n';
      keep = o;
      continue;
    }
    out[o++] = c;
    if (!is_blank(c))
      keep = o;
  }
  while (keep > 0 && out[keep - 1] == '\n')
    keep--;
  out[keep] = '\0';
  return out;
}

static bool empty_value(V *v, const Node *n, const char *what, Str *out) {
  error_at(v->ctx, n->loc, "remove the key, or give it a value",
           "'%s' must not be empty", what);
  out->s = NULL;
  return false;
}

// The raw prompt and the brief's instruction: text whose line breaks
// count (trim_prompt). White space alone is no value.
static bool get_block(V *v, const Node *n, const char *what, Str *out) {
  if (!get_str(v, n, what, out))
    return false;
  out->s = trim_prompt(v->ctx, out->s);
  return *out->s ? true : empty_value(v, n, what, out);
}

// A field of a structured brief is one line of the prompt: each run of
// white space (a block scalar's line breaks too) becomes one space, and
// the ends are trimmed. White space alone is no value.
static bool get_line(V *v, const Node *n, const char *what, Str *out) {
  if (!get_str(v, n, what, out))
    return false;
  char *line = arena_calloc(v->ctx->arena, strlen(out->s) + 1);
  size_t o = 0;
  for (const char *p = out->s; *p; p++)
    if (!is_blank(*p))
      line[o++] = *p;
    else if (o && line[o - 1] != ' ')
      line[o++] = ' ';
  while (o && line[o - 1] == ' ')
    line[--o] = '\0';
  out->s = line;
  return o ? true : empty_value(v, n, what, out);
}

static bool get_duration(V *v, const Node *n, long *ms) {
  const char *hint = NULL;
  const char *err = script_duration(v->ctx, n, ms, &hint);
  if (err)
    error_at(v->ctx, n->loc, hint, "%s", err);
  return !err;
}

// style = {visual?, colors?: {NAME: "#hex"}, font?, vibe?,
//          avatar_placement?}
static void parse_style(V *v, const Node *n, AgentBrief *b) {
  if (!expect_map(v, n, "style", "write style: {visual: \"...\"}"))
    return;
  v->where = "in 'style'";
  for (int i = 0; i < n->npairs; i++) {
    const Node *key = n->pairs[i].key;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, key, SCHEMA_STYLE))
      continue;
    const char *k = key->text;
    if (!strcmp(k, "visual"))
      get_line(v, val, k, &b->visual);
    else if (!strcmp(k, "font"))
      get_line(v, val, k, &b->font);
    else if (!strcmp(k, "vibe"))
      get_line(v, val, k, &b->vibe);
    else if (!strcmp(k, "avatar_placement"))
      get_line(v, val, k, &b->avatar_placement);
    else if (!strcmp(k, "colors") &&
             expect_map(v, val, "colors",
                        "write colors: {Navy: \"#0F172A\"}")) {
      b->color_names = arena_calloc(v->ctx->arena,
                                    sizeof(Str) * (size_t)(val->npairs + 1));
      b->color_values = arena_calloc(v->ctx->arena,
                                     sizeof(Str) * (size_t)(val->npairs + 1));
      for (int j = 0; j < val->npairs; j++) {
        Str *name = &b->color_names[b->ncolors];
        name->s = val->pairs[j].key->text;
        name->loc = val->pairs[j].key->loc;
        if (get_color(v, val->pairs[j].value, name->s,
                      &b->color_values[b->ncolors]))
          b->ncolors++;
      }
    }
  }
}

// scene = {title, type?: A-roll|B-roll|Motion Graphics|Stock, visual?,
//          vo?, duration?: DURATION}
static void parse_agent_scene(V *v, const Node *n, int no, AgentScene *s) {
  static const char *const types[] = {"A-roll", "B-roll", "Motion Graphics",
                                      "Stock"};
  s->loc = n->loc;
  bool known = true;
  for (int i = 0; i < n->npairs; i++) {
    const Node *key = n->pairs[i].key;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, key, SCHEMA_AGENT_SCENE)) {
      known = false;
      continue;
    }
    const char *k = key->text;
    if (!strcmp(k, "title"))
      get_line(v, val, k, &s->title);
    else if (!strcmp(k, "type"))
      get_enum(v, val, k, types, COUNT(types), &s->type);
    else if (!strcmp(k, "visual"))
      get_line(v, val, k, &s->visual);
    else if (!strcmp(k, "vo"))
      get_line(v, val, k, &s->vo);
    else if (!strcmp(k, "duration"))
      get_duration(v, val, &s->duration_ms);
  }
  if (known && !node_get(n, "title"))
    error_at(v->ctx, n->loc, "add 'title: ...'", "scene %d has no 'title'",
             no);
}

// scenes = [scene, ...] (at least one)
static void parse_brief_scenes(V *v, const Node *n, AgentBrief *b) {
  if (!expect_scenes(v, n, "start each scene with '- title: ...'"))
    return;
  b->scenes =
      arena_calloc(v->ctx->arena, sizeof(AgentScene) * (size_t)n->nitems);
  b->nscenes = n->nitems;
  for (int i = 0; i < n->nitems; i++) {
    const Node *sn = n->items[i];
    v->where = NULL;
    v->scene = i + 1;
    if (expect_scene_map(v, sn, i + 1, "title",
                         "write '- title: ...' and the scene's keys"))
      parse_agent_scene(v, sn, i + 1, &b->scenes[i]);
  }
}

// Lint for a structured brief: VO too long for its scene, scenes that do
// not add up to config.duration, no visual style (reported at `style_at`,
// the style map or the scenes; NULL when the style was not a map).
static void lint_brief(V *v, const Agent *a, const Node *style_at) {
  const AgentBrief *b = &a->brief;
  long total = 0;
  bool all_timed = true;
  for (int i = 0; i < b->nscenes; i++) {
    const AgentScene *s = &b->scenes[i];
    total += s->duration_ms;
    all_timed &= s->duration_ms > 0;
    if (!s->vo.s || !s->duration_ms)
      continue;
    long need = count_words(s->vo.s) * 60000L / WORDS_PER_MINUTE;
    if (need > s->duration_ms) {
      char have[32];
      char want[32];
      script_format_seconds(s->duration_ms, have);
      script_format_seconds(need, want);
      warn_at(v->ctx, s->vo.loc, "shorten the VO, or lengthen the scene",
              "VO of scene %d needs about %ss at %d words a minute, but the "
              "scene lasts %ss",
              i + 1, want, WORDS_PER_MINUTE, have);
    }
  }
  // Scenes without a duration may fill what the others leave, so then
  // only going over counts.
  long off = total - a->duration_ms;
  if (a->duration_ms && total &&
      (all_timed ? labs(off) : off) * 10 > a->duration_ms) {
    char sum[32];
    char want[32];
    script_format_seconds(total, sum);
    script_format_seconds(a->duration_ms, want);
    warn_at(v->ctx, a->duration_loc,
            "make the scene durations add up to config.duration",
            all_timed ? "scenes add up to %ss, more than 10%% off "
                        "config.duration %ss"
                      : "scenes with a duration add up to %ss, more than "
                        "10%% over config.duration %ss",
            sum, want);
  }
  if (!b->visual.s && style_at)
    warn_at(v->ctx, style_at->loc,
            "add style: {visual: \"...\"} so every scene shares one look",
            "no visual style given");
}

// config = {duration?: 5s-300s, avatar?: ID, orientation?:
//           portrait|landscape}
static void top_config(V *v, const Node *n, Spec *spec) {
  Agent *a = &spec->agent;
  if (!expect_map(v, n, "config", "write config: {duration: 60s}"))
    return;
  static const char *const orients[] = {"portrait", "landscape"};
  v->where = "in 'config'";
  for (int i = 0; i < n->npairs; i++) {
    const Node *key = n->pairs[i].key;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, key, SCHEMA_CONFIG))
      continue;
    if (!strcmp(key->text, "avatar"))
      get_str(v, val, "avatar", &a->avatar);
    else if (!strcmp(key->text, "orientation"))
      get_enum(v, val, "orientation", orients, 2, &a->orientation);
    else if (!strcmp(key->text, "duration") &&
             get_duration(v, val, &a->duration_ms)) {
      a->duration_loc = val->loc;
      if (a->duration_ms < AGENT_MIN_MS || a->duration_ms > AGENT_MAX_MS) {
        error_at(v->ctx, val->loc, "use a duration from 5s to 300s",
                 "'duration' must be between 5s and 300s, not %s",
                 val->text);
        a->duration_ms = 0;
      } else if (a->duration_ms % 1000) {
        // duration_sec is an integer in the API: never rounded silently
        long s = a->duration_ms / 1000;
        error_at(v->ctx, val->loc,
                 arena_printf(v->ctx->arena, "use %lds or %lds", s, s + 1),
                 "'duration' must be a whole number of seconds, not %s",
                 val->text);
        a->duration_ms = 0;
      }
    }
  }
}

// files = [{asset_id: ID} | {asset: PATH}]
static void top_files(V *v, const Node *n, Spec *spec) {
  Agent *a = &spec->agent;
  if (n->kind != NK_SEQ) {
    error_at(v->ctx, n->loc, "write files: [{asset: ./brief.png}]",
             "'files' must be a list, not %s", node_kind_name(n));
    return;
  }
  a->files = arena_calloc(v->ctx->arena,
                          sizeof(AgentFile) * (size_t)(n->nitems + 1));
  v->where = "in 'files'";
  for (int i = 0; i < n->nitems; i++) {
    const Node *f = n->items[i];
    AgentFile *out = &a->files[a->nfiles];
    if (f->kind != NK_MAP) {
      error_at(v->ctx, f->loc, "write {asset: ./file.png} or {asset_id: ID}",
               "file %d must be a map, not %s", i + 1, node_kind_name(f));
      continue;
    }
    if (!check_keys(v, f, SCHEMA_FILE))
      continue;
    const Pair *id = node_get_pair(f, "asset_id");
    const Pair *path = node_get_pair(f, "asset");
    if (id && path)
      error_at(v->ctx, (id > path ? id : path)->key->loc, "keep one of them",
               "file %d has both 'asset_id' and 'asset'", i + 1);
    else if (!id && !path)
      error_at(v->ctx, f->loc, "write {asset: ./file.png}",
               "file %d needs 'asset' or 'asset_id'", i + 1);
    else if (id ? get_str(v, id->value, "asset_id", &out->asset_id)
                : (out->asset = asset_load(v->ctx, path->value,
                                           MEDIA_IMAGE | MEDIA_VIDEO |
                                               MEDIA_AUDIO)) != NULL)
      a->nfiles++;
  }
}

// agent = prompt: TEXT | {style?, scenes, instruction?}; config and files
// are top-level keys of their own (top_config, top_files).
static void parse_agent(V *v, const Node *doc, Spec *spec) {
  Agent *a = &spec->agent;
  AgentBrief *b = &a->brief;
  const Pair *prompt = node_get_pair(doc, "prompt");
  const Pair *brief = NULL; // the first key of a structured brief
  for (int i = 0; i < doc->npairs && !brief; i++)
    if (!strcmp(doc->pairs[i].key->text, "scenes") ||
        !strcmp(doc->pairs[i].key->text, "style") ||
        !strcmp(doc->pairs[i].key->text, "instruction"))
      brief = &doc->pairs[i];
  if (prompt && brief) {
    const Pair *first = prompt < brief ? prompt : brief;
    const Pair *second = prompt < brief ? brief : prompt;
    error_at(v->ctx, second->key->loc,
             "write either a raw 'prompt' or a structured brief",
             "'%s' and '%s' cannot be used together", first->key->text,
             second->key->text);
    return;
  }
  int errors = v->ctx->nerrors;
  const Node *scenes = NULL;
  const Node *style = NULL;
  if (prompt) {
    Str raw = {0};
    if (!get_block(v, prompt->value, "prompt", &raw))
      return;
    a->prompt = raw.s;
    a->prompt_loc = raw.loc;
  }
  // The brief's keys in document order, so errors keep the file's order.
  for (int i = 0; i < doc->npairs && !prompt; i++) {
    const char *k = doc->pairs[i].key->text;
    const Node *val = doc->pairs[i].value;
    if (!strcmp(k, "style"))
      parse_style(v, style = val, b);
    else if (!strcmp(k, "scenes"))
      parse_brief_scenes(v, scenes = val, b);
    else if (!strcmp(k, "instruction"))
      get_block(v, val, "instruction", &b->instruction);
  }
  if (!prompt && !scenes) {
    error_at(v->ctx, (Loc){doc->loc.file, 1, 1},
             "add 'prompt: ...', or a brief with 'scenes:'",
             "an agent spec needs 'prompt' or 'scenes'");
    return;
  }
  if (!prompt) {
    lint_brief(v, a, !style ? scenes : style->kind == NK_MAP ? style : NULL);
    if (v->ctx->nerrors > errors)
      return; // no prompt is made from a brief with errors
    a->prompt = prompt_render(v->ctx, b);
    a->prompt_loc = scenes->loc;
  }
  long chars = count_chars(a->prompt);
  if (chars > AGENT_MAX_PROMPT)
    error_at(v->ctx, a->prompt_loc,
             prompt ? "shorten the prompt"
                    : "shorten the brief: its layout is part of the prompt",
             "the prompt is %ld characters (limit is %d)", chars,
             AGENT_MAX_PROMPT);
}

//
// kind template and kind translate (spec-format.md §5)
//

// An id that goes into a URL path as is.
static bool get_path_id(V *v, const Node *n, const char *what, Str *out) {
  if (!get_str(v, n, what, out))
    return false;
  for (const char *p = out->s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
          (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) {
      error_at(v->ctx, node_text_loc(n, (size_t)(p - out->s), NULL),
               "copy the id from the dashboard or 'GET /v2/templates'",
               "'%s' may hold only letters, digits, '_' and '-'", what);
      out->s = NULL;
      return false;
    }
  return true;
}

// template = ID (it becomes part of the request's path)
static void top_template(V *v, const Node *n, Spec *spec) {
  get_path_id(v, n, "template", &spec->tmpl.id);
}

// variables = {NAME: text | number | true | false}; each value is sent as
// text, exactly as written (1.50 stays "1.50").
static void top_variables(V *v, const Node *n, Spec *spec) {
  Template *t = &spec->tmpl;
  if (!expect_map(v, n, "variables", "write variables: {name: value}"))
    return;
  t->loc = n->loc;
  t->names =
      arena_calloc(v->ctx->arena, sizeof(Str) * (size_t)(n->npairs + 1));
  t->values =
      arena_calloc(v->ctx->arena, sizeof(Str) * (size_t)(n->npairs + 1));
  for (int i = 0; i < n->npairs; i++) {
    const Node *key = n->pairs[i].key;
    const Node *val = n->pairs[i].value;
    Str *out = &t->values[t->nvars];
    if (val->kind != NK_SCALAR || node_type(val) == ST_NULL) {
      error_at(v->ctx, val->loc,
               val->kind == NK_SCALAR
                   ? "give it a value, or remove it"
                   : "the template takes one text per variable: quote it",
               "variable '%s' must be text, a number or a boolean, not %s",
               key->text, node_kind_name(val));
      continue;
    }
    if (node_type(val) == ST_BOOL)
      *out = (Str){val->text, val->loc}; // true -> "true": text, as written
    else if (!get_str(v, val, key->text, out))
      continue;
    t->names[t->nvars++] = (Str){key->text, key->loc};
  }
}

// A template spec needs both of its keys.
static void parse_template(V *v, const Node *doc, Spec *spec) {
  (void)spec;
  if (!node_get(doc, "template"))
    error_at(v->ctx, (Loc){doc->loc.file, 1, 1}, "add 'template: ID'",
             "a template spec needs 'template'");
  if (!node_get(doc, "variables"))
    error_at(v->ctx, (Loc){doc->loc.file, 1, 1},
             "add 'variables:' with the template's variables",
             "a template spec needs 'variables'");
}

// video = URL, or video_id = ID (one of them: parse_translate)
static void top_video(V *v, const Node *n, Spec *spec) {
  get_url(v, n, "video", &spec->translate.video_url);
}

static void top_video_id(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "video_id", &spec->translate.video_id);
}

static void top_output_language(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "output_language", &spec->translate.output_language);
}

static void top_audio_only(V *v, const Node *n, Spec *spec) {
  get_bool(v, n, "translate_audio_only", &spec->translate.audio_only);
}

// speaker_num = a whole number from 1 to 100
static void top_speaker_num(V *v, const Node *n, Spec *spec) {
  Num *s = &spec->translate.speakers;
  if (get_num(v, n, "speaker_num", s) &&
      (!s->is_int || s->i < 1 || s->i > 100)) {
    error_at(v->ctx, n->loc, "count the people who speak, e.g. 2",
             "'speaker_num' must be a whole number from 1 to 100, not %s",
             n->text);
    s->set = false;
  }
}

// translate = {video: URL | video_id: ID, output_language, title?,
//              translate_audio_only?, speaker_num?}: what the top-level
// keys cannot tell one by one.
static void parse_translate(V *v, const Node *doc, Spec *spec) {
  (void)spec;
  const Pair *url = node_get_pair(doc, "video");
  const Pair *id = node_get_pair(doc, "video_id");
  if (url && id)
    error_at(v->ctx, (url > id ? url : id)->key->loc,
             "keep either 'video' or 'video_id'",
             "'video' and 'video_id' cannot be used together");
  else if (!url && !id)
    error_at(v->ctx, (Loc){doc->loc.file, 1, 1},
             "add 'video: URL' or 'video_id: ID'",
             "a translate spec needs 'video' or 'video_id'");
  if (!node_get(doc, "output_language"))
    error_at(v->ctx, (Loc){doc->loc.file, 1, 1},
             "add 'output_language:', e.g. es-ES",
             "a translate spec needs 'output_language'");
}

//
// v2 or v3 (issue 6): what the chosen API cannot express is an error at
// the value that asks for it, never dropped, clamped or rounded.
//

static bool said_before(V *v, Loc loc) {
  return diag_seen(v->ctx, &v->said, loc);
}

// Reports a v2-only feature used under v3.
static void v2_only(V *v, Loc loc, const char *hint, const char *what,
                    const char *why) {
  if (said_before(v, loc))
    return;
  error_at(v->ctx, loc, hint ? hint : "remove it, or build with --api v2",
           "%s is not available in v3%s%s", what, why ? ": " : "",
           why ? why : "");
}

// Reports a v3-only feature used under v2; hint NULL: the usual one.
static void v3_only(V *v, Loc loc, const char *what, const char *hint) {
  if (said_before(v, loc))
    return;
  error_at(v->ctx, loc,
           hint ? hint
                : arena_printf(v->ctx->arena,
                               "set 'api: v3' (or --api v3), or remove %s",
                               what),
           "%s needs api: v3", what);
}

#define V3_MAX_SILENCE_MS 300000 // a v3 still image scene's duration

// True when v3 renders the video as a studio video: several scenes, or
// one silent scene (an image scene).
static bool is_studio(const Spec *spec) {
  return spec->kind == KIND_VIDEO &&
         (spec->nscenes > 1 || spec->scenes[0].speech.kind == SPEECH_SILENCE);
}

static Loc image_loc(const Character *c) {
  return c->image ? c->image->loc : c->image_url.loc;
}

// An image as the speaker: a talking photo under v3; never an avatar.
static void check_image(V *v, const Character *c, bool v3) {
  if (!c->image_url.s && !c->image)
    return;
  if (c->kind == CHAR_AVATAR) {
    if (!said_before(v, image_loc(c)))
      error_at(v->ctx, image_loc(c),
               "use 'talking_photo: {image: URL}' for a photo",
               "an avatar is an id; only a talking photo can be an image");
  } else if (!v3) {
    v3_only(v, image_loc(c), "a talking photo given as an image",
            "set 'api: v3' (or --api v3), or give the photo's 'id'");
  }
}

static void check_scene_v2(V *v, const Scene *s) {
  const Character *c = &s->character;
  if (c->engine.s)
    v3_only(v, c->engine.loc, "'engine'", NULL);
  if (c->motion_prompt.s)
    v3_only(v, c->motion_prompt.loc, "'motion_prompt'", NULL);
  if (c->expressiveness.s)
    v3_only(v, c->expressiveness.loc, "'expressiveness'", NULL);
  check_image(v, c, false);
  if (s->voice.volume.set)
    v3_only(v, s->voice.volume.loc, "voice 'volume'",
            "set 'api: v3' (or --api v3), or remove 'volume'");
  if (s->voice.locale.s)
    v3_only(v, s->voice.locale.loc, "voice 'locale'",
            "set 'api: v3' (or --api v3), or remove 'locale'");
}

// A motion field the chosen engine rejects (heygen-api-v3.md: avatar_iii
// takes neither, avatar_v no expressiveness).
static void engine_clash(V *v, const Str *field, const char *name,
                         const Str *engine, const char *hint) {
  if (field->s && !said_before(v, field->loc))
    error_at(v->ctx, field->loc, hint,
             "'%s' does not work with engine '%s'", name, engine->s);
}

// The engine and what it allows.
static void check_engine(V *v, const Character *c) {
  const Str *e = &c->engine;
  if (!e->s)
    return;
  if (c->image_url.s || c->image) {
    if (!said_before(v, e->loc))
      error_at(v->ctx, e->loc, "remove 'engine'",
               "a talking photo given as an image has no 'engine'");
  } else if (!strcmp(e->s, "avatar_iii")) {
    engine_clash(v, &c->motion_prompt, "motion_prompt", e,
                 "remove it, or use engine 'avatar_iv' or 'avatar_v'");
    engine_clash(v, &c->expressiveness, "expressiveness", e,
                 "remove it, or use engine 'avatar_iv'");
  } else if (!strcmp(e->s, "avatar_v")) {
    engine_clash(v, &c->expressiveness, "expressiveness", e,
                 "remove it, or use engine 'avatar_iv'");
  }
}

// The scene checks under v3. `studio`: the video is a studio video.
static void check_scene_v3(V *v, const Scene *s, bool studio) {
  const Character *c = &s->character;
  // A style hgc filled in (webm's normal) has no position: not the user's.
  if (c->style.s && c->style.loc.file)
    v2_only(v, c->style.loc, NULL, "avatar 'style'",
            "the server lays out the avatar");
  if (c->scale.set)
    v2_only(v, c->scale.loc, NULL, "avatar 'scale'",
            "the server lays out the avatar");
  if (c->offset_x.set)
    v2_only(v, c->offset_x.loc, NULL, "avatar 'offset'",
            "the server lays out the avatar");
  check_image(v, c, true);
  check_engine(v, c);
  if (s->voice.speed.set && s->voice.speed.d > 1.5)
    v2_only(v, s->voice.speed.loc,
            "use a speed from 0.5 to 1.5, or build with --api v2",
            "a voice 'speed' above 1.5", NULL);
  const Background *bg = &s->background;
  bool silent = s->speech.kind == SPEECH_SILENCE;
  if (bg->kind == BG_VIDEO)
    v2_only(v, bg->loc,
            studio ? "use a colour background, or --api v2"
                   : "use an image or a colour background, or --api v2",
            "a video background", NULL);
  else if (studio && !silent && bg->kind == BG_IMAGE)
    v2_only(v, bg->loc, "use a colour, or --api v2",
            "an image background in a video of several scenes",
            "studio scenes take colours only");
  else if (studio && !silent && bg->kind == BG_COLOR &&
           (c->image_url.s || c->image) && !said_before(v, bg->loc))
    error_at(v->ctx, bg->loc, "remove the background, or give the photo's 'id'",
             "a talking photo given as an image has no background in a v3 "
             "video of several scenes");
  else if (bg->fit.s)
    v2_only(v, bg->fit.loc, NULL, "background 'fit'",
            "v3's fit places the avatar, not the background");
  if (silent && bg->kind != BG_IMAGE && !said_before(v, s->speech.loc))
    error_at(v->ctx, s->speech.loc,
             "give the scene an image background, or --api v2",
             "a silent scene needs an image background in v3 (it is "
             "shown for the duration)");
  else if (silent && s->speech.silence_ms > V3_MAX_SILENCE_MS &&
           !said_before(v, s->speech.loc))
    error_at(v->ctx, s->speech.loc,
             "split it into silent scenes of 300s or less, or --api v2",
             "a silent scene is too long for v3 (limit is 300s)");
}

// A template's caption: v3 only, and burned in (the endpoint's `caption`
// is one boolean), so `caption: true`, a caption file, cannot be had.
static void check_template_caption(V *v, const Spec *spec, bool v3) {
  Loc at = spec->caption_style.s ? spec->caption_style.loc : spec->caption.loc;
  if (!spec->caption.set && !spec->caption_style.s)
    return;
  if (!v3)
    v3_only(v, at, "a template 'caption'",
            "set 'api: v3' (or --api v3), or remove 'caption'");
  else if (spec->caption.set && spec->caption.v)
    error_at(v->ctx, at, "write caption: {style: default} to burn them in",
             "a v3 template burns captions in; it makes no caption file");
}

// v2-only features under v2, v3-only ones under v3: the top level first,
// then the scenes, so errors come in the order of a usual spec.
static void check_api(V *v, Spec *spec) {
  bool v3 = spec->api == API_V3;
  bool scenes = spec->kind == KIND_VIDEO || spec->kind == KIND_WEBM;
  const Dimension *dim = &spec->dimension;
  if (spec->kind == KIND_TEMPLATE)
    check_template_caption(v, spec, v3);
  if (!v3) {
    if (scenes && dim->given && !dim->width)
      v3_only(v, dim->loc,
              strcmp(dim->resolution, "4k") == 0
                  ? "resolution '4k'"
                  : arena_printf(v->ctx->arena, "aspect '%s'", dim->aspect),
              "use 720p or 1080p at 16:9, 9:16, 1:1, 4:3 or 4:5, or set "
              "'api: v3'");
    if (spec->remove_background.set)
      v3_only(v, spec->remove_background.loc, "'remove_background'", NULL);
    if (spec->caption_style.s && spec->kind != KIND_TEMPLATE)
      v3_only(v, spec->caption_style.loc, "a caption 'style'",
              "set 'api: v3' (or --api v3), or write caption: true");
    if (spec->agent.style_id.s)
      v3_only(v, spec->agent.style_id.loc, "'style_id'", NULL);
    if (spec->translate.mode.s)
      v3_only(v, spec->translate.mode.loc, "'mode'", NULL);
  } else {
    if (spec->test.set && spec->test.v)
      v2_only(v, spec->test.loc, "remove 'test', or build with --api v2",
              "test mode", NULL);
    spec->test.set = false; // test: false is what v3 does anyway
    if (spec->folder.s)
      v2_only(v, spec->folder.loc, NULL, "'folder'", NULL);
    // A size v3 has no preset for: 4:3 (however written), or any other
    // width and height.
    if (scenes && (!dim->aspect || !strcmp(dim->aspect, "4:3")))
      v2_only(v, dim->loc,
              "use a preset: 16:9, 9:16, 1:1, 4:5 or 5:4 at 720p, 1080p "
              "or 4k",
              dim->aspect ? "the aspect ratio 4:3"
                          : arena_printf(v->ctx->arena, "dimension %dx%d",
                                         dim->width, dim->height),
              dim->aspect ? NULL : "v3 takes an aspect ratio and a resolution");
    if (spec->remove_background.set && scenes && is_studio(spec))
      v2_only(v, spec->remove_background.loc,
              "remove it, or make the video one scene that speaks",
              "'remove_background' in a video of several scenes",
              "studio videos have no such field");
    if (spec->agent.duration_ms)
      v2_only(v, spec->agent.duration_loc,
              "remove it, and give the length in the prompt (a brief's "
              "scene durations are written into it)",
              "'config.duration'", "durations go in the prompt text");
    if (spec->translate.video_id.s)
      v2_only(v, spec->translate.video_id.loc,
              "give the video's URL as 'video:', or build with --api v2",
              "'video_id'", "v3 translates a URL or an uploaded asset");
    if (spec->kind == KIND_WEBM && spec->nscenes == 1 &&
        spec->scenes[0].background.kind != BG_NONE &&
        !said_before(v, spec->scenes[0].background.loc))
      error_at(v->ctx, spec->scenes[0].background.loc,
               "remove 'background': a webm clip is transparent",
               "a webm clip has no background");
  }
  for (int i = 0; scenes && i < spec->nscenes; i++) {
    if (v3)
      check_scene_v3(v, &spec->scenes[i], is_studio(spec));
    else
      check_scene_v2(v, &spec->scenes[i]);
  }
}

// The top-level keys validate.c parses as they come, by name. Which keys
// exist, and which kinds take them, is schema.c's: a key with no handler
// here is read by another stage (include.c, vars.c, rows.c) or by the
// kind's own parser, after all the keys.
static const struct {
  const char *key;
  void (*parse)(V *v, const Node *n, Spec *spec);
} TOP_HANDLERS[] = {
    {"title", top_title},
    {"language", top_language},
    {"test", top_test},
    {"folder", top_folder},
    {"caption", top_caption},
    {"callback", parse_callback},
    {"dimension", top_dimension},
    {"config", top_config},
    {"files", top_files},
    {"template", top_template},
    {"variables", top_variables},
    {"video", top_video},
    {"video_id", top_video_id},
    {"output_language", top_output_language},
    {"translate_audio_only", top_audio_only},
    {"speaker_num", top_speaker_num},
    {"remove_background", top_remove_background},
    {"style_id", top_style_id},
    {"mode", top_mode},
};

static void parse_top_key(V *v, const Pair *p, Spec *spec) {
  const char *k = p->key->text;
  for (int i = 0; i < COUNT(TOP_HANDLERS); i++)
    if (k[0] == TOP_HANDLERS[i].key[0] &&
        strcmp(k, TOP_HANDLERS[i].key) == 0) {
      TOP_HANDLERS[i].parse(v, p->value, spec);
      return;
    }
}

// Reports a top-level key the kind does not take: unknown everywhere (with
// a did-you-mean among this kind's keys), or known but not for this kind.
static void top_key_error(V *v, const Node *key, bool known) {
  if (!known) {
    const char *const *all;
    int n = schema_keys(SCHEMA_TOP, &all);
    const char *keys[SCHEMA_MAX_KEYS];
    int nkeys = 0;
    for (int i = 0; i < n; i++)
      if (schema_takes(SCHEMA_TOP, i, v->kind))
        keys[nkeys++] = all[i];
    unknown_key(v, key, keys, nkeys);
  } else if (v->kind == KIND_WEBM || v->kind == KIND_VIDEO)
    error_at(v->ctx, key->loc, "remove it, or change 'kind'",
             "%s has no '%s' (kind %s)", ENDPOINTS[v->kind], key->text,
             KIND_NAMES[v->kind]);
  else
    error_at(v->ctx, key->loc,
             // an agent video's shape is its orientation
             v->kind == KIND_AGENT && !strcmp(key->text, "dimension")
                 ? "write config: {orientation: portrait} (or landscape)"
                 : "remove it, or change 'kind'",
             "'%s' does not apply to kind %s", key->text,
             KIND_NAMES[v->kind]);
}

Spec *validate_spec(Ctx *ctx, const Node *doc, const char *path,
                    const char *source) {
  int errors = ctx->nerrors;
  V v = {.ctx = ctx, .where = "at the top level", .kind = KIND_VIDEO};
  if (doc->kind != NK_MAP) {
    error_at(ctx, doc->loc, "a spec starts with 'hgc: 1'",
             "the top level of a spec must be a map, not %s",
             node_kind_name(doc));
    return NULL;
  }
  Spec *spec = arena_calloc(ctx->arena, sizeof *spec);
  spec->api = API_V2;
  spec->loc = doc->loc;
  spec->source = source;
  if (!source)
    error_at(ctx, (Loc){doc->loc.file, 0, 0},
             "run hgc inside the project, or name it with --root",
             "spec is outside the project root '%s'", ctx->root);
  spec->kind = v.kind = parse_header(&v, doc, &spec->api);
  // Defaults are written out: reviewers see what will be rendered.
  spec->dimension = spec->kind == KIND_WEBM
                        ? (Dimension){1280, 720, "16:9", "720p", false,
                                      doc->loc}
                        : (Dimension){1920, 1080, "16:9", "1080p", false,
                                      doc->loc};
  parse_name(&v, doc, path, spec);
  // In document order, so errors come out in the order of the file.
  for (int i = 0; i < doc->npairs; i++) {
    const Node *key = doc->pairs[i].key;
    int k = schema_find(SCHEMA_TOP, key->text);
    v.where = "at the top level";
    if (k < 0 || !schema_takes(SCHEMA_TOP, k, v.kind))
      top_key_error(&v, key, k >= 0);
    else
      parse_top_key(&v, &doc->pairs[i], spec);
  }
  const Node *n = node_get(doc, "scenes");
  switch (spec->kind) {
  case KIND_VIDEO:
  case KIND_WEBM:
    if (n)
      parse_scenes(&v, n, node_get(doc, "defaults"), spec);
    else
      error_at(ctx, (Loc){doc->loc.file, 1, 1}, "add a 'scenes:' list",
               "a %s spec needs 'scenes'", KIND_NAMES[spec->kind]);
    if (spec->kind == KIND_WEBM)
      check_webm(&v, spec, n);
    break;
  case KIND_AGENT:
    parse_agent(&v, doc, spec);
    break;
  case KIND_TEMPLATE:
    parse_template(&v, doc, spec);
    break;
  case KIND_TRANSLATE:
    parse_translate(&v, doc, spec);
    break;
  }
  if (ctx->nerrors == errors)
    check_api(&v, spec);
  return ctx->nerrors > errors ? NULL : spec;
}
