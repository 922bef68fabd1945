// SPDX-License-Identifier: MIT
// online.c: a validated Spec against the account's catalogue (--online).
//
// Input is a Spec from validate_spec and ctx->catalogue, the object
// rt_catalogue_load gives (docs/catalogue.md): the account's avatars,
// talking photos, voices and templates as the API lists them. Every id
// the spec sends must be in it; an unknown one is an error at the id, with
// a did-you-mean among the account's ids and names, so a user who wrote
// the avatar's name ('Daisy') is told its id. A template spec's variables
// must be the template's: none missing, none unknown, none over its
// max_length. Warnings: a script with pauses for a voice that does not
// support them, and a voice whose language is not the spec's `language:`.
//
// A script scene without a voice (validate_spec lets it through when
// ctx->catalogue is set) takes its avatar's default voice: the id is
// written into the Spec, so the artifact and `hgc explain` show it.
// Only ids that are sent are checked: a default voice is unused in audio
// and silence scenes. An id that `defaults` gives every scene is reported
// once, at its own line.
#include "hgc.h"

#include <string.h>
#include <strings.h>

// One list of the catalogue, and the fields that name its entries.
typedef struct {
  const char *what;     // "avatar", for messages
  const char *list;     // the catalogue's key: "avatars"
  const char *id_key;   // "avatar_id"
  const char *name_key; // "avatar_name"
  const char *browse;   // the command that lists them
  const char *spec_key; // the spec's key for one: "avatar"
} Table;

static const Table AVATARS = {"avatar",      "avatars",     "avatar_id",
                              "avatar_name", "hgc avatars", "avatar"};
static const Table TALKING_PHOTOS = {"talking photo",    "talking_photos",
                                     "talking_photo_id", "talking_photo_name",
                                     "hgc avatars",      "talking_photo"};
static const Table VOICES = {"voice", "voices",     "voice_id",
                             "name",  "hgc voices", "voice"};
static const Table TEMPLATES = {"template", "templates",     "template_id",
                                "name",     "hgc templates", "template"};

typedef struct {
  Ctx *ctx;
  LocSet said; // what was reported
} Online;

static const char *str_field(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static const json_t *entries(const Online *o, const Table *t) {
  return json_object_get(o->ctx->catalogue, t->list);
}

// The entry of t whose id is id, or NULL.
static const json_t *find(const Online *o, const Table *t, const char *id) {
  const json_t *list = entries(o, t);
  for (size_t i = 0; i < json_array_size(list); i++) {
    const char *e = str_field(json_array_get(list, i), t->id_key);
    if (e && strcmp(e, id) == 0)
      return json_array_get(list, i);
  }
  return NULL;
}

static bool said_before(Online *o, Loc loc) {
  return diag_seen(o->ctx, &o->said, loc);
}

// The hint for a word that is no id of t: the entry named so (any case),
// else the closest id, else the closest name; NULL when none is close.
static const char *suggest(Online *o, const Table *t, const char *word) {
  Ctx *ctx = o->ctx;
  const json_t *list = entries(o, t);
  size_t n = json_array_size(list);
  const char **ids = arena_calloc(ctx->arena, sizeof(char *) * (n + 1));
  const char **names = arena_calloc(ctx->arena, sizeof(char *) * (n + 1));
  const char **owners = arena_calloc(ctx->arena, sizeof(char *) * (n + 1));
  int nids = 0;
  int nnames = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *e = json_array_get(list, i);
    const char *id = str_field(e, t->id_key);
    const char *name = str_field(e, t->name_key);
    if (!id)
      continue;
    ids[nids++] = id;
    if (name) {
      if (strcasecmp(name, word) == 0)
        return arena_printf(ctx->arena, "did you mean '%s' (named '%s')?", id,
                            name);
      owners[nnames] = id;
      names[nnames++] = name;
    }
  }
  const char *hint = diag_did_you_mean(ctx, word, ids, nids);
  if (hint)
    return hint;
  const char *name = diag_suggest(word, names, nnames);
  for (int i = 0; name && i < nnames; i++)
    if (names[i] == name)
      return arena_printf(ctx->arena, "did you mean '%s' (named '%s')?",
                          owners[i], name);
  return NULL;
}

// The entry of t for id, or NULL after an error at the id. `other` is a
// table the id may belong to instead (a talking photo written as an
// avatar), for the hint; may be NULL.
static const json_t *check_id(Online *o, const Table *t, const Table *other,
                              const Str *id) {
  const json_t *e = find(o, t, id->s);
  if (e || said_before(o, id->loc))
    return e;
  const char *hint =
      other && find(o, other, id->s)
          ? arena_printf(o->ctx->arena, "'%s' is a %s: write '%s: %s'", id->s,
                         other->what, other->spec_key, id->s)
          : suggest(o, t, id->s);
  if (!hint) // the cache may predate it
    hint = arena_printf(o->ctx->arena,
                        "see '%s'; one made since the catalogue was "
                        "cached needs --refresh",
                        t->browse);
  error_at(o->ctx, id->loc, hint, "%s '%s' is not in the account", t->what,
           id->s);
  return NULL;
}

