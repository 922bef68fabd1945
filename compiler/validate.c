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
  const char *where; // "in scene 2", for messages about keys
} V;

// The hint for an unknown key: a did-you-mean, or for a YAML 1.1 merge
// key ("<<: *base", which the core schema hgc reads does not have) what
// to write instead.
static const char *unknown_hint(Ctx *ctx, const char *key,
                                const char *const *allowed, int n) {
  if (strcmp(key, "<<") == 0)
    return "merge keys are not supported: use 'defaults:', or repeat the "
           "keys";
  return diag_did_you_mean(ctx, key, allowed, n);
}

// Reports key, with a hint, unless it is in allowed[]. Loops over a map's
// pairs call it as they go, so errors keep the file's order.
static bool known_key(V *v, const Node *key, const char *const *allowed,
                      int n) {
  for (int j = 0; j < n; j++)
    if (strcmp(key->text, allowed[j]) == 0)
      return true;
  error_at(v->ctx, key->loc, unknown_hint(v->ctx, key->text, allowed, n),
           "unknown key '%s' %s", key->text, v->where);
  return false;
}

// Reports every key of map not in allowed[]; true when there was none.
// Callers skip their "needs 'x'" errors after one: "widht" was the
// width, and one error says so.
static bool check_keys(V *v, const Node *map, const char *const *allowed,
                       int n) {
  bool known = true;
  for (int i = 0; i < map->npairs; i++)
    known &= known_key(v, map->pairs[i].key, allowed, n);
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
  if (out->is_int) {
    out->i = strtoll(n->text, NULL, 10);
    out->d = (double)out->i;
  } else {
    out->d = strtod(n->text, NULL);
  }
  if (errno == ERANGE || !isfinite(out->d)) {
    error_at(v->ctx, n->loc, NULL, "'%s' is out of range", what);
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
//                   offset?: {x, y}}
static void parse_character(V *v, const Node *n, CharKind kind,
                            const char *key, Character *c) {
  c->kind = kind;
  c->loc = n->loc;
  if (n->kind == NK_SCALAR) {
    get_str(v, n, key, &c->id);
    return;
  }
  if (!expect_map(v, n, key,
                  arena_printf(v->ctx->arena, "write %s: ID or {id: ID}", key)))
    return;
  static const char *const keys[] = {"id", "style", "scale", "offset"};
  for (int i = 0; i < n->npairs; i++) {
    const char *k = n->pairs[i].key->text;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, n->pairs[i].key, keys, COUNT(keys)))
      continue;
    if (strcmp(k, "id") == 0)
      get_str(v, val, "id", &c->id);
    else if (strcmp(k, "style") == 0)
      get_enum(v, val, "style", STYLES, COUNT(STYLES), &c->style);
    else if (strcmp(k, "scale") == 0 && get_num(v, val, "scale", &c->scale) &&
             c->scale.d <= 0) {
      error_at(v->ctx, val->loc, "use a number above 0, such as 1.0",
               "'scale' must be greater than 0, not %s", val->text);
      c->scale.set = false;
    } else if (strcmp(k, "offset") == 0 &&
               expect_map(v, val, "offset", "write offset: {x: 0, y: 0}")) {
      static const char *const xy[] = {"x", "y"};
      bool known = check_keys(v, val, xy, 2);
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

// voice = ID | {id, speed?: 0.5-2.0, pitch?: -20..20}
static void parse_voice(V *v, const Node *n, Voice *vo) {
  vo->loc = n->loc;
  if (n->kind == NK_SCALAR) {
    get_str(v, n, "voice", &vo->id);
    return;
  }
  if (!expect_map(v, n, "voice", "write voice: ID or {id: ID, speed: 1.1}"))
    return;
  static const char *const keys[] = {"id", "speed", "pitch"};
  for (int i = 0; i < n->npairs; i++) {
    const char *k = n->pairs[i].key->text;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, n->pairs[i].key, keys, COUNT(keys)))
      continue;
    if (strcmp(k, "id") == 0)
      get_str(v, val, "id", &vo->id);
    else if (strcmp(k, "speed") == 0)
      get_range(v, val, "speed", 0.5, 2.0, &vo->speed);
    else if (strcmp(k, "pitch") == 0)
      get_range(v, val, "pitch", -20, 20, &vo->pitch);
  }
}

// background = "#RRGGBB" | {color} | {image: URL, fit?} | {video: URL, fit?}
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
  static const char *const keys[] = {"color", "image", "video", "asset",
                                     "fit"};
  const Node *seen = NULL;
  bool known = true;
  for (int i = 0; i < n->npairs; i++) {
    const Node *key = n->pairs[i].key;
    const Node *val = n->pairs[i].value;
    if (!known_key(v, key, keys, COUNT(keys))) {
      known = false;
      continue;
    }
    if (strcmp(key->text, "fit") == 0) {
      get_enum(v, val, "fit", FITS, COUNT(FITS), &bg->fit);
      continue;
    }
    if (strcmp(key->text, "asset") == 0) {
      error_at(v->ctx, key->loc, "use 'image:' or 'video:' with a URL",
               "local asset backgrounds are not supported in this version");
      continue;
    }
    if (seen) {
      error_at(v->ctx, key->loc, "keep one of 'color', 'image', 'video'",
               "background has both '%s' and '%s'", seen->text, key->text);
      continue;
    }
    seen = key;
    if (key->text[0] == 'c' && get_color(v, val, "color", &bg->color))
      bg->kind = BG_COLOR;
    else if (key->text[0] != 'c' && get_url(v, val, key->text, &bg->url))
      bg->kind = key->text[0] == 'i' ? BG_IMAGE : BG_VIDEO;
  }
  if (!seen && known && !node_get(n, "asset"))
    error_at(v->ctx, n->loc, "add 'color', 'image' or 'video'",
             "background needs a 'color', 'image' or 'video'");
  else if (bg->fit.s && bg->kind == BG_COLOR)
    error_at(v->ctx, bg->fit.loc, "remove 'fit'",
             "'fit' applies to image and video backgrounds only");
}

