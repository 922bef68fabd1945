// SPDX-License-Identifier: MIT
// rt_catalogue.c: the account's avatars, talking photos, voices and
// templates (the catalogue, hgc_rt.h), for the browse commands (`hgc
// avatars | avatar | voices | templates | template`) and `hgc check
// --online`.
//
// Input: the cache file (default .hgc/catalogue.json), or four list GETs
// and one GET per template on the API (GET /v2/avatars, /v2/voices,
// /v2/templates, /v2/template/{id}), at most RT_CAT_JOBS at once.
// Output: the catalogue, normalised (the fields hgc uses, sorted by name),
// saved back to the cache through a temp file and a rename; and, for the
// browse commands, a table or canonical JSON.
// Invariants: a cache is used only when it is valid, of this format and
// younger than --max-age; anything else is fetched again (after a warning
// when the file was there but unusable). Nothing is fetched without a key.
// This file is built without libcurl too (then it reads only the cache),
// which is why the duration parser shared with rt_run.c lives here.
#include "hgc_rt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define RT_CAT_FORMAT 1
#define RT_MAX_CAT_BYTES (64 << 20) // a larger cache file is unusable
#define RT_CAT_JOBS 4               // catalogue requests in flight at once
#define RT_MAX_DURATION_MS (7LL * 24 * 3600 * 1000) // durations' ceiling
#define RT_CAT_TICK_MS 250 // longest wait past the deadline for an answer

//
// Durations
//

bool rt_parse_duration(const char *s, size_t len, long long *ms) {
  char text[64];
  if (len == 0 || len >= sizeof text ||
      !(isdigit((unsigned char)*s) || *s == '.'))
    return false;
  memcpy(text, s, len);
  text[len] = '\0';
  char *end;
  double d = strtod(text, &end);
  static const struct {
    const char *unit;
    double ms;
  } units[] = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(end, units[i].unit) == 0) {
      double v = d * units[i].ms;
      if (!isfinite(v) || v < 1 || v > (double)RT_MAX_DURATION_MS)
        return false;
      *ms = round_half_away(v);
      return true;
    }
  return false;
}

int rt_bad_option(const char *opt, const char *value, const char *want) {
  msg_error("%s takes %s, not '%s'", opt, want, value);
  fputs("try 'hgc --help'\n", stderr);
  return HGC_EUSAGE;
}

int rt_duration_option(const char *opt, const char *value, long long *ms) {
  return rt_parse_duration(value, strlen(value), ms)
             ? HGC_OK
             : rt_bad_option(opt, value, "a duration such as 20m or 90s");
}

//
// The lists
//

// One list of the catalogue: its key (in the catalogue and in the API's
// data), its entries' id and name fields, and the fields kept.
typedef struct {
  const char *list;
  const char *id;
  const char *name;
  const char *fields[8]; // NULL-terminated
} CatList;

enum { L_AVATARS, L_PHOTOS, L_VOICES, L_TEMPLATES, L_VARIABLES };

static const CatList LISTS[] = {
    [L_AVATARS] = {"avatars",
                   "avatar_id",
                   "avatar_name",
                   {"avatar_id", "avatar_name", "gender", "preview_image_url",
                    "default_voice_id"}},
    [L_PHOTOS] = {"talking_photos",
                  "talking_photo_id",
                  "talking_photo_name",
                  {"talking_photo_id", "talking_photo_name"}},
    [L_VOICES] = {"voices",
                  "voice_id",
                  "name",
                  {"voice_id", "name", "language", "gender", "support_pause",
                   "emotion_support", "preview_audio"}},
    [L_TEMPLATES] = {"templates",
                     "template_id",
                     "name",
                     {"template_id", "name"}},
    [L_VARIABLES] = {"variables",
                     "name",
                     "name",
                     {"name", "type", "max_length"}},
};