//
// Languages
//

// The language subtag of a tag (the "en" of "en-US") and the name the API
// gives voices ("English"). A spec's `language:` and a voice's language
// are each mapped to a row, by subtag or by name; when either maps to
// none, nothing is compared.
static const struct {
  const char *tag;
  const char *name;
} LANGUAGES[] = {
    {"ar", "Arabic"},     {"bg", "Bulgarian"}, {"cs", "Czech"},
    {"da", "Danish"},     {"de", "German"},    {"el", "Greek"},
    {"en", "English"},    {"es", "Spanish"},   {"fi", "Finnish"},
    {"fil", "Filipino"},  {"fr", "French"},    {"he", "Hebrew"},
    {"hi", "Hindi"},      {"hr", "Croatian"},  {"hu", "Hungarian"},
    {"id", "Indonesian"}, {"it", "Italian"},   {"ja", "Japanese"},
    {"ko", "Korean"},     {"ms", "Malay"},     {"nl", "Dutch"},
    {"no", "Norwegian"},  {"pl", "Polish"},    {"pt", "Portuguese"},
    {"ro", "Romanian"},   {"ru", "Russian"},   {"sk", "Slovak"},
    {"sv", "Swedish"},    {"ta", "Tamil"},     {"th", "Thai"},
    {"tr", "Turkish"},    {"uk", "Ukrainian"}, {"vi", "Vietnamese"},
    {"zh", "Chinese"},
};
#define NLANGUAGES ((int)(sizeof LANGUAGES / sizeof LANGUAGES[0]))

// The row of a language written as a tag ("en-US", "pt_BR", "en") or a
// name, possibly qualified ("English", "Chinese (Mandarin)"); -1: unknown.
static int language_of(const char *s) {
  size_t sub = strcspn(s, "-_");
  for (int i = 0; i < NLANGUAGES; i++) {
    size_t n = strlen(LANGUAGES[i].name);
    if (sub == strlen(LANGUAGES[i].tag) &&
        strncasecmp(s, LANGUAGES[i].tag, sub) == 0)
      return i;
    if (strncasecmp(s, LANGUAGES[i].name, n) == 0 &&
        (s[n] == '\0' || s[n] == ' '))
      return i;
  }
  return -1;
}

//
// Scenes
//

// "voice 'ID' ('Lucia', the default of avatar 'A')", as far as known.
static const char *voice_label(Online *o, const Voice *v, const json_t *voice) {
  Arena *a = o->ctx->arena;
  const char *name = str_field(voice, "name");
  const char *of = v->default_of ? arena_printf(a, "the default of avatar '%s'",
                                                v->default_of)
                                 : NULL;
  if (name && of)
    return arena_printf(a, "voice '%s' ('%s', %s)", v->id.s, name, of);
  if (name || of)
    return arena_printf(a, name ? "voice '%s' ('%s')" : "voice '%s' (%s)",
                        v->id.s, name ? name : of);
  return arena_printf(a, "voice '%s'", v->id.s);
}

// The avatar's default voice for a script scene that names none.
static void fill_voice(Online *o, Scene *s, const json_t *avatar, int no) {
  const char *id = str_field(avatar, "default_voice_id");
  if (!id || !*id) {
    error_at(o->ctx, s->loc,
             avatar ? arena_printf(o->ctx->arena,
                                   "add 'voice: ID': avatar '%s' has no "
                                   "default voice",
                                   s->character.id.s)
                    : "add 'voice: ID': only an avatar has a default voice",
             "scene %d has a script but no voice id", no);
    return;
  }
  s->voice.id = (Str){arena_strdup(o->ctx->arena, id), s->character.id.loc};
  s->voice.default_of = s->character.id.s;
}

// Warnings about a voice the scene's script uses: pauses it cannot make,
// a language other than the spec's.
static void check_voice_use(Online *o, const Spec *spec, const Scene *s,
                            const json_t *voice, int no) {
  const Script *sc = &s->speech.script;
  if (sc->pauses > 0 &&
      json_is_false(json_object_get(voice, "support_pause")) &&
      !said_before(o, s->speech.loc))
    warn_at(o->ctx, s->speech.loc,
            "remove the pauses, or pick a voice that supports them",
            "scene %d has %d pause%s, but %s does not support pauses", no,
            sc->pauses, sc->pauses == 1 ? "" : "s",
            voice_label(o, &s->voice, voice));
  const char *lang = str_field(voice, "language");
  if (!spec->language.s || !lang)
    return;
  int want = language_of(spec->language.s);
  int has = language_of(lang);
  if (want >= 0 && has >= 0 && want != has && !said_before(o, s->voice.id.loc))
    warn_at(o->ctx, s->voice.id.loc,
            arena_printf(o->ctx->arena,
                         "pick a voice in %s, or change 'language' (line %d)",
                         LANGUAGES[want].name, spec->language.loc.line),
            "%s speaks %s, but the spec's language is '%s'",
            voice_label(o, &s->voice, voice), lang, spec->language.s);
}

