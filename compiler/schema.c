// SPDX-License-Identifier: MIT
// schema.c: the spec format's keys, one table per map, for the validator
// and for `hgc schema`.
//
// Every map of the format (the top level, a scene, a voice, ...) is one
// table of keys, and these tables are the one place a key is declared:
// validate.c and script.c have no list of keys of their own. They ask
// schema_find() whether a key exists (and schema_takes() whether the
// spec's kind takes a top-level one), and offer schema_keys() as the
// did-you-mean candidates; a key they have no code for is accepted and
// read by another stage, or by no one. So an editor's JSON Schema
// (2020-12, from schema_document) can never allow or forbid a key the
// compiler does not: adding a key here adds it to both. Each key carries
// its JSON Schema as text (parsed once per document), a one-line
// description and, at the top level, the kinds that take it. Values may
// also be whole `${...}` references, which only the compiler can type,
// so typed fields accept them too ($defs/expr). The document keeps to
// keywords draft-07 engines read alike (yaml-language-server is one):
// tests/schemas.sh checks it, and every spec in the tests, against it.
#include "hgc.h"

#include <string.h>

typedef struct {
  const char *name;
  const char *schema; // JSON Schema of the value, as JSON text
  const char *help;   // for editors' hover text
  unsigned kinds;     // the kinds that take it, as K() bits; 0: every kind
} SchemaKey;

// A kind as a bit of SchemaKey.kinds.
#define K(kind) (1u << (kind))
#define K_SCENES (K(KIND_VIDEO) | K(KIND_WEBM))
// The kinds, in SpecKind order: the values of `kind`, and what the
// document's per-kind rules test.
#define KINDS "\"video\", \"agent\", \"webm\", \"template\", \"translate\""

#define REF(def) "{\"$ref\": \"#/$defs/" def "\"}"
// Numbers and booleans may also be written as text, as the validator
// reads CSV cells and quoted values ("1.5", "true").
#define NUM(extra)                                                            \
  "{\"anyOf\": [{\"type\": \"number\"" extra "}, " REF("decimal") ", "        \
  REF("expr") "]}"
#define INT(extra)                                                            \
  "{\"anyOf\": [{\"type\": \"integer\"" extra "}, " REF("whole") ", "         \
  REF("expr") "]}"
#define BOOL                                                                  \
  "{\"anyOf\": [{\"type\": \"boolean\"}, {\"enum\": [\"true\", "              \
  "\"false\"]}, " REF("expr") "]}"
#define STR "{\"type\": [\"string\", \"number\"]}"
#define ENUM(list) "{\"anyOf\": [{\"enum\": [" list "]}, " REF("expr") "]}"
#define OR_ID(def) "{\"anyOf\": [" STR ", " REF(def) "]}"
#define MAP "{\"type\": \"object\"}"