static const char *str_at(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

//
// The cache
//

// Why doc is not a usable catalogue, or NULL. Every list is there, and
// every entry an object with a string id, so readers need not check.
static const char *unusable(Arena *a, const json_t *doc) {
  json_t *format = json_object_get(doc, "format");
  if (!json_is_object(doc) || !json_is_integer(format))
    return "it is not an hgc catalogue";
  if (json_integer_value(format) != RT_CAT_FORMAT)
    return arena_printf(
        a, "it is in format %" JSON_INTEGER_FORMAT "; this hgc reads format %d",
        json_integer_value(format), RT_CAT_FORMAT);
  if (!json_is_integer(json_object_get(doc, "fetched_at")))
    return "it has no 'fetched_at' time";
  for (int l = L_AVATARS; l <= L_TEMPLATES; l++) {
    const json_t *list = json_object_get(doc, LISTS[l].list);
    size_t i;
    const json_t *e;
    if (!json_is_array(list))
      return arena_printf(a, "it has no '%s' list", LISTS[l].list);
    json_array_foreach(list, i, e) {
      const json_t *vars = json_object_get(e, "variables");
      bool ok =
          str_at(e, LISTS[l].id) && (l != L_TEMPLATES || json_is_array(vars));
      size_t k;
      const json_t *v;
      json_array_foreach(vars, k, v) ok &= str_at(v, "name") != NULL;
      if (!ok)
        return arena_printf(a, "entry %zu of '%s' is malformed", i + 1,
                            LISTS[l].list);
    }
  }
  return NULL;
}

// The cache at path, when usable; NULL otherwise, after a warning when
// the file is there but cannot be used.
static json_t *read_cache(Arena *a, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno != ENOENT)
      msg_warn(NULL,
               "cannot read the catalogue cache '%s': %s; fetching "
               "the catalogue",
               path, strerror(errno));
    return NULL;
  }
  struct stat st;
  json_error_t je;
  bool big = fstat(fileno(f), &st) == 0 && st.st_size > RT_MAX_CAT_BYTES;
  json_t *doc = big ? NULL : json_loadf(f, JSON_REJECT_DUPLICATES, &je);
  fclose(f);
  const char *why = big ? "it is too large" : !doc ? je.text : unusable(a, doc);
  if (why) {
    msg_warn(NULL,
             "the catalogue cache '%s' is unusable (%s); fetching the "
             "catalogue again",
             path, why);
    json_decref(doc);
    return NULL;
  }
  return doc;
}

// Writes the catalogue to path, making its directory; a failure only
// costs the next run a fetch, so it is a warning.
static void save_cache(const char *path, const json_t *cat) {
  const char *slash = strrchr(path, '/');
  int err = 0;
  if (slash && slash != path) {
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir)
      out_of_memory();
    err = rt_mkdirs(dir);
    free(dir);
  }
  size_t len;
  char *text = emit_json(cat, &len);
  if (!err)
    err = text ? emit_write_file(path, text, len, 0) : EFBIG;
  free(text);
  if (err)
    msg_warn(NULL, "the catalogue was not saved to '%s': %s", path,
             strerror(err));
}

//
// Fetching
//

#ifdef HGC_HAVE_RUNTIME
typedef struct {
  const char *name; // sort key; "" when absent
  const char *id;
  json_t *entry;
} SortItem;

static int by_name(const void *pa, const void *pb) {
  const SortItem *a = pa;
  const SortItem *b = pb;
  int c = strcmp(a->name, b->name);
  return c ? c : strcmp(a->id, b->id);
}

// The entries of list (stolen) sorted by name, then id.
static json_t *sorted(json_t *list, const CatList *l) {
  size_t n = json_array_size(list);
  SortItem *items = calloc(n ? n : 1, sizeof *items);
  if (!items)
    out_of_memory();
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(list, i);
    const char *name = str_at(e, l->name);
    items[i] = (SortItem){name ? name : "", str_at(e, l->id), e};
  }
  qsort(items, n, sizeof *items, by_name);
  json_t *out = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append(out, items[i].entry);
  free(items);
  json_decref(list);
  return out;
}

// The API's list (any JSON) as the catalogue keeps it: entries with a
// string id, the fields of l that are there and not null, sorted.
static json_t *normalise(const json_t *list, const CatList *l) {
  json_t *out = json_array();
  size_t i;
  const json_t *e;
  json_array_foreach(list, i, e) {
    if (!str_at(e, l->id))
      continue; // an entry hgc cannot name is of no use
    json_t *kept = json_object();
    for (const char *const *f = l->fields; *f; f++) {
      json_t *v = json_object_get(e, *f);
      if (v && !json_is_null(v))
        json_object_set(kept, *f, v);
    }
    json_array_append_new(out, kept);
  }
  return sorted(out, l);
}