static void check_scene(Online *o, const Spec *spec, Scene *s, int no) {
  Character *c = &s->character;
  const json_t *character = NULL;
  bool known = true;
  if (c->id.s) { // v3 also takes a talking photo as an image
    bool photo = c->kind == CHAR_TALKING_PHOTO;
    character = check_id(o, photo ? &TALKING_PHOTOS : &AVATARS,
                         photo ? &AVATARS : &TALKING_PHOTOS, &c->id);
    known = character != NULL;
  }
  if (s->speech.kind != SPEECH_SCRIPT)
    return; // the voice is not sent
  const json_t *voice = NULL;
  if (!s->voice.id.s) {
    if (!known)
      return; // the character's error says enough
    fill_voice(o, s, c->kind == CHAR_AVATAR ? character : NULL, no);
    if (!s->voice.id.s)
      return;
    // An avatar's default voice may be one the voice list leaves out.
    voice = find(o, &VOICES, s->voice.id.s);
  } else {
    voice = check_id(o, &VOICES, NULL, &s->voice.id);
  }
  if (voice)
    check_voice_use(o, spec, s, voice, no);
}

//
// Templates
//

static long utf8_chars(const char *s) {
  long n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

// The template's variable named name, or NULL.
static const json_t *find_var(const json_t *vars, const char *name) {
  for (size_t i = 0; i < json_array_size(vars); i++) {
    const char *n = str_field(json_array_get(vars, i), "name");
    if (n && strcmp(n, name) == 0)
      return json_array_get(vars, i);
  }
  return NULL;
}

// Is name among the n strings of list (by pointer: diag_suggest's picks)?
static bool picked(const char *const *list, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (list[i] == name)
      return true;
  return false;
}

// variables = exactly the template's, each within its max_length. A
// misspelt one is reported unknown, with the right name, and that name
// is not reported missing as well.
static void check_template(Online *o, const Spec *spec) {
  const Template *t = &spec->tmpl;
  Arena *a = o->ctx->arena;
  const json_t *tmpl = check_id(o, &TEMPLATES, NULL, &t->id);
  if (!tmpl)
    return;
  const json_t *vars = json_object_get(tmpl, "variables");
  size_t n = json_array_size(vars);
  const char **names = arena_calloc(a, sizeof(char *) * (n + 1));
  int nnames = 0;
  for (size_t i = 0; i < n; i++)
    if ((names[nnames] = str_field(json_array_get(vars, i), "name")))
      nnames++;
  const char **typo_of = arena_calloc(a, sizeof(char *) * (t->nvars + 1));
  for (int i = 0; i < t->nvars; i++)
    if (!find_var(vars, t->names[i].s))
      typo_of[i] = diag_suggest(t->names[i].s, names, nnames);
  // Missing ones first, at the map, so errors keep the file's order.
  for (int i = 0; i < nnames; i++) {
    int j = 0;
    while (j < t->nvars && strcmp(t->names[j].s, names[i]) != 0)
      j++;
    if (j == t->nvars && !picked(typo_of, t->nvars, names[i]))
      error_at(o->ctx, t->loc, arena_printf(a, "add '%s: ...'", names[i]),
               "variable '%s' of template '%s' is missing", names[i], t->id.s);
  }
  for (int i = 0; i < t->nvars; i++) {
    const json_t *var = find_var(vars, t->names[i].s);
    if (!var) {
      error_at(o->ctx, t->names[i].loc,
               typo_of[i] ? arena_printf(a, "did you mean '%s'?", typo_of[i])
                          : arena_printf(a,
                                         "see its variables with 'hgc "
                                         "template %s'",
                                         t->id.s),
               "template '%s' has no variable '%s'", t->id.s, t->names[i].s);
      continue;
    }
    const json_t *max = json_object_get(var, "max_length");
    long len = utf8_chars(t->values[i].s);
    if (json_is_integer(max) && len > json_integer_value(max))
      error_at(o->ctx, t->values[i].loc,
               arena_printf(a, "shorten it by %lld characters",
                            (long long)(len - json_integer_value(max))),
               "variable '%s' is %ld characters long (template '%s' takes "
               "at most %lld)",
               t->names[i].s, len, t->id.s, (long long)json_integer_value(max));
  }
}

bool online_check(Ctx *ctx, Spec *spec) {
  int errors = ctx->nerrors;
  Online o = {ctx, {0}};
  switch (spec->kind) {
  case KIND_VIDEO:
  case KIND_WEBM:
    for (int i = 0; i < spec->nscenes; i++)
      check_scene(&o, spec, &spec->scenes[i], i + 1);
    break;
  case KIND_AGENT:
    // The Video Agent takes an avatar or a talking photo.
    if (spec->agent.avatar.s &&
        !find(&o, &TALKING_PHOTOS, spec->agent.avatar.s))
      check_id(&o, &AVATARS, NULL, &spec->agent.avatar);
    break;
  case KIND_TEMPLATE:
    check_template(&o, spec);
    break;
  case KIND_TRANSLATE:
    break; // a video, not a catalogue entry
  }
  return ctx->nerrors == errors;
}