static const SchemaKey TOP[] = {
    {"hgc", "{\"enum\": [1, \"1\"]}", "format version; must be 1", 0},
    {"kind", ENUM(KINDS), "what to make (default video)", 0},
    {"api", ENUM("\"v2\", \"v3\""), "HeyGen API to lower to (default v2)", 0},
    {"name",
     "{\"anyOf\": [{\"type\": [\"string\", \"number\"], \"pattern\": "
     "\"^[a-z0-9][a-z0-9._-]*$\"}, " REF("expr") "]}",
     "artifact name: [a-z0-9][a-z0-9._-]*", 0},
    {"include", "{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"array\", "
                "\"items\": {\"type\": \"string\"}}, {\"type\": \"null\"}]}",
     "files merged under this one", 0},
    {"env", "{\"type\": \"array\", \"items\": {\"type\": \"string\"}}",
     "environment variables ${env.NAME} may read", 0},
    {"vars", MAP, "variables for ${name}", 0},
    {"rows", "{\"type\": \"string\"}", "CSV or YAML rows: one video per row",
     0},
    {"title", STR, "video title",
     K(KIND_VIDEO) | K(KIND_TEMPLATE) | K(KIND_TRANSLATE)},
    {"language", STR, "the scripts' language, e.g. en-US", K_SCENES},
    {"test", BOOL, "test mode: watermarked, free (v2)",
     K(KIND_VIDEO) | K(KIND_TEMPLATE)},
    {"folder", STR, "folder id (v2)", K(KIND_VIDEO)},
    {"caption", "{\"anyOf\": [" BOOL ", " REF("caption") "]}",
     "captions; {style: default} burns them in (v3)",
     K(KIND_VIDEO) | K(KIND_TEMPLATE)},
    {"callback", REF("callback"), "webhook called when the video is ready",
     K(KIND_VIDEO) | K(KIND_AGENT) | K(KIND_TEMPLATE) | K(KIND_TRANSLATE)},
    {"dimension",
     "{\"anyOf\": [{\"enum\": [\"720p\", \"1080p\"]}, {\"type\": \"string\", "
     "\"pattern\": \"^[0-9]+x[0-9]+$\"}, " REF("dimension") ", " REF("expr")
     "]}",
     "size: 720p, 1080p, \"WxH\" or {aspect}", K_SCENES},
    // A scene's `include` is spliced away before validation (include.c),
    // but `defaults` is no place for one.
    {"defaults",
     "{\"allOf\": [" REF("scene") ", {\"not\": {\"required\": "
     "[\"include\"]}}]}",
     "merged into every scene", K_SCENES},
    {"scenes", "{\"type\": \"array\", \"minItems\": 1}",
     "the scenes, in order", K_SCENES | K(KIND_AGENT)},
    {"prompt", "{\"type\": \"string\"}", "agent: the prompt as is",
     K(KIND_AGENT)},
    {"style", REF("style"), "agent: the global visual style", K(KIND_AGENT)},
    {"instruction", "{\"type\": \"string\"}", "agent: catch-all instruction",
     K(KIND_AGENT)},
    {"config", REF("config"), "agent: duration, avatar, orientation",
     K(KIND_AGENT)},
    {"files", "{\"type\": \"array\", \"items\": " REF("file") "}",
     "agent: attached files", K(KIND_AGENT)},
    {"template", STR, "template: the template id", K(KIND_TEMPLATE)},
    {"variables", MAP, "template: its variables", K(KIND_TEMPLATE)},
    {"video", "{\"type\": \"string\"}", "translate: the video's URL",
     K(KIND_TRANSLATE)},
    {"video_id", STR, "translate: a HeyGen video id (v2)", K(KIND_TRANSLATE)},
    {"output_language", STR, "translate: the target language",
     K(KIND_TRANSLATE)},
    {"translate_audio_only", BOOL, "translate: audio only, no lip sync",
     K(KIND_TRANSLATE)},
    {"speaker_num", INT(", \"minimum\": 1, \"maximum\": 100"),
     "translate: number of speakers", K(KIND_TRANSLATE)},
    {"remove_background", BOOL, "v3: remove the avatar's background",
     K_SCENES},
    {"style_id", STR, "agent, v3: a Video Agent style", K(KIND_AGENT)},
    {"mode", ENUM("\"speed\", \"precision\""), "translate, v3: quality mode",
     K(KIND_TRANSLATE)},
};

// Below the top level every kind takes every key: the rows leave kinds 0.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const SchemaKey SCENE[] = {
    {"avatar", OR_ID("character"), "avatar id, or {id, style, ...}"},
    {"talking_photo", OR_ID("character"), "talking photo id, or {id, ...}"},
    {"voice", OR_ID("voice"), "voice id, or {id, speed, pitch}"},
    {"script",
     "{\"anyOf\": [" STR ", {\"type\": \"array\", \"items\": {\"anyOf\": "
     "[" STR ", " REF("pause") "]}}]}",
     "text with <break time=\"1s\"/>, or a list of lines and {pause}"},
    {"audio", "{\"anyOf\": [{\"type\": \"string\"}, " REF("asset") "]}",
     "audio URL, or {asset: ./file.mp3}"},
    {"silence", REF("duration"), "a silent scene of this length"},
    {"background",
     "{\"anyOf\": [" REF("color") ", " REF("background") ", " REF("expr")
     "]}",
     "\"#RRGGBB\", or {color | image | video | asset, fit}"},
    {"include", "{\"type\": \"string\"}", "splice the scenes of a file here"},
};