// One variable of a template ({name, type, properties: {max_length?}},
// its name possibly only its key in a map) as {name, type, max_length?}.
static void add_variable(json_t *list, const char *key, const json_t *v) {
  const char *name = str_at(v, "name") ? str_at(v, "name") : key;
  if (!json_is_object(v) || !name)
    return;
  json_t *item = json_pack("{s:s}", "name", name);
  json_t *type = json_object_get(v, "type");
  json_t *max = json_object_get(json_object_get(v, "properties"), "max_length");
  if (!max)
    max = json_object_get(v, "max_length");
  if (json_is_string(type))
    json_object_set(item, "type", type);
  if (json_is_integer(max))
    json_object_set(item, "max_length", max);
  json_array_append_new(list, item);
}

// A template's variables from GET /v2/template/{id}'s data.variables: a
// map name -> variable, or (as in the list answer) a list of variables.
static json_t *variables(const json_t *answer) {
  json_t *vars = json_object_get(json_object_get(answer, "data"), "variables");
  json_t *list = json_array();
  const char *key;
  json_t *v;
  size_t i;
  json_object_foreach(vars, key, v) add_variable(list, key, v);
  json_array_foreach(vars, i, v) add_variable(list, NULL, v);
  return sorted(list, &LISTS[L_VARIABLES]);
}

typedef struct {
  RtHttp *http;
  const char *base; // HGC_API_BASE
  long long deadline;
  int running; // requests in flight
  bool failed; // a request did not succeed: start no more
} Fetch;

static void fetch_done(RtRequest *r) {
  Fetch *f = r->user;
  f->running--;
  f->failed |= r->outcome != RT_OK;
}

// Runs the n GETs, at most RT_CAT_JOBS at a time, stopping at the first
// failure. Returns HGC_OK, or an exit code after a message.
static int get_all(Fetch *f, RtRequest *reqs, int n) {
  int next = 0;
  while (f->running > 0 || (next < n && !f->failed)) {
    for (; next < n && !f->failed && f->running < RT_CAT_JOBS; next++) {
      f->running++;
      rt_http_start(f->http, &reqs[next]);
    }
    rt_http_run(f->http, f->deadline + RT_CAT_TICK_MS);
  }
  for (int i = 0; i < next; i++) {
    int rc = rt_request_code(&reqs[i]);
    if (rc == HGC_OK)
      continue;
    msg_error("catalogue: GET %s: %s", reqs[i].url + strlen(f->base),
              reqs[i].message ? reqs[i].message : "failed");
    if (rc == HGC_EAUTH)
      fputs("hint: check the key in HEYGEN_API_KEY or --api-key-file\n",
            stderr);
    return rc;
  }
  return HGC_OK;
}

// rt_http.c's reports: retries always, every request with --verbose.
static void on_http(void *user, const RtRequest *r, const RtHttpEvent *ev) {
  (void)user, (void)r;
  if (strcmp(ev->event, "retry") == 0)
    msg_warn(NULL, "%s %s: retrying in %.1fs: %s", ev->method, ev->url,
             ev->delay_ms / 1000.0, ev->reason);
  else if (ev->status)
    fprintf(stderr, "hgc: %s %s -> %ld (%ld ms)\n", ev->method, ev->url,
            ev->status, ev->ms);
  else
    fprintf(stderr, "hgc: %s %s -> %s (%ld ms)\n", ev->method, ev->url,
            ev->reason, ev->ms);
}

static RtRequest get(Arena *a, Fetch *f, const char *base, const char *fmt,
                     const char *id) {
  return (RtRequest){.kind = RQ_API,
                     .method = "GET",
                     .url = rt_url_in(a, base, fmt, id),
                     .fd = -1,
                     .done = fetch_done,
                     .user = f};
}

// The list at data.KEY of an answer, or NULL after a message.
static const json_t *answer_list(const RtRequest *r, const char *path,
                                 const char *key, bool optional) {
  const json_t *list = json_object_get(json_object_get(r->json, "data"), key);
  if (json_is_array(list) || (optional && !list))
    return list;
  msg_error("catalogue: the answer to GET %s has no 'data.%s' list", path, key);
  return NULL;
}

