// SPDX-License-Identifier: MIT
// rt_run.c: the runtime commands. Checks the options, turns artifacts,
// specs' artifacts and ids into videos, and runs them through one event
// loop: at most --jobs videos at a time, each moving through VS_SUBMIT
// (rt_submit.c), VS_WAIT and VS_DOWNLOAD (rt_poll.c) as its command
// needs, one request in flight per video, all requests on one libcurl
// multi handle (rt_http.c).
//
// Output: one result line per video on stdout, compact JSON with the keys
// name, video_id, status, file, url, error, printed as each one ends;
// progress on stderr, a live line per video on a terminal and JSON-lines
// events otherwise. The exit code is the first error kept (curl's
// run_all_transfers): later failures never overwrite it.
// Invariants: without a key nothing is sent and nothing is written; the
// key is never printed; --timeout is one budget for the whole command.
#include "hgc_rt.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define RT_MAX_JOBS 64        // --jobs
#define RT_MAX_KEY_BYTES 4096 // --api-key-file
#define RT_MAX_ID 128         // characters in a video id
#define RT_DRAW_MS 200        // live lines are redrawn at most this often
#define RT_LIVE_TICK_MS 250   // longest wait before a redraw check

const char RT_HINT_NO_KEY[] =
    "export HEYGEN_API_KEY=..., or pass --api-key-file FILE";
const char RT_HINT_UNKNOWN[] =
    "look for it on the HeyGen dashboard; if it is not there, run again "
    "with --resubmit";

//
// Options
//

char *rt_read_key(Arena *a, const char *file, const char **problem) {
  char *text = NULL;
  const char *from = file ? "--api-key-file" : "HEYGEN_API_KEY";
  if (file) {
    FILE *f = fopen(file, "rb");
    if (!f) {
      *problem = arena_printf(a, "cannot read --api-key-file '%s': %s", file,
                              strerror(errno));
      return NULL;
    }
    text = calloc(1, RT_MAX_KEY_BYTES + 2);
    if (!text)
      out_of_memory();
    size_t n = fread(text, 1, RT_MAX_KEY_BYTES + 1, f);
    fclose(f);
    if (n > RT_MAX_KEY_BYTES) {
      memset(text, 0, n);
      free(text);
      *problem = arena_printf(a,
                              "--api-key-file '%s' is too large to hold "
                              "a key",
                              file);
      return NULL;
    }
  } else {
    const char *env = getenv("HEYGEN_API_KEY");
    if (!env) {
      *problem = "HEYGEN_API_KEY is not set";
      return NULL;
    }
    if (!(text = strdup(env)))
      out_of_memory();
  }
  char *start = text;
  while (isspace((unsigned char)*start))
    start++;
  size_t len = strlen(start);
  while (len > 0 && isspace((unsigned char)start[len - 1]))
    len--;
  memmove(text, start, len);
  text[len] = '\0';
  bool printable = true;
  for (size_t i = 0; i < len; i++)
    printable &= text[i] > 0x20 && text[i] < 0x7f;
  if (len == 0 || !printable) {
    memset(text, 0, len);
    free(text);
    *problem = len == 0 ? arena_printf(a, "the key in %s is empty", from)
                        : arena_printf(a,
                                       "the key in %s holds spaces or "
                                       "characters a header cannot carry",
                                       from);
    return NULL;
  }
  return text;
}

const char *rt_base_url(Arena *a, const char *env, const char *def) {
  const char *v = getenv(env);
  if (!v || !*v)
    v = def;
  char *b = arena_strdup(a, v);
  for (size_t n = strlen(b); n > 0 && b[n - 1] == '/'; n--)
    b[n - 1] = '\0';
  const char *why = rt_base_problem(b);
  if (why) {
    msg_error("%s '%s' is refused: %s", env, v, why);
    return NULL;
  }
  return b;
}