static const SchemaKey CHARACTER[] = {
    {"id", STR, "the avatar's or talking photo's id"},
    {"style", ENUM("\"normal\", \"closeUp\", \"circle\""), "framing (v2)"},
    {"scale", NUM(", \"exclusiveMinimum\": 0"), "size (v2)"},
    {"offset", REF("offset"), "position (v2)"},
    {"engine", ENUM("\"avatar_iv\", \"avatar_v\", \"avatar_iii\""),
     "avatar engine (v3)"},
    {"motion_prompt", STR, "how the avatar moves (v3)"},
    {"expressiveness", ENUM("\"high\", \"medium\", \"low\""), "(v3)"},
    {"image", "{\"type\": \"string\"}", "a talking photo's image URL (v3)"},
    {"asset", "{\"type\": \"string\"}", "a talking photo's image file (v3)"},
};

static const SchemaKey OFFSET[] = {
    {"x", NUM(""), "horizontal offset"},
    {"y", NUM(""), "vertical offset"},
};

static const SchemaKey VOICE[] = {
    {"id", STR, "the voice's id"},
    {"speed", NUM(", \"minimum\": 0.5, \"maximum\": 2"), "0.5 to 2.0"},
    {"pitch", NUM(", \"minimum\": -20, \"maximum\": 20"), "-20 to 20"},
    {"volume", NUM(", \"minimum\": 0, \"maximum\": 1"), "0 to 1 (v3)"},
    {"locale", STR, "accent, e.g. en-US (v3)"},
};

static const SchemaKey BACKGROUND[] = {
    {"color", REF("color"), "\"#RRGGBB\""},
    {"image", "{\"type\": \"string\"}", "image URL"},
    {"video", "{\"type\": \"string\"}", "video URL (v2)"},
    {"asset", "{\"type\": \"string\"}", "a local image or video file"},
    {"fit", ENUM("\"cover\", \"contain\""), "how the media fills the frame"},
};

static const SchemaKey AUDIO_ASSET[] = {
    {"asset", "{\"type\": \"string\"}", "a local MP3 or WAV file"},
};

#define SIDE ", \"minimum\": 128, \"maximum\": 4096, \"multipleOf\": 2"
static const SchemaKey DIMENSION[] = {
    {"width", INT(SIDE), "even pixels"},
    {"height", INT(SIDE), "even pixels"},
    {"aspect", ENUM("\"16:9\", \"9:16\", \"1:1\", \"4:3\", \"4:5\", \"5:4\", "
                    "\"auto\""),
     "aspect ratio (5:4 and auto: v3)"},
    {"quality", ENUM("\"720p\", \"1080p\", \"4k\""), "(4k: v3)"},
};

static const SchemaKey CALLBACK[] = {
    {"url", "{\"type\": \"string\"}", "webhook URL"},
    {"id", STR, "echoed back to the webhook; needs url"},
};

static const SchemaKey CAPTION[] = {
    {"style", ENUM("\"default\""), "burn captions in (v3)"},
};

static const SchemaKey STYLE[] = {
    {"visual", STR, "visual style"},
    {"colors", MAP, "colour names to \"#RRGGBB\""},
    {"font", STR, "font family"},
    {"vibe", STR, "two or three words"},
    {"avatar_placement", STR, "when the avatar is on screen"},
};