// speech = script: TEXT | audio: URL | silence: DURATION
static void parse_speech(V *v, const Node *key, const Node *n, int scene_no,
                         Speech *sp) {
  sp->loc = key->loc;
  if (strcmp(key->text, "script") == 0) {
    if (script_compile(v->ctx, n, scene_no, &sp->script))
      sp->kind = SPEECH_SCRIPT;
  } else if (strcmp(key->text, "audio") == 0) {
    if (n->kind == NK_MAP && node_get(n, "asset"))
      error_at(v->ctx, n->loc, "give the audio as a URL",
               "local audio assets are not supported in this version");
    else if (get_url(v, n, "audio", &sp->audio_url))
      sp->kind = SPEECH_AUDIO;
  } else {
    const char *hint = NULL;
    const char *err = script_duration(v->ctx, n, &sp->silence_ms, &hint);
    if (err)
      error_at(v->ctx, n->loc, hint, "%s", err);
    else
      sp->kind = SPEECH_SILENCE;
  }
}

static const char *const SCENE_KEYS[] = {"avatar", "talking_photo", "voice",
                                         "script", "audio",         "silence",
                                         "background"};

// The four slots of a scene (spec-format.md §9), as bits.
enum { SLOT_CHAR = 1, SLOT_VOICE = 2, SLOT_SPEECH = 4, SLOT_BG = 8 };