int rt_job_new(RtCommand cmd, const RtOptions *o, RtJob **out) {
  Arena *a = arena_new();
  RtJob *j = arena_calloc(a, sizeof *j);
  j->arena = a;
  j->cmd = cmd;
  j->rc = HGC_OK;
  j->out_dir = o->out_dir;
  j->state_path = o->state_path;
  j->root = o->root ? o->root : ".";
  j->resubmit = o->resubmit;
  j->verbose = o->verbose;
  j->deadline = rt_now_ms(); // the budget starts now; timeout added below
  int rc = HGC_OK;
  long long lo = 0, hi = 0, jobs = 0;
  const char *colon = strchr(o->poll, ':');
  char *end;
  if (rt_duration_option("--timeout", o->timeout, &j->timeout_ms))
    rc = HGC_EUSAGE;
  else if (!colon ||
           !rt_parse_duration(o->poll, (size_t)(colon - o->poll), &lo) ||
           !rt_parse_duration(colon + 1, strlen(colon + 1), &hi) || lo > hi)
    rc = rt_bad_option("--poll", o->poll,
                       "MIN:MAX durations with MIN <= MAX, such as 2s:30s");
  else if ((jobs = strtoll(o->jobs, &end, 10)) < 1 || jobs > RT_MAX_JOBS ||
           *end || !isdigit((unsigned char)*o->jobs))
    rc = rt_bad_option("--jobs", o->jobs, "a number from 1 to 64");
  else if (strcmp(o->out_dir, "-") == 0)
    rc = rt_bad_option("-o", o->out_dir,
                       "a directory (videos are not written to stdout)");
  if (rc) {
    arena_free(a);
    return rc;
  }
  j->poll_min_ms = (long)lo;
  j->poll_max_ms = (long)hi;
  j->jobs = (int)jobs;
  j->deadline += j->timeout_ms;
  j->api_base = rt_base_url(a, "HGC_API_BASE", RT_API_BASE);
  j->upload_base = rt_base_url(a, "HGC_UPLOAD_BASE", RT_UPLOAD_BASE);
  if (!j->api_base || !j->upload_base) {
    arena_free(a);
    return HGC_EUSAGE;
  }
  j->key = rt_read_key(a, o->api_key_file, &j->key_problem);
  j->uploading = json_object();
  j->hashed = json_object();
  const char *term = getenv("TERM");
  j->tty = isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
  *out = j;
  return HGC_OK;
}

void rt_job_free(RtJob *j) {
  if (!j)
    return;
  rt_http_free(j->http); // first: it may still point into the videos
  for (int i = 0; i < j->nvideos; i++) {
    RtVideo *v = j->videos[i];
    rt_poll_cleanup(v);
    json_decref(v->artifact);
    json_decref(v->send);
    free(v->payload);
    rt_request_clear(&v->req);
  }
  free(j->videos);
  rt_state_close(j->state);
  json_decref(j->uploading);
  json_decref(j->hashed);
  free(j->shown);
  if (j->key) {
    memset(j->key, 0, strlen(j->key));
    free(j->key);
  }
  arena_free(j->arena);
}

//
// Inputs
//

// Names become file names: letters, digits, '.', '_' and '-', not
// starting with '.'.
static bool is_safe_name(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n == 0 || n > max || s[0] == '.')
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
      return false;
  return true;
}

// A request path: no query, no escapes, no "." or ".." segment (so a
// template id cannot climb out of its endpoint).
static bool is_safe_path(const char *s) {
  if (s[0] != '/' || strstr(s, "/."))
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr("/._-", *s))
      return false;
  return true;
}

// An asset path relative to the root that stays under it.
static bool is_relative_inside(const char *p) {
  if (p[0] == '/' || p[0] == '\0')
    return false;
  for (const char *s = p; *s;) {
    size_t n = strcspn(s, "/");
    if (n == 2 && s[0] == '.' && s[1] == '.')
      return false;
    s += n + (s[n] == '/');
  }
  return true;
}

static bool is_hex64(const char *s) {
  size_t n = 0;
  for (; s[n]; n++)
    if (!isdigit((unsigned char)s[n]) && !(s[n] >= 'a' && s[n] <= 'f'))
      return false;
  return n == 64;
}