static const SchemaKey AGENT_SCENE[] = {
    {"title", STR, "the scene's title"},
    {"type", ENUM("\"A-roll\", \"B-roll\", \"Motion Graphics\", \"Stock\""),
     "scene type"},
    {"visual", STR, "what is on screen"},
    {"vo", STR, "the voice-over"},
    {"duration", REF("duration"), "how long the scene lasts"},
    {"include", "{\"type\": \"string\"}", "splice the scenes of a file here"},
};

static const SchemaKey CONFIG[] = {
    {"duration", REF("duration"), "5s to 300s (v2)"},
    {"avatar", STR, "avatar id"},
    {"orientation", ENUM("\"portrait\", \"landscape\""), "orientation"},
};

static const SchemaKey FILE_ITEM[] = {
    {"asset_id", STR, "an uploaded asset's id"},
    {"asset", "{\"type\": \"string\"}", "a local file"},
};

static const SchemaKey PAUSE[] = {
    {"pause", REF("duration"), "a pause in a list-form script"},
};
#pragma GCC diagnostic pop

#define TABLE(id, def, keys) [id] = {def, keys, sizeof keys / sizeof keys[0]}

static const struct {
  const char *def;        // its name under $defs, or NULL (the top level)
  const SchemaKey *keys;
  int n;
} TABLES[SCHEMA_NMAPS] = {
    TABLE(SCHEMA_TOP, NULL, TOP),
    TABLE(SCHEMA_SCENE, "scene", SCENE),
    TABLE(SCHEMA_CHARACTER, "character", CHARACTER),
    TABLE(SCHEMA_OFFSET, "offset", OFFSET),
    TABLE(SCHEMA_VOICE, "voice", VOICE),
    TABLE(SCHEMA_BACKGROUND, "background", BACKGROUND),
    TABLE(SCHEMA_AUDIO_ASSET, "asset", AUDIO_ASSET),
    TABLE(SCHEMA_DIMENSION, "dimension", DIMENSION),
    TABLE(SCHEMA_CALLBACK, "callback", CALLBACK),
    TABLE(SCHEMA_CAPTION, "caption", CAPTION),
    TABLE(SCHEMA_STYLE, "style", STYLE),
    TABLE(SCHEMA_AGENT_SCENE, "agent_scene", AGENT_SCENE),
    TABLE(SCHEMA_CONFIG, "config", CONFIG),
    TABLE(SCHEMA_FILE, "file", FILE_ITEM),
    TABLE(SCHEMA_PAUSE, "pause", PAUSE),
};

int schema_keys(SchemaMap map, const char *const **names) {
  // The names of each table, gathered once: validators call this often.
  static const char *cache[SCHEMA_NMAPS][SCHEMA_MAX_KEYS];
  if (TABLES[map].n > SCHEMA_MAX_KEYS)
    unreachable();
  if (!cache[map][0])
    for (int i = 0; i < TABLES[map].n; i++)
      cache[map][i] = TABLES[map].keys[i].name;
  *names = cache[map];
  return TABLES[map].n;
}

int schema_find(SchemaMap map, const char *name) {
  // Validators ask for every key of every row: most keys of a table
  // differ from the name in their first character, compared first.
  for (int i = 0; i < TABLES[map].n; i++) {
    const char *key = TABLES[map].keys[i].name;
    if (key[0] == name[0] && strcmp(key, name) == 0)
      return i;
  }
  return -1;
}

bool schema_takes(SchemaMap map, int i, SpecKind kind) {
  unsigned kinds = TABLES[map].keys[i].kinds;
  return kinds == 0 || (kinds & K(kind));
}

static json_t *parse(const char *text) {
  json_t *v = json_loads(text, 0, NULL);
  if (!v)
    unreachable(); // the tables are constants, checked by the tests
  return v;
}

static json_t *object_schema(SchemaMap map) {
  json_t *props = json_object();
  for (int i = 0; i < TABLES[map].n; i++) {
    const SchemaKey *k = &TABLES[map].keys[i];
    json_t *s = parse(k->schema);
    json_object_set_new(s, "description", json_string(k->help));
    json_object_set_new(props, k->name, s);
  }
  json_t *o = json_object();
  json_object_set_new(o, "type", json_string("object"));
  json_object_set_new(o, "properties", props);
  json_object_set_new(o, "additionalProperties", json_false());
  return o;
}