// The four lists and each template's variables, from the API.
static int fetch_lists(Arena *a, Fetch *f, const char *base, json_t *cat) {
  RtRequest lists[3] = {get(a, f, base, "/v2/avatars", NULL),
                        get(a, f, base, "/v2/voices", NULL),
                        get(a, f, base, "/v2/templates", NULL)};
  int rc = get_all(f, lists, 3);
  const json_t *avatars, *photos, *voices, *templates;
  if (rc == HGC_OK &&
      (!(avatars = answer_list(&lists[0], "/v2/avatars", "avatars", false)) ||
       !(voices = answer_list(&lists[1], "/v2/voices", "voices", false)) ||
       !(templates =
             answer_list(&lists[2], "/v2/templates", "templates", false))))
    rc = HGC_EAPI;
  if (rc == HGC_OK) {
    photos = answer_list(&lists[0], "/v2/avatars", "talking_photos", true);
    json_object_set_new(cat, "avatars", normalise(avatars, &LISTS[L_AVATARS]));
    json_object_set_new(cat, "talking_photos",
                        normalise(photos, &LISTS[L_PHOTOS]));
    json_object_set_new(cat, "voices", normalise(voices, &LISTS[L_VOICES]));
    json_object_set_new(cat, "templates",
                        normalise(templates, &LISTS[L_TEMPLATES]));
  }
  for (int i = 0; i < 3; i++)
    rt_request_clear(&lists[i]);
  if (rc != HGC_OK)
    return rc;
  json_t *tl = json_object_get(cat, "templates");
  int n = (int)json_array_size(tl);
  RtRequest *details = calloc((size_t)n + 1, sizeof *details);
  if (!details)
    out_of_memory();
  for (int i = 0; i < n; i++)
    details[i] = get(a, f, base, "/v2/template/%s",
                     str_at(json_array_get(tl, i), "template_id"));
  rc = get_all(f, details, n);
  for (int i = 0; i < n; i++) {
    if (rc == HGC_OK)
      json_object_set_new(json_array_get(tl, i), "variables",
                          variables(details[i].json));
    rt_request_clear(&details[i]);
  }
  free(details);
  return rc;
}

static int fetch(Arena *a, const RtOptions *o, long long timeout_ms,
                 const char *purpose, json_t **out) {
  const char *why = rt_http_load();
  if (why) {
    msg_error("cannot load libcurl, which '%s' needs to fetch the "
              "catalogue: %s",
              purpose, why);
    return HGC_EAPI;
  }
  const char *base = rt_base_url(a, "HGC_API_BASE", RT_API_BASE);
  if (!base)
    return HGC_EUSAGE;
  const char *problem = NULL;
  char *key = rt_read_key(a, o->api_key_file, &problem);
  if (!key) {
    msg_error("'%s' needs the API key to fetch the catalogue: %s", purpose,
              problem);
    fprintf(stderr, "hint: %s\n", RT_HINT_NO_KEY);
    return HGC_EAUTH;
  }
  Fetch f = {.base = base, .deadline = rt_now_ms() + timeout_ms};
  f.http = rt_http_new(key, base, base, f.deadline, o->verbose, on_http, NULL);
  int rc = HGC_EAPI;
  json_t *cat = json_pack("{s:i, s:I}", "format", RT_CAT_FORMAT, "fetched_at",
                          (json_int_t)time(NULL));
  if (!f.http)
    msg_error("cannot start libcurl");
  else
    rc = fetch_lists(a, &f, base, cat);
  rt_http_free(f.http);
  memset(key, 0, strlen(key));
  free(key);
  if (rc != HGC_OK) {
    json_decref(cat);
    return rc;
  }
  *out = cat;
  return HGC_OK;
}
#else
static int fetch(Arena *a, const RtOptions *o, long long timeout_ms,
                 const char *purpose, json_t **out) {
  (void)a, (void)o, (void)timeout_ms, (void)out;
  msg_error("this hgc was built without libcurl; '%s' cannot fetch the "
            "catalogue",
            purpose);
  fputs("hint: a fresh cache (--catalogue, --max-age) is read without it\n",
        stderr);
  return HGC_EUSAGE;
}
#endif