static RtVideo *new_video(RtJob *j, const char *name, const char *origin) {
  RtVideo *v = arena_calloc(j->arena, sizeof *v);
  v->job = j;
  v->name = arena_strdup(j->arena, name);
  v->origin = arena_strdup(j->arena, origin);
  v->fd = -1;
  v->stage = VS_QUEUED;
  return v;
}

// Adds v, refusing a name or a request already given: both would make
// one video twice (or write one file twice).
static int add_video(RtJob *j, RtVideo *v) {
  for (int i = 0; i < j->nvideos; i++) {
    RtVideo *o = j->videos[i];
    const char *what = strcmp(o->name, v->name) == 0 ? "the name"
                       : o->key && v->key && strcmp(o->key, v->key) == 0
                           ? "the request"
                           : NULL;
    if (what) {
      msg_error("'%s' (from '%s') and '%s' (from '%s') have %s in common; "
                "give each video once",
                o->name, o->origin, v->name, v->origin, what);
      json_decref(v->artifact);
      return HGC_EUSAGE;
    }
  }
  j->videos = grow_array(j->videos, &j->cap, j->nvideos, sizeof *j->videos);
  j->videos[j->nvideos++] = v;
  return HGC_OK;
}

// Checks one asset entry of an artifact; NULL or what is wrong.
static const char *check_asset(RtJob *j, json_t *body, const json_t *a) {
  const char *ptr = json_string_value(json_object_get(a, "pointer"));
  const char *path = json_string_value(json_object_get(a, "path"));
  const char *sha = json_string_value(json_object_get(a, "sha256"));
  const char *mime = json_string_value(json_object_get(a, "mime"));
  if (!ptr || !path || !sha || !mime)
    return "each asset needs 'pointer', 'path', 'sha256' and 'mime' strings";
  if (!is_hex64(sha))
    return arena_printf(
        j->arena, "asset '%s': 'sha256' is not 64 lowercase hex digits", path);
  if (!is_relative_inside(path))
    return arena_printf(j->arena,
                        "asset '%s': the path must be relative "
                        "to the project root and stay under it",
                        path);
  const char *want = arena_printf(j->arena, "asset:sha256:%s", sha);
  const char *at = json_string_value(rt_pointer_get(body, ptr));
  if (!at || strcmp(at, want) != 0)
    return arena_printf(j->arena,
                        "asset '%s': the body does not hold "
                        "'%s' at '%s'",
                        path, want, ptr);
  // A file shared by many artifacts is hashed once.
  const char *seen = json_string_value(json_object_get(j->hashed, path));
  if (seen && strcmp(seen, sha) == 0)
    return NULL;
  size_t len;
  const char *why;
  unsigned char *data = rt_asset_read(j, a, &len, &why);
  if (!data)
    return why;
  free(data);
  json_object_set_new(j->hashed, path, json_string(sha));
  return NULL;
}

// Checks an artifact (§6) and fills v from it; NULL or what is wrong.
static const char *check_artifact(RtJob *j, RtVideo *v) {
  json_t *doc = v->artifact;
  const char *name = json_string_value(json_object_get(doc, "name"));
  const char *method = json_string_value(json_object_get(doc, "method"));
  const char *path = json_string_value(json_object_get(doc, "path"));
  json_t *body = json_object_get(doc, "body");
  json_t *assets = json_object_get(doc, "assets");
  if (!json_is_object(doc))
    return "it is not a JSON object";
  if (!json_is_integer(json_object_get(doc, "hgc")) ||
      json_integer_value(json_object_get(doc, "hgc")) != HGC_FORMAT)
    return "it is not an hgc artifact (\"hgc\": 1)";
  if (!name || !is_safe_name(name, 200))
    return "'name' must be letters, digits, '.', '_' or '-' (it names the "
           "video file)";
  if (!method || strcmp(method, "POST") != 0)
    return "'method' must be \"POST\"";
  if (!path || !is_safe_path(path) || !(v->ep = rt_endpoint(path)))
    return arena_printf(j->arena,
                        "'path' '%s' is not a generate endpoint hgc can follow",
                        path ? path : "");
  if (!json_is_object(body))
    return "'body' must be an object";
  if (assets && !json_is_array(assets))
    return "'assets' must be a list";
  size_t i;
  json_t *a;
  json_array_foreach(assets, i, a) {
    const char *why = check_asset(j, body, a);
    if (why)
      return why;
  }
  v->name = arena_strdup(j->arena, name);
  v->path = arena_strdup(j->arena, path);
  const char *format =
      json_string_value(json_object_get(body, "output_format"));
  v->ext = strcmp(path, "/v1/video.webm") == 0 ||
                   (strncmp(path, "/v3/", 4) == 0 && format &&
                    strcmp(format, "webm") == 0)
               ? "webm"
               : "mp4";
  // The key: sha256 of the canonical {method, path, body}, before asset
  // ids are put in, so it is the same on every machine and every run.
  json_t *req = json_pack("{s:s, s:s, s:O}", "method", method, "path", path,
                          "body", body);
  size_t len;
  char *text = emit_json(req, &len);
  json_decref(req);
  if (!text)
    return "the request is too large";
  char hex[65];
  asset_sha256(text, len, hex);
  free(text);
  v->key = arena_strdup(j->arena, hex);
  return NULL;
}