// One rule per kind, "if kind is agent then only these top-level keys",
// from schema_takes(). A missing kind is video, as in the validator; a
// `${...}` kind matches no rule, so any key is left to the compiler.
static json_t *kind_rules(void) {
  json_t *names = parse("[" KINDS "]");
  json_t *rules = json_array();
  for (size_t kind = 0; kind < json_array_size(names); kind++) {
    json_t *keys = json_object();
    for (int i = 0; i < TABLES[SCHEMA_TOP].n; i++)
      if (schema_takes(SCHEMA_TOP, i, (SpecKind)kind))
        json_object_set_new(keys, TOP[i].name, json_true());
    json_t *when = json_pack("{s:{s:{s:O}}}", "properties", "kind", "const",
                             json_array_get(names, kind));
    if (kind != KIND_VIDEO)
      json_object_set_new(when, "required", parse("[\"kind\"]"));
    json_array_append_new(
        rules, json_pack("{s:o, s:{s:o, s:b}}", "if", when, "then",
                         "properties", keys, "additionalProperties", 0));
  }
  json_decref(names);
  return rules;
}

json_t *schema_document(void) {
  json_t *doc = object_schema(SCHEMA_TOP);
  json_object_set_new(doc, "$schema",
                      json_string("https://json-schema.org/draft/2020-12/"
                                  "schema"));
  json_object_set_new(doc, "$id",
                      json_string("https://hgc.dev/schema/spec-1.json"));
  json_object_set_new(doc, "title", json_string("hgc video spec, format 1"));
  json_object_set_new(doc, "required", parse("[\"hgc\"]"));
  // Scenes are agent scenes in an agent spec, video scenes elsewhere.
  json_object_set_new(
      doc, "if",
      parse("{\"properties\": {\"kind\": {\"const\": \"agent\"}}, "
            "\"required\": [\"kind\"]}"));
  json_object_set_new(doc, "then",
                      parse("{\"properties\": {\"scenes\": {\"items\": "
                            "{\"$ref\": \"#/$defs/agent_scene\"}}}}"));
  json_object_set_new(doc, "else",
                      parse("{\"properties\": {\"scenes\": {\"items\": "
                            "{\"$ref\": \"#/$defs/scene\"}}}}"));
  json_object_set_new(doc, "allOf", kind_rules());
  json_t *defs = json_object();
  for (int m = 0; m < SCHEMA_NMAPS; m++)
    if (TABLES[m].def)
      json_object_set_new(defs, TABLES[m].def, object_schema((SchemaMap)m));
  json_object_set_new(
      defs, "expr",
      parse("{\"type\": \"string\", \"pattern\": \"\\\\$\\\\{\", "
            "\"description\": \"a ${variable}, typed when expanded\"}"));
  json_object_set_new(
      defs, "decimal",
      parse("{\"type\": \"string\", \"pattern\": "
            "\"^[-+]?[0-9]+(\\\\.[0-9]+)?$\", "
            "\"description\": \"a number written as text\"}"));
  json_object_set_new(
      defs, "whole",
      parse("{\"type\": \"string\", \"pattern\": \"^[-+]?[0-9]+$\", "
            "\"description\": \"a whole number written as text\"}"));
  json_object_set_new(
      defs, "color",
      parse("{\"type\": \"string\", \"pattern\": "
            "\"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$\"}"));
  json_object_set_new(
      defs, "duration",
      parse("{\"anyOf\": [{\"type\": \"number\", \"exclusiveMinimum\": 0}, "
            "{\"type\": \"string\", \"pattern\": "
            "\"^([0-9]+|[0-9]*\\\\.[0-9]+)(s|ms)?$|\\\\$\\\\{\"}]}"));
  json_object_set_new(doc, "$defs", defs);
  return doc;
}