int rt_catalogue_load(const RtOptions *o, const CatalogueOptions *c,
                      const char *purpose, json_t **out) {
  long long max_age_ms, timeout_ms;
  if (rt_duration_option("--max-age", c->max_age, &max_age_ms) ||
      rt_duration_option("--timeout", o->timeout, &timeout_ms))
    return HGC_EUSAGE;
  Arena *a = arena_new();
  json_t *cat = c->refresh ? NULL : read_cache(a, c->cache_path);
  if (cat) {
    long long age = (long long)time(NULL) -
                    json_integer_value(json_object_get(cat, "fetched_at"));
    // A time ahead of the clock is not trusted to be fresh.
    if (age < 0 || age * 1000 >= max_age_ms) {
      json_decref(cat);
      cat = NULL;
    }
  }
  int rc = HGC_OK;
  if (!cat && (rc = fetch(a, o, timeout_ms, purpose, &cat)) == HGC_OK)
    save_cache(c->cache_path, cat);
  arena_free(a);
  if (rc == HGC_OK)
    *out = cat;
  return rc;
}

//
// Showing it
//

// A table: cells in the arena, row 0 the header; columns padded to their
// widest cell in characters (UTF-8 continuation bytes do not count).
typedef struct {
  Arena *a;
  int ncols;
  const char **cells;
  int nrows;
  int cap;
} Table;

// s for a terminal: control characters (an escape sequence in a name)
// become '?'.
static const char *shown(Arena *a, const char *s) {
  char *t = arena_strdup(a, s ? s : "-");
  for (char *p = t; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
  return t;
}

static void add_row(Table *t, const char *const *cells) {
  if (t->nrows == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 32;
    t->cells =
        realloc(t->cells, sizeof *t->cells * (size_t)(t->cap * t->ncols));
    if (!t->cells)
      out_of_memory();
  }
  for (int c = 0; c < t->ncols; c++)
    t->cells[t->nrows * t->ncols + c] = shown(t->a, cells[c]);
  t->nrows++;
}

static int text_width(const char *s) {
  int w = 0;
  for (; *s; s++)
    w += ((unsigned char)*s & 0xc0) != 0x80;
  return w;
}

static void print_table(FILE *out, Table *t) {
  int width[8] = {0};
  for (int r = 0; r < t->nrows; r++)
    for (int c = 0; c < t->ncols; c++) {
      int w = text_width(t->cells[r * t->ncols + c]);
      if (w > width[c])
        width[c] = w;
    }
  for (int r = 0; r < t->nrows; r++)
    for (int c = 0; c < t->ncols; c++) {
      const char *s = t->cells[r * t->ncols + c];
      if (c == t->ncols - 1)
        fprintf(out, "%s\n", s);
      else
        fprintf(out, "%s%*s", s, width[c] - text_width(s) + 2, "");
    }
  free(t->cells);
  t->cells = NULL;
  t->nrows = t->cap = 0;
}

static bool has_nocase(const char *s, const char *part) {
  size_t n = strlen(part);
  for (; s && *s; s++)
    if (strncasecmp(s, part, n) == 0)
      return true;
  return s && n == 0;
}

static bool same_nocase(const char *s, const char *want) {
  return !want || (s && strcasecmp(s, want) == 0);
}

static const char *yes_no(const json_t *v) {
  return json_is_boolean(v) ? json_is_true(v) ? "yes" : "no" : "-";
}

static const json_t *find(const json_t *list, const char *key, const char *id) {
  size_t i;
  const json_t *e;
  json_array_foreach(list, i, e) {
    const char *s = str_at(e, key);
    if (s && strcmp(s, id) == 0)
      return e;
  }
  return NULL;
}

// The entries of list that q's filters keep, as a new array.
static json_t *filtered(const json_t *list, const CatList *l,
                        const CatalogueQuery *q) {
  json_t *out = json_array();
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) {
    bool keep = (!q->search || has_nocase(str_at(e, l->id), q->search) ||
                 has_nocase(str_at(e, l->name), q->search)) &&
                same_nocase(str_at(e, "gender"), q->gender) &&
                same_nocase(str_at(e, "language"), q->language);
    if (keep)
      json_array_append(out, e);
  }
  return out;
}

// "NAME (LANGUAGE)" of a voice id, or the id when it is not in cat.
static const char *voice_label(Arena *a, const json_t *cat, const char *id) {
  const json_t *v =
      id ? find(json_object_get(cat, "voices"), "voice_id", id) : NULL;
  if (!v)
    return id;
  return arena_printf(a, "%s (%s)", str_at(v, "name") ? str_at(v, "name") : id,
                      str_at(v, "language") ? str_at(v, "language") : "-");
}

static void print_json(FILE *out, const json_t *doc) {
  size_t len;
  char *text = emit_json(doc, &len);
  if (text)
    fwrite(text, 1, len, out);
  free(text);
}