int rt_job_add_artifact(RtJob *j, json_t *artifact, const char *origin) {
  RtVideo *v = new_video(j, origin, origin);
  v->artifact = artifact;
  const char *why = check_artifact(j, v);
  if (why) {
    msg_error("%s: %s", origin, why);
    json_decref(artifact);
    return HGC_ESPEC;
  }
  return add_video(j, v);
}

int rt_job_add_arg(RtJob *j, const char *arg) {
  size_t n = strlen(arg);
  if (j->cmd == RT_QUOTA) {
    msg_error("'hgc quota' takes no arguments");
    return HGC_EUSAGE;
  }
  if (n > 5 && strcmp(arg + n - 5, ".json") == 0) {
    json_error_t e;
    json_t *doc = json_load_file(arg, JSON_REJECT_DUPLICATES, &e);
    if (!doc) {
      if (e.line > 0)
        msg_error("%s:%d:%d: %s", arg, e.line, e.column, e.text);
      else
        msg_error("%s", e.text);
      return HGC_ESPEC;
    }
    return rt_job_add_artifact(j, doc, arg);
  }
  if (j->cmd == RT_SUBMIT || j->cmd == RT_RUN) {
    msg_error("'%s' is not an artifact (.json) or a spec (.yaml, .yml)", arg);
    return HGC_EUSAGE;
  }
  if (!is_safe_name(arg, RT_MAX_ID) || strchr(arg, '.')) {
    msg_error("'%s' is not a video id, an artifact (.json) or a spec "
              "(.yaml, .yml)",
              arg);
    return HGC_EUSAGE;
  }
  RtVideo *v = new_video(j, arg, arg);
  v->ep = rt_endpoint_default();
  v->video_id = v->status_id = v->name;
  return add_video(j, v);
}

//
// Progress and results
//

static void progress_clear(RtJob *j) {
  if (j->drawn > 0)
    fprintf(stderr, "\033[%dA\033[J", j->drawn);
  j->drawn = 0;
}

static int term_width(void) {
#ifdef TIOCGWINSZ
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
    return ws.ws_col;
#endif
  return 80;
}

// One line per active video, under everything printed so far; redrawn
// only when the text changed or something was printed above it.
static void progress_draw(RtJob *j, bool force) {
  long long now = rt_now_ms();
  if (!j->tty || (!force && now - j->drawn_at < RT_DRAW_MS))
    return;
  int width = term_width() - 1;
  Buf b;
  buf_init(&b, 1 << 20);
  int lines = 0;
  bool ok = true;
  for (int i = 0; ok && i < j->nvideos; i++) {
    RtVideo *v = j->videos[i];
    if (v->stage == VS_QUEUED || v->stage == VS_DONE)
      continue;
    ok = buf_addf(
        &b, "%.*s\n", width,
        arena_printf(j->arena, "  %-24s %s", v->name, rt_poll_live(v)));
    lines++;
  }
  j->drawn_at = now;
  char *text = ok ? buf_take(&b) : NULL;
  if (text && j->drawn == lines && j->shown && strcmp(text, j->shown) == 0) {
    free(text);
    return;
  }
  progress_clear(j);
  if (text)
    fputs(text, stderr);
  j->drawn = text ? lines : 0;
  free(j->shown);
  j->shown = text;
  fflush(stderr);
}