static int slot_of(const char *key) {
  if (!strcmp(key, "avatar") || !strcmp(key, "talking_photo"))
    return SLOT_CHAR;
  if (!strcmp(key, "voice"))
    return SLOT_VOICE;
  if (!strcmp(key, "background"))
    return SLOT_BG;
  return SLOT_SPEECH;
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
    if (!known_key(v, key, SCENE_KEYS, COUNT(SCENE_KEYS))) {
      // a merge key may have been meant to fill any slot
      const char *guess = diag_suggest(k, SCENE_KEYS, COUNT(SCENE_KEYS));
      reported |= strcmp(k, "<<") == 0 ? SLOT_CHAR | SLOT_VOICE | SLOT_SPEECH
                  : guess              ? slot_of(guess)
                                       : 0;
      continue;
    }
    int slot = slot_of(k);
    if (seen[slot]) {
      error_at(v->ctx, key->loc,
               arena_printf(v->ctx->arena, "keep either '%s' or '%s'",
                            seen[slot]->text, k),
               "'%s' and '%s' cannot be used together %s", seen[slot]->text,
               k, v->where);
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
    merge_str(&s->character.id, &d->character.id);
    merge_str(&s->character.style, &d->character.style);
    merge_num(&s->character.scale, &d->character.scale);
    if (!s->character.offset_x.set) {
      s->character.offset_x = d->character.offset_x;
      s->character.offset_y = d->character.offset_y;
    }
  }
  if (!has_voice)
    s->voice = d->voice;
  else {
    merge_str(&s->voice.id, &d->voice.id);
    merge_num(&s->voice.speed, &d->voice.speed);
    merge_num(&s->voice.pitch, &d->voice.pitch);
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
  else if (!(reported & SLOT_CHAR) && !s->character.id.s)
    error_at(v->ctx, s->character.loc, "add 'id: ...'",
             "'%s' in scene %d has no 'id'", kind, no);
  if (s->speech.kind == SPEECH_NONE && !(reported & SLOT_SPEECH))
    error_at(v->ctx, n->loc, "add 'script', 'audio' or 'silence'",
             "scene %d has nothing to say", no);
  if (s->speech.kind == SPEECH_SCRIPT && !s->voice.id.s &&
      !(reported & SLOT_VOICE))
    error_at(v->ctx, s->voice.loc.file ? s->voice.loc : n->loc,
             s->voice.loc.file ? "add 'id: ...' to the voice"
                               : "add 'voice: ID' to the scene or to "
                                 "'defaults'",
             "scene %d has a script but no voice id", no);
}

static void parse_scenes(V *v, const Node *n, const Node *defaults,
                         Spec *spec) {
  if (n->kind != NK_SEQ) {
    error_at(v->ctx, n->loc, "start each scene with '- '",
             "'scenes' must be a list, not %s", node_kind_name(n));
    return;
  }
  if (n->nitems == 0) {
    error_at(v->ctx, n->loc, "add at least one scene", "'scenes' is empty");
    return;
  }
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
    v->where = arena_printf(v->ctx->arena, "in scene %d", i + 1);
    if (sn->kind != NK_MAP) {
      error_at(
          v->ctx, sn->loc,
          sn->kind == NK_SCALAR && !node_is_null(sn)
              ? arena_printf(v->ctx->arena, "write '- avatar: %s'", sn->text)
              : "write the scene's keys, such as '- avatar: ID'",
          "scene %d must be a map, not %s", i + 1, node_kind_name(sn));
      continue;
    }
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
    long long even = fabs(num.d) < 1e6 ? llround(num.d / 2) * 2 : 1080;
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
  static const char *const keys[] = {"width", "height", "aspect", "quality"};
  v->where = "in 'dimension'";
  bool known = check_keys(v, n, keys, COUNT(keys));
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
    static const char *const names[] = {"16:9", "9:16", "1:1", "4:3", "4:5"};
    static const char *const qualities[] = {"720p", "1080p"};
    Str a = {0};
    Str q = {0};
    bool ok = get_enum(v, aspect, "aspect", names, COUNT(names), &a);
    if (quality)
      ok = get_enum(v, quality, "quality", qualities, 2, &q) && ok;
    if (!ok)
      return;
    bool hd = !q.s || q.s[0] == '1';
    for (int i = 0; i < COUNT(ASPECTS); i++)
      if (!strcmp(a.s, ASPECTS[i].aspect)) {
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
  spec->name = stem;
}

// The spec's path relative to the project root, for the artifact. A spec
// outside the root would make the artifact depend on where it was built.
static const char *source_path(Ctx *ctx, const Node *doc, const char *path) {
  char *real = realpath(path, NULL);
  size_t n = strlen(ctx->root);
  const char *out = NULL;
  if (real && strncmp(real, ctx->root, n) == 0 && real[n] == '/')
    out = arena_strdup(ctx->arena, real + n + 1);
  else
    error_at(ctx, (Loc){doc->loc.file, 0, 0},
             "run hgc inside the project, or name it with --root",
             "spec is outside the project root '%s'", ctx->root);
  free(real);
  return out;
}

// callback = {url: URL, id?: TEXT}
static void parse_callback(V *v, const Node *n, Spec *spec) {
  if (!expect_map(v, n, "callback", "write callback: {url: \"https://...\"}"))
    return;
  static const char *const keys[] = {"url", "id"};
  v->where = "in 'callback'";
  // A misspelt key ("ulr") is its own error: no "needs 'url'" after it.
  bool unknown = false;
  for (int i = 0; i < n->npairs; i++)
    unknown |= !known_key(v, n->pairs[i].key, keys, 2);
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

static void parse_header(V *v, const Node *doc) {
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
  static const char *const kinds[] = {"video", "agent", "webm", "template",
                                      "translate"};
  static const char *const apis[] = {"v2", "v3"};
  const Node *kind = node_get(doc, "kind");
  Str s = {0};
  if (kind && get_enum(v, kind, "kind", kinds, COUNT(kinds), &s) &&
      strcmp(s.s, "video") != 0)
    error_at(v->ctx, kind->loc, "use kind: video",
             "kind '%s' is not supported in this version", s.s);
  const Node *api = node_get(doc, "api");
  if (api && get_enum(v, api, "api", apis, 2, &s) && strcmp(s.s, "v2") != 0)
    error_at(v->ctx, api->loc, "use api: v2",
             "api '%s' is not supported in this version", s.s);
}

static void top_title(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "title", &spec->title);
}

// Checked online against the voice (issue: catalogue); offline it is text.
static void top_language(V *v, const Node *n, Spec *spec) {
  (void)spec;
  Str lang = {0};
  get_str(v, n, "language", &lang);
}

static void top_test(V *v, const Node *n, Spec *spec) {
  get_bool(v, n, "test", &spec->test);
}

static void top_folder(V *v, const Node *n, Spec *spec) {
  get_str(v, n, "folder", &spec->folder);
}

static void top_caption(V *v, const Node *n, Spec *spec) {
  get_bool(v, n, "caption", &spec->caption);
}

static void top_dimension(V *v, const Node *n, Spec *spec) {
  spec->dimension.given = true;
  parse_dimension(v, n, &spec->dimension);
}

// The top-level keys, in the order the format documents them. A NULL
// handler means another stage or step reads the key.
static const struct {
  const char *key;
  void (*parse)(V *v, const Node *n, Spec *spec);
} TOP[] = {
    {"hgc", NULL},           {"kind", NULL},
    {"api", NULL},           {"name", NULL},
    {"include", NULL},       {"env", NULL},
    {"vars", NULL},          {"rows", NULL},
    {"title", top_title},    {"language", top_language},
    {"test", top_test},      {"folder", top_folder},
    {"caption", top_caption}, {"callback", parse_callback},
    {"dimension", top_dimension}, {"defaults", NULL},
    {"scenes", NULL},
};

Spec *validate_spec(Ctx *ctx, const Node *doc, const char *path) {
  int errors = ctx->nerrors;
  V v = {ctx, "at the top level"};
  if (doc->kind != NK_MAP) {
    error_at(ctx, doc->loc, "a spec starts with 'hgc: 1'",
             "the top level of a spec must be a map, not %s",
             node_kind_name(doc));
    return NULL;
  }
  Spec *spec = arena_calloc(ctx->arena, sizeof *spec);
  spec->kind = KIND_VIDEO;
  spec->api = API_V2;
  spec->loc = doc->loc;
  spec->source = source_path(ctx, doc, path);
  spec->dimension = (Dimension){1920, 1080, false, doc->loc};
  parse_header(&v, doc);
  parse_name(&v, doc, path, spec);
  const char *keys[COUNT(TOP)];
  for (int i = 0; i < COUNT(TOP); i++)
    keys[i] = TOP[i].key;
  // In document order, so errors come out in the order of the file.
  for (int i = 0; i < doc->npairs; i++) {
    const Node *key = doc->pairs[i].key;
    int k = 0;
    while (k < COUNT(TOP) && strcmp(key->text, TOP[k].key) != 0)
      k++;
    v.where = "at the top level";
    if (k == COUNT(TOP))
      error_at(ctx, key->loc, unknown_hint(ctx, key->text, keys, COUNT(TOP)),
               "unknown key '%s' at the top level", key->text);
    else if (TOP[k].parse)
      TOP[k].parse(&v, doc->pairs[i].value, spec);
  }
  const Node *n = node_get(doc, "scenes");
  if (n)
    parse_scenes(&v, n, node_get(doc, "defaults"), spec);
  else
    error_at(ctx, (Loc){doc->loc.file, 1, 1}, "add a 'scenes:' list",
             "a video spec needs 'scenes'");
  return ctx->nerrors > errors ? NULL : spec;
}