// The lists: avatars (and talking photos), voices or templates.
static void show_lists(FILE *out, Arena *a, const json_t *cat,
                       const CatalogueQuery *q) {
  static const int shows[][2] = {[CAT_AVATARS] = {L_AVATARS, L_PHOTOS},
                                 [CAT_VOICES] = {L_VOICES, -1},
                                 [CAT_TEMPLATES] = {L_TEMPLATES, -1}};
  json_t *doc = json_object();
  for (int k = 0; k < 2; k++) {
    int l = shows[q->view][k];
    if (l >= 0)
      json_object_set_new(
          doc, LISTS[l].list,
          filtered(json_object_get(cat, LISTS[l].list), &LISTS[l], q));
  }
  if (q->json) {
    print_json(out, doc);
    json_decref(doc);
    return;
  }
  Table t = {.a = a};
  size_t i;
  json_t *e;
  if (q->view == CAT_AVATARS) {
    t.ncols = 4;
    add_row(&t, (const char *[]){"avatar", "name", "gender", "default voice"});
    json_array_foreach(json_object_get(doc, "avatars"), i, e) add_row(
        &t,
        (const char *[]){str_at(e, "avatar_id"), str_at(e, "avatar_name"),
                         str_at(e, "gender"),
                         voice_label(a, cat, str_at(e, "default_voice_id"))});
    json_array_foreach(json_object_get(doc, "talking_photos"), i, e)
        add_row(&t, (const char *[]){str_at(e, "talking_photo_id"),
                                     str_at(e, "talking_photo_name"), "-",
                                     "(talking photo)"});
  } else if (q->view == CAT_VOICES) {
    t.ncols = 6;
    add_row(&t, (const char *[]){"voice", "name", "language", "gender",
                                 "pauses", "emotions"});
    json_array_foreach(json_object_get(doc, "voices"), i, e) add_row(
        &t, (const char *[]){str_at(e, "voice_id"), str_at(e, "name"),
                             str_at(e, "language"), str_at(e, "gender"),
                             yes_no(json_object_get(e, "support_pause")),
                             yes_no(json_object_get(e, "emotion_support"))});
  } else {
    t.ncols = 3;
    add_row(&t, (const char *[]){"template", "name", "variables"});
    json_array_foreach(json_object_get(doc, "templates"), i, e) add_row(
        &t,
        (const char *[]){
            str_at(e, "template_id"), str_at(e, "name"),
            arena_printf(a, "%zu",
                         json_array_size(json_object_get(e, "variables")))});
  }
  if (t.nrows == 1)
    fputs("nothing matches\n", out);
  else
    print_table(out, &t);
  free(t.cells);
  json_decref(doc);
}

// The entry of one of lists[0..n) whose id is q->id, or NULL after an
// error with a did-you-mean among their ids and names.
static const json_t *lookup(Arena *a, const json_t *cat, const int *lists,
                            int n, const char *what, const char *listing,
                            const char *id) {
  size_t total = 0;
  for (int k = 0; k < n; k++) {
    const json_t *e = find(json_object_get(cat, LISTS[lists[k]].list),
                           LISTS[lists[k]].id, id);
    if (e)
      return e;
    total += json_array_size(json_object_get(cat, LISTS[lists[k]].list));
  }
  // Candidates: every id and name, a name standing for its entry's id.
  // diag_suggest gives up on a thousand candidates, which the public
  // avatars alone pass, so only those of a length it could suggest (its
  // window: a third of the word's) go in.
  const char **cands = arena_calloc(a, sizeof *cands * (2 * total + 1));
  const char **ids = arena_calloc(a, sizeof *ids * (2 * total + 1));
  size_t len = strlen(id);
  size_t window = len / 3 + 1;
  int m = 0;
  for (int k = 0; k < n; k++) {
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(cat, LISTS[lists[k]].list), i, e) {
      const char *two[2] = {str_at(e, LISTS[lists[k]].id),
                            str_at(e, LISTS[lists[k]].name)};
      for (int w = 0; w < 2; w++) {
        size_t cl = two[w] ? strlen(two[w]) : 0;
        if (two[w] && cl + window >= len && cl <= len + window) {
          ids[m] = two[0];
          cands[m++] = two[w];
        }
      }
    }
  }
  const char *best = diag_suggest(id, cands, m);
  int at = 0;
  while (best && cands[at] != best)
    at++;
  msg_error("no %s '%s' in the account's catalogue", what, shown(a, id));
  if (best && ids[at] == best)
    fprintf(stderr, "hint: did you mean '%s'?\n", shown(a, best));
  else if (best)
    fprintf(stderr, "hint: did you mean '%s' (named '%s')?\n",
            shown(a, ids[at]), shown(a, best));
  else
    fprintf(stderr,
            "hint: '%s' lists them; --refresh fetches the catalogue again\n",
            listing);
  return NULL;
}