// Prints one JSON object on stderr: {"event": E, "name": N, ...fields}.
static void event_line(RtJob *j, const char *event, const char *name,
                       json_t *fields) {
  json_t *o = json_pack("{s:s, s:s}", "event", event, "name", name);
  if (fields)
    json_object_update(o, fields);
  json_decref(fields);
  (void)j;
  json_print_line(stderr, o, JSON_COMPACT);
  json_decref(o);
  fflush(stderr);
}

void rt_event(RtVideo *v, const char *event, json_t *fields,
              const char *live_fmt, ...) {
  RtJob *j = v->job;
  if (!j->tty) {
    event_line(j, event, v->name, fields);
    return;
  }
  json_decref(fields);
  va_list ap;
  va_start(ap, live_fmt);
  vsnprintf(v->live, sizeof v->live, live_fmt, ap);
  va_end(ap);
  progress_draw(j, true);
}

static void print_result(RtVideo *v, const char *status, const char *error) {
  RtJob *j = v->job;
  bool has_file = strcmp(status, "completed") == 0 &&
                  (j->cmd == RT_RUN || j->cmd == RT_DOWNLOAD);
  json_t *o = json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:s?}", "name", v->name,
                        "video_id", v->video_id ? v->video_id : v->status_id,
                        "status", status, "file", has_file ? v->file : NULL,
                        "url", v->url, "error", error);
  progress_clear(j);
  json_print_line(stdout, o, JSON_COMPACT);
  json_decref(o);
  fflush(stdout);
}

void rt_finish(RtVideo *v, const char *status, int code, const char *error,
               const char *hint) {
  RtJob *j = v->job;
  if (v->stage == VS_DONE)
    unreachable();
  if (v->stage != VS_QUEUED)
    j->running--;
  v->stage = VS_DONE;
  v->busy = false;
  if (v->holds_lock) {
    v->holds_lock = false;
    rt_state_unlock(j->state);
  }
  if (v->uploading)
    json_object_del(j->uploading, v->uploading);
  v->uploading = NULL;
  rt_poll_cleanup(v);
  json_decref(v->send);
  v->send = NULL;
  free(v->payload);
  v->payload = NULL;
  if (code != HGC_OK && j->rc == HGC_OK)
    j->rc = code;
  if (error) {
    if (j->tty) {
      progress_clear(j);
      fprintf(stderr, "hgc: %s: %s\n", v->name, error);
      if (hint)
        fprintf(stderr, "hint: %s\n", hint);
    } else {
      event_line(j, "error", v->name,
                 json_pack("{s:s, s:s?}", "message", error, "hint", hint));
    }
  }
  print_result(v, status, error);
  progress_draw(j, true);
}

void rt_finish_request(RtVideo *v, const char *what) {
  RtRequest *r = &v->req;
  const char *msg = arena_printf(v->job->arena, "%s: %s", what,
                                 r->message ? r->message : "failed");
  switch (r->outcome) {
  case RT_ETIMEOUT:
    rt_finish(v, "timeout", HGC_ETIMEOUT, msg, NULL);
    break;
  case RT_EAUTH:
    rt_finish(v, "error", HGC_EAUTH, msg,
              "check the key in HEYGEN_API_KEY or --api-key-file");
    break;
  case RT_EUNKNOWN:
    rt_finish(v, "unknown", HGC_EAPI, msg, RT_HINT_UNKNOWN);
    break;
  default:
    rt_finish(v, "error", HGC_EAPI, msg, NULL);
    break;
  }
}

// rt_http.c's reports: retries always, every request with --verbose.
static void on_http(void *user, const RtRequest *r, const RtHttpEvent *ev) {
  RtJob *j = user;
  RtVideo *v = r->user;
  if (strcmp(ev->event, "retry") == 0) {
    rt_event(v, "retry",
             json_pack("{s:s, s:s, s:s, s:I, s:i}", "method", ev->method, "url",
                       ev->url, "reason", ev->reason, "delay_ms",
                       (json_int_t)ev->delay_ms, "try", ev->attempt),
             "retrying in %.1fs: %s", ev->delay_ms / 1000.0, ev->reason);
  } else if (j->tty) {
    progress_clear(j);
    if (ev->status)
      fprintf(stderr, "hgc: %s %s -> %ld (%ld ms)\n", ev->method, ev->url,
              ev->status, ev->ms);
    else
      fprintf(stderr, "hgc: %s %s -> %s (%ld ms)\n", ev->method, ev->url,
              ev->reason, ev->ms);
    progress_draw(j, true);
  } else {
    event_line(j, "http", v->name,
               json_pack("{s:s, s:s, s:I, s:s?, s:I, s:i}", "method",
                         ev->method, "url", ev->url, "status",
                         (json_int_t)ev->status, "error", ev->reason, "ms",
                         (json_int_t)ev->ms, "try", ev->attempt));
  }
}

//
// The state file, for the stage files
//

bool rt_lock(RtVideo *v) {
  progress_clear(v->job);
  if (rt_state_lock(v->job->state, v->job->deadline))
    return true;
  rt_finish(v, "error", HGC_EAPI, "the state file cannot be used", NULL);
  return false;
}

void rt_unlock(RtVideo *v) { rt_state_unlock(v->job->state); }

static const char *utc_now(Arena *a) {
  time_t t = time(NULL);
  struct tm tm;
  char buf[32];
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return arena_strdup(a, buf);
}

bool rt_record(RtVideo *v, const char *status) {
  RtJob *j = v->job;
  if (!v->key)
    return true;
  progress_clear(j);
  if (!rt_state_lock(j->state, j->deadline))
    return false;
  json_t *e = json_pack(
      "{s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:I, s:s?, s:s}", "name",
      v->name, "path", v->path, "api", v->ep->api, "status", status, "video_id",
      v->video_id, "status_id", v->status_id, "url", v->url, "file", v->file,
      "size", (json_int_t)v->size, "error", v->error, "updated",
      utc_now(j->arena));
  rt_state_put_video(j->state, v->key, e);
  bool ok = rt_state_save(j->state);
  rt_state_unlock(j->state);
  return ok;
}

static const char *entry_str(RtJob *j, const json_t *e, const char *k) {
  const char *s = json_string_value(json_object_get(e, k));
  return s ? arena_strdup(j->arena, s) : NULL;
}

void rt_adopt(RtVideo *v, const json_t *entry) {
  RtJob *j = v->job;
  const char *path = entry_str(j, entry, "path");
  if (!v->artifact) { // a bare id: the entry knows what it is
    const char *name = entry_str(j, entry, "name");
    if (name && is_safe_name(name, 200))
      v->name = name;
    v->path = path;
    const RtEndpoint *ep = path ? rt_endpoint(path) : NULL;
    v->ep = ep ? ep : rt_endpoint_default();
    if (path && strcmp(path, "/v1/video.webm") == 0)
      v->ext = "webm";
  }
  v->video_id = entry_str(j, entry, "video_id");
  v->status_id = entry_str(j, entry, "status_id");
  v->url = entry_str(j, entry, "url");
  v->file = entry_str(j, entry, "file");
  v->error = entry_str(j, entry, "error");
  v->size = json_integer_value(json_object_get(entry, "size"));
  v->since = rt_now_ms();
}