static int show_avatar(FILE *out, Arena *a, const json_t *cat,
                       const CatalogueQuery *q) {
  static const int lists[] = {L_AVATARS, L_PHOTOS};
  const json_t *e =
      lookup(a, cat, lists, 2, "avatar or talking photo", "hgc avatars", q->id);
  if (!e)
    return HGC_ESPEC;
  const char *vid = str_at(e, "default_voice_id");
  const json_t *voice =
      vid ? find(json_object_get(cat, "voices"), "voice_id", vid) : NULL;
  if (q->json) {
    json_t *doc = json_copy((json_t *)e);
    if (voice)
      json_object_set(doc, "default_voice", (json_t *)voice);
    print_json(out, doc);
    json_decref(doc);
    return HGC_OK;
  }
  Table t = {.a = a, .ncols = 2};
  if (str_at(e, "talking_photo_id")) {
    add_row(&t,
            (const char *[]){"talking photo", str_at(e, "talking_photo_id")});
    add_row(&t, (const char *[]){"name", str_at(e, "talking_photo_name")});
  } else {
    add_row(&t, (const char *[]){"avatar", str_at(e, "avatar_id")});
    add_row(&t, (const char *[]){"name", str_at(e, "avatar_name")});
    add_row(&t, (const char *[]){"gender", str_at(e, "gender")});
    add_row(&t, (const char *[]){"preview", str_at(e, "preview_image_url")});
    add_row(&t, (const char *[]){"default voice", vid ? vid : "none"});
    if (voice) {
      add_row(&t, (const char *[]){"  name", str_at(voice, "name")});
      add_row(&t, (const char *[]){"  language", str_at(voice, "language")});
      add_row(&t, (const char *[]){"  gender", str_at(voice, "gender")});
      add_row(&t, (const char *[]){"  pauses", yes_no(json_object_get(
                                                   voice, "support_pause"))});
    } else if (vid) {
      add_row(&t, (const char *[]){"", "(not among the account's voices)"});
    }
  }
  print_table(out, &t);
  return HGC_OK;
}

static int show_template(FILE *out, Arena *a, const json_t *cat,
                         const CatalogueQuery *q) {
  static const int lists[] = {L_TEMPLATES};
  const json_t *e =
      lookup(a, cat, lists, 1, "template", "hgc templates", q->id);
  if (!e)
    return HGC_ESPEC;
  if (q->json) {
    print_json(out, e);
    return HGC_OK;
  }
  fprintf(out, "template  %s\nname      %s\n\n",
          shown(a, str_at(e, "template_id")), shown(a, str_at(e, "name")));
  const json_t *vars = json_object_get(e, "variables");
  if (json_array_size(vars) == 0) {
    fputs("no variables\n", out);
    return HGC_OK;
  }
  Table t = {.a = a, .ncols = 3};
  add_row(&t, (const char *[]){"variable", "type", "max length"});
  size_t i;
  const json_t *v;
  json_array_foreach(vars, i, v) {
    const json_t *max = json_object_get(v, "max_length");
    add_row(&t, (const char *[]){str_at(v, "name"), str_at(v, "type"),
                                 max ? arena_printf(a, "%" JSON_INTEGER_FORMAT,
                                                    json_integer_value(max))
                                     : "-"});
  }
  print_table(out, &t);
  return HGC_OK;
}

int rt_catalogue_show(FILE *out, const json_t *cat, const CatalogueQuery *q) {
  Arena *a = arena_new();
  int rc = HGC_OK;
  switch (q->view) {
  case CAT_AVATARS:
  case CAT_VOICES:
  case CAT_TEMPLATES:
    show_lists(out, a, cat, q);
    break;
  case CAT_AVATAR:
    rc = show_avatar(out, a, cat, q);
    break;
  case CAT_TEMPLATE:
    rc = show_template(out, a, cat, q);
    break;
  }
  arena_free(a);
  return rc;
}