void rt_resume(RtVideo *v, const json_t *entry) {
  RtJob *j = v->job;
  const char *st = json_string_value(json_object_get(entry, "status"));
  rt_adopt(v, entry);
  if (!st || !v->status_id || strcmp(st, "unknown") == 0 ||
      strcmp(st, "submitting") == 0) {
    rt_finish(v, "unknown", HGC_EAPI,
              v->error ? v->error
                       : "an earlier POST of this request has an unknown "
                         "outcome",
              RT_HINT_UNKNOWN);
  } else if (strcmp(st, "failed") == 0) {
    rt_finish(v, "failed", HGC_ERENDER, v->error,
              j->cmd == RT_SUBMIT || j->cmd == RT_RUN
                  ? "this request failed to render before; --resubmit "
                    "renders it again"
                  : NULL);
  } else if (j->cmd == RT_SUBMIT) {
    rt_finish(v, st, HGC_OK, NULL, NULL);
  } else if (strcmp(st, "completed") == 0 && j->cmd == RT_WAIT) {
    rt_finish(v, "completed", HGC_OK, NULL, NULL);
  } else {
    v->stage = strcmp(st, "completed") == 0 ? VS_DOWNLOAD : VS_WAIT;
    v->poll_ms = j->poll_min_ms;
    v->wake_at = 0;
  }
}

const char *rt_url_in(Arena *a, const char *base, const char *fmt,
                      const char *id) {
  Buf b;
  buf_init(&b, 16384);
  bool ok = buf_addstr(&b, base);
  for (const char *p = fmt; ok && *p; p++) {
    if (p[0] == '%' && p[1] == 's') {
      for (const char *s = id; ok && *s; s++)
        ok = isalnum((unsigned char)*s) || strchr("-._~", *s)
                 ? buf_addc(&b, *s)
                 : buf_addf(&b, "%%%02X", (unsigned char)*s);
      p++;
    } else {
      ok = buf_addc(&b, *p);
    }
  }
  if (!ok)
    out_of_memory();
  const char *url = arena_strdup(a, b.data);
  buf_free(&b);
  return url;
}

const char *rt_url(RtJob *j, const char *base, const char *fmt,
                   const char *id) {
  return rt_url_in(j->arena, base, fmt, id);
}

//
// Running
//

// The first stage of v, by command; status, wait and download look their
// videos up in the state file first.
static void start_video(RtJob *j, RtVideo *v) {
  j->running++;
  v->stage = VS_WAIT;
  v->since = rt_now_ms();
  v->poll_ms = j->poll_min_ms;
  v->wake_at = 0;
  snprintf(v->live, sizeof v->live, "starting");
  if (j->cmd == RT_SUBMIT || j->cmd == RT_RUN) {
    v->stage = VS_SUBMIT;
    return;
  }
  if (!rt_lock(v))
    return;
  const char *key = v->key ? v->key : rt_state_find_id(j->state, v->name);
  json_t *e = key ? json_deep_copy(rt_state_video(j->state, key)) : NULL;
  rt_unlock(v);
  if (!e && v->artifact) {
    rt_finish(v, "error", HGC_EAPI,
              arena_printf(j->arena,
                           "it has not been submitted (no entry in '%s')",
                           rt_state_path(j->state)),
              "run 'hgc submit' or 'hgc run' first");
    return;
  }
  if (e) {
    v->key = arena_strdup(j->arena, key);
    if (j->cmd == RT_STATUS) {
      rt_adopt(v, e);
      if (!v->status_id)
        rt_resume(v, e); // unknown outcome: nothing to ask about
    } else {
      rt_resume(v, e);
    }
  }
  json_decref(e);
}

static void step(RtVideo *v) {
  switch (v->stage) {
  case VS_SUBMIT:
    rt_submit_step(v);
    break;
  case VS_WAIT:
    rt_poll_step(v);
    break;
  case VS_DOWNLOAD:
    rt_download_step(v);
    break;
  case VS_QUEUED:
  case VS_DONE:
    unreachable();
  }
}

static void timed_out(RtVideo *v) {
  RtJob *j = v->job;
  const char *doing = v->stage == VS_QUEUED ? "before it started"
                      : v->word
                          ? arena_printf(j->arena, "while it was '%s'", v->word)
                          : "";
  rt_finish(v, "timeout", HGC_ETIMEOUT,
            arena_printf(j->arena, "the --timeout budget ran out %s", doing),
            v->stage == VS_WAIT && (j->cmd == RT_RUN || j->cmd == RT_WAIT ||
                                    j->cmd == RT_DOWNLOAD)
                ? "run the same command again later: it resumes waiting"
                : NULL);
}

static void run_videos(RtJob *j) {
  for (;;) {
    long long now = rt_now_ms();
    bool left = false; // a video not done after this pass
    long long wake = j->deadline;
    for (int i = 0; i < j->nvideos; i++) {
      RtVideo *v = j->videos[i];
      if (v->stage == VS_DONE)
        continue;
      if (v->busy) {
        left = true;
        continue;
      }
      if (now >= j->deadline) {
        timed_out(v);
        continue;
      }
      if (v->stage == VS_QUEUED) {
        if (j->running >= j->jobs) {
          left = true; // a slot frees when a busy video ends
          continue;
        }
        start_video(j, v);
        if (v->stage == VS_DONE)
          continue;
      }
      if (v->wake_at <= now)
        step(v);
      left |= v->stage != VS_DONE;
      if (v->stage != VS_DONE && !v->busy && v->wake_at < wake)
        wake = v->wake_at;
    }
    if (!left)
      return;
    if (j->tty && wake > now + RT_LIVE_TICK_MS)
      wake = now + RT_LIVE_TICK_MS;
    rt_http_run(j->http, wake);
    progress_draw(j, false);
  }
}

int rt_request_code(const RtRequest *r) {
  return r->outcome == RT_ETIMEOUT ? HGC_ETIMEOUT
         : r->outcome == RT_EAUTH  ? HGC_EAUTH
         : r->outcome != RT_OK     ? HGC_EAPI
                                   : HGC_OK;
}

static void quota_done(RtRequest *r) { ((RtVideo *)r->user)->busy = false; }

static int run_quota(RtJob *j) {
  RtVideo *q = new_video(j, "quota", "quota");
  q->req = (RtRequest){
      .kind = RQ_API,
      .method = "GET",
      .url = rt_url(j, j->api_base, "/v1/video_generate.quota", NULL),
      .fd = -1,
      .done = quota_done,
      .user = q,
  };
  q->busy = true;
  rt_http_start(j->http, &q->req);
  while (q->busy)
    rt_http_run(j->http, j->deadline + RT_LIVE_TICK_MS);
  RtRequest *r = &q->req;
  json_t *data = json_object_get(r->json, "data");
  json_t *remaining = json_object_get(data, "remaining_quota");
  json_t *used = json_object_get(data, "used_quota");
  int rc = rt_request_code(r);
  if (rc == HGC_OK && json_is_number(remaining) && json_is_number(used)) {
    json_t *o = json_pack("{s:O, s:O}", "remaining_quota", remaining,
                          "used_quota", used);
    json_print_line(stdout, o, 0);
    json_decref(o);
  } else {
    msg_error("quota: %s", rc ? r->message
                              : "the answer has no remaining_quota or "
                                "used_quota");
    rc = rc ? rc : HGC_EAPI;
  }
  rt_request_clear(r);
  return rc;
}

int rt_job_run(RtJob *j) {
  if (!j->key) {
    // Nothing is sent and nothing is written without a key.
    msg_error("no API key: %s", j->key_problem);
    fprintf(stderr, "hint: %s\n", RT_HINT_NO_KEY);
    for (int i = 0; i < j->nvideos; i++)
      print_result(j->videos[i], "error", "no API key");
    return HGC_EAUTH;
  }
  j->http = rt_http_new(j->key, j->api_base, j->upload_base, j->deadline,
                        j->verbose, on_http, j);
  if (!j->http) {
    msg_error("cannot start libcurl");
    return HGC_EAPI;
  }
  if (j->cmd == RT_QUOTA)
    return run_quota(j);
  int rc = rt_state_open(j->state_path, j->cmd == RT_SUBMIT || j->cmd == RT_RUN,
                         j->deadline, &j->state);
  if (rc != HGC_OK)
    return rc;
  run_videos(j);
  progress_clear(j);
  return j->rc;
}
