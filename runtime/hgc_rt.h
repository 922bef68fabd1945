// SPDX-License-Identifier: MIT
// hgc_rt.h: the runtime, `hgc submit | status | wait | download | run |
// quota`, and the catalogue the browse commands and `check --online` use.
// The first two sections are the public API that main.c drives; the
// others are shared by the runtime files only, a section per file:
//
//   rt_catalogue.c the account's catalogue and its cache (and durations)
//   rt_run.c    options, inputs, the event loop, progress, result lines
//   rt_submit.c asset uploads and the generate POST, paid at most once
//   rt_poll.c   the endpoint table, status polling, downloads
//   rt_state.c  the state file: lock, load, atomic save
//   rt_http.c   the only libcurl user: one multi handle, retries, budget
//
// Ownership: an RtJob owns everything it holds. Strings live in the job's
// arena unless a field says malloc'd; json_t values follow emit.c's rule
// (stealing API for fresh values, json_decref on roots only). A request's
// answer (json, message) belongs to the request until its next start.
#ifndef HGC_RT_H
#define HGC_RT_H

#include "../compiler/hgc.h"

//
// Public: the commands
//
typedef enum {
  RT_SUBMIT,   // upload assets, POST, record; no waiting
  RT_STATUS,   // one status GET per video
  RT_WAIT,     // poll until rendered or failed
  RT_DOWNLOAD, // wait if needed, then download
  RT_RUN,      // submit, wait, download
  RT_QUOTA,    // print the remaining quota
} RtCommand;

// Command-line values as given; rt_job_new checks them.
typedef struct {
  const char *out_dir;      // -o: where videos go (default "videos")
  const char *state_path;   // --state (default ".hgc/state.json")
  const char *timeout;      // --timeout: budget of the command ("20m")
  const char *poll;         // --poll MIN:MAX polling interval ("2s:30s")
  const char *jobs;         // --jobs: videos in flight at once ("4")
  const char *api_key_file; // --api-key-file, or NULL for HEYGEN_API_KEY
  const char *root;         // project root: asset paths are relative to it
  bool resubmit;            // --resubmit: send unknown/failed entries again
  bool verbose;             // --verbose: one line per HTTP request
} RtOptions;

// The defaults. Inline, so that an hgc built without libcurl still parses
// the runtime's options.
static inline void rt_options_init(RtOptions *o) {
  *o = (RtOptions){.out_dir = "videos",
                   .state_path = ".hgc/state.json",
                   .timeout = "20m",
                   .poll = "2s:30s",
                   .jobs = "4"};
}

typedef struct RtJob RtJob;

// Checks the options and the environment (HGC_API_BASE, HGC_UPLOAD_BASE).
// Returns HGC_OK and sets *out, or an exit code after a message.
int rt_job_new(RtCommand cmd, const RtOptions *o, RtJob **out);
// Adds a compiled artifact (a §6 document, stolen); origin names its spec
// in messages. Returns HGC_OK, or an exit code after a message.
int rt_job_add_artifact(RtJob *j, json_t *artifact, const char *origin);
// Adds a command-line argument that is not a spec: an artifact file
// (NAME.json) or, for status, wait and download, a video id.
int rt_job_add_arg(RtJob *j, const char *arg);
// Runs the command; prints one result line per video. Returns the exit
// code: the first error kept, HGC_OK when every video completed.
int rt_job_run(RtJob *j);
void rt_job_free(RtJob *j);

//
// rt_catalogue.c: the account's avatars, voices and templates, cached.
// Built even without libcurl: such an hgc reads a fresh cache, and says
// it has no runtime when it would have to fetch.
//
// The catalogue, in memory and in the cache file (canonical JSON):
//   {"format": 1, "fetched_at": UNIX-SECONDS,
//    "avatars": [{"avatar_id", "avatar_name", "gender",
//                 "preview_image_url", "default_voice_id"}],
//    "talking_photos": [{"talking_photo_id", "talking_photo_name"}],
//    "voices": [{"voice_id", "name", "language", "gender",
//                "support_pause", "emotion_support", "preview_audio"}],
//    "templates": [{"template_id", "name",
//                   "variables": [{"name", "type", "max_length"?}]}]}
// Each list sorted by name (then id); a field the API left out or null
// is absent.
//
typedef struct {
  const char *cache_path; // --catalogue (default ".hgc/catalogue.json")
  bool refresh;           // --refresh: fetch even when the cache is fresh
  const char *max_age;    // --max-age: a cache older is fetched ("24h")
} CatalogueOptions;

static inline void rt_catalogue_options_init(CatalogueOptions *c) {
  *c = (CatalogueOptions){.cache_path = ".hgc/catalogue.json",
                          .max_age = "24h"};
}

// Loads the catalogue: from the cache when it is younger than max_age
// (and refresh is false), else fetched with the key (HEYGEN_API_KEY or
// o->api_key_file, base HGC_API_BASE, within o->timeout) and saved to the
// cache. An unusable cache is fetched again after a warning. `purpose`
// names what needs it, for the no-key message ("hgc check --online").
// Returns HGC_OK and *out (caller decrefs), or an exit code after one
// message (HGC_EAUTH when there is no key).
int rt_catalogue_load(const RtOptions *o, const CatalogueOptions *c,
                      const char *purpose, json_t **out);

// What the browse commands show, and how.
typedef enum {
  CAT_AVATARS,   // hgc avatars [--search TEXT] [--gender G]
  CAT_VOICES,    // hgc voices [--language L] [--gender G]
  CAT_TEMPLATES, // hgc templates
  CAT_AVATAR,    // hgc avatar ID
  CAT_TEMPLATE,  // hgc template ID
} CatalogueView;

typedef struct {
  CatalogueView view;
  const char *id;       // CAT_AVATAR, CAT_TEMPLATE: avatar or template id
  const char *search;   // --search: in id or name, any case; NULL: all
  const char *gender;   // --gender, any case; NULL: all
  const char *language; // --language, any case; NULL: all
  bool json;            // canonical JSON rather than a table
} CatalogueQuery;

// Prints what q asks for from cat on out. Returns HGC_OK, or HGC_ESPEC
// after a message (with a did-you-mean) when q->id is not in cat.
int rt_catalogue_show(FILE *out, const json_t *cat, const CatalogueQuery *q);

// A duration: a number with ms, s, m or h ("1.5s", "20m"; plain numbers
// are seconds), positive and at most a week. Here rather than in rt_run.c
// because --max-age is read without libcurl too.
bool rt_parse_duration(const char *s, size_t len, long long *ms);
// A duration option's value: HGC_OK and *ms, or HGC_EUSAGE after a
// message naming opt.
int rt_duration_option(const char *opt, const char *value, long long *ms);
// "hgc: OPT takes WANT, not 'VALUE'" and the help hint; HGC_EUSAGE.
int rt_bad_option(const char *opt, const char *value, const char *want);

//
// rt_http.c
//
typedef enum {
  RQ_API,      // GET to the API base: retried on 429, 5xx, network, bad JSON
  RQ_GENERATE, // generate POST: retried only when surely not sent
  RQ_UPLOAD,   // asset upload: retried like RQ_API
  RQ_DOWNLOAD, // no key, redirects followed, to a file; 403/404 retried too
} RtReqKind;

typedef enum {
  RT_OK,       // a 2xx answer (JSON parsed, except downloads)
  RT_EHTTP,    // a final error answer (status set)
  RT_EAUTH,    // 401 or 403 from the API or upload base
  RT_ENET,     // network or local failure, tries used up
  RT_EUNKNOWN, // a generate POST that may have reached the server
  RT_ETIMEOUT, // the job's budget ran out
} RtOutcome;

typedef struct RtRequest RtRequest;
typedef void (*RtDoneFn)(RtRequest *r);

struct RtRequest {
  // In: set before rt_http_start; all borrowed until done is called.
  RtReqKind kind;
  const char *method;       // "GET" or "POST"
  const char *url;          // full URL
  const char *content_type; // of body, or NULL
  const void *body;         // POST body, or NULL
  size_t body_len;
  const char *form_name; // non-NULL: send body as multipart field
                         // "file" with this file name
  int fd;                // RQ_DOWNLOAD: written from offset 0
  RtDoneFn done;         // called once, with the outcome
  void *user;            // for done
  // Out
  RtOutcome outcome;
  long status;     // last HTTP status, 0 when none
  json_t *json;    // the parsed answer, or NULL
  char *message;   // malloc'd: what went wrong (not RT_OK)
  long long bytes; // RQ_DOWNLOAD: bytes received so far
  // Private to rt_http.c
  struct RtXfer *xfer;
};

// What rt_http.c reports as it goes, for --verbose and retry progress.
typedef struct {
  const char *event; // "http" (verbose only) or "retry"
  const char *method;
  const char *url;    // query removed outside the API and upload bases
  long status;        // HTTP status, 0 when none
  const char *reason; // "retry": what failed
  long delay_ms;      // "retry": wait before the next try
  int attempt;        // the try that just ended, from 1
  long ms;            // "http": how long it took
} RtHttpEvent;
typedef void (*RtLogFn)(void *user, const RtRequest *r, const RtHttpEvent *ev);

typedef struct RtHttp RtHttp;

// Loads libcurl.so.4 (once; later calls return the first answer). NULL
// when loaded, else why not. rt_http_new and rt_base_problem load it too.
const char *rt_http_load(void);
// key (may be NULL) goes only to URLs under api_base or upload_base.
// deadline is the job's budget end, in rt_now_ms() time.
RtHttp *rt_http_new(const char *key, const char *api_base,
                    const char *upload_base, long long deadline, bool verbose,
                    RtLogFn log, void *log_user);
void rt_http_free(RtHttp *h);
// Starts r (clearing its previous answer); r->done runs later, from
// rt_http_run, never from here.
void rt_http_start(RtHttp *h, RtRequest *r);
// Drives the transfers until `until` (rt_now_ms() time) or until at least
// one request has finished and its done callback has run.
void rt_http_run(RtHttp *h, long long until);
// Frees r's answer (json, message).
void rt_request_clear(RtRequest *r);
// Overwrites every copy of the key in s with '*' (an API message could
// quote it).
void rt_http_scrub(const RtHttp *h, char *s);
// NULL when url may serve as a base (https, or http to a loopback
// address; no user, query or fragment), else why not (static text).
const char *rt_base_problem(const char *url);
long long rt_now_ms(void); // monotonic milliseconds
long rt_jitter(long ms);   // ms scaled by a random factor in [0.75, 1.25]

//
// rt_state.c
//
typedef struct RtState RtState;

// Opens the state file at path (it need not exist). With create, makes
// its directory and the sibling lock file PATH.lock; without, a missing
// directory means an empty state that is never saved. Checks that an
// existing file is valid, waiting for the lock at most until deadline.
// Returns HGC_OK, or an exit code after a message.
int rt_state_open(const char *path, bool create, long long deadline,
                  RtState **out);
void rt_state_close(RtState *s);
// Takes the lock (nested calls count) and, on the outermost call, loads
// the file. Waits at most until deadline. false after a message.
bool rt_state_lock(RtState *s, long long deadline) HGC_WUR;
void rt_state_unlock(RtState *s);
// The rest need the lock held.
json_t *rt_state_video(RtState *s, const char *key); // borrowed, or NULL
void rt_state_put_video(RtState *s, const char *key, json_t *entry); // steals
void rt_state_del_video(RtState *s, const char *key);
// The key of the entry whose video_id or status_id is id, or NULL.
const char *rt_state_find_id(RtState *s, const char *id);
json_t *rt_state_asset(RtState *s, const char *sha256); // borrowed, or NULL
void rt_state_put_asset(RtState *s, const char *sha256, json_t *entry);
// Writes the file atomically (temp, fsync, rename, fsync of the
// directory). false after a message.
bool rt_state_save(RtState *s) HGC_WUR;
const char *rt_state_path(const RtState *s);
// mkdir -p; 0 or an errno.
int rt_mkdirs(const char *dir);

//
// rt_poll.c
//
// How a generate request's video is followed: one row per endpoint.
typedef struct {
  const char *path;     // generate request path; '*' is one segment
  const char *id_field; // in the POST answer's data: the id to poll with
  const char *status;   // status path, %s = that id
  const char *then;     // v3 agents: status path once data.video_id is set
  const char *api;      // "v2" or "v3": picks the upload endpoint
} RtEndpoint;

// The row for a generate path, or NULL.
const RtEndpoint *rt_endpoint(const char *path);
// The row for a bare video id (a v2 video).
const RtEndpoint *rt_endpoint_default(void);

typedef struct RtVideo RtVideo;
void rt_poll_step(RtVideo *v);        // one status request
void rt_download_step(RtVideo *v);    // the file, or a check that it is there
const char *rt_poll_live(RtVideo *v); // the live line's text for v
void rt_poll_cleanup(RtVideo *v);     // closes and removes a partial download

//
// rt_submit.c
//
void rt_submit_step(RtVideo *v);
// The string at data.FIELD of an answer (the first item of an array), or
// NULL: ids and URLs.
const char *rt_answer_str(const json_t *answer, const char *field);
// The value at a JSON pointer (RFC 6901) in root, or NULL.
json_t *rt_pointer_get(json_t *root, const char *pointer);
// Reads an artifact's asset ({pointer, path, sha256, mime}) from the
// project root and checks its hash: malloc'd bytes, or NULL with *why.
unsigned char *rt_asset_read(RtJob *j, const json_t *asset, size_t *len,
                             const char **why);

//
// rt_run.c: the job and its videos
//
typedef enum {
  VS_QUEUED,   // waiting for a --jobs slot
  VS_SUBMIT,   // rt_submit_step
  VS_WAIT,     // rt_poll_step
  VS_DOWNLOAD, // rt_download_step
  VS_DONE,     // its result line is printed
} RtStage;

struct RtVideo {
  RtJob *job;
  const char *name;     // artifact name, or the id given
  const char *origin;   // the argument it came from, for messages
  json_t *artifact;     // the §6 document, or NULL for a bare id
  const char *key;      // state key (sha256 of the request), or NULL
  const RtEndpoint *ep; // how it is polled
  const char *path;     // generate path, or NULL
  const char *ext;      // "mp4" or "webm"; NULL: from the URL
  // What is known; adopted from the state file and updated on the way.
  const char *video_id;  // NULL until known
  const char *status_id; // what the status path takes
  const char *url;       // download URL
  const char *file;      // where the video is
  long long size;        // its size in bytes, 0 when unknown
  const char *error;     // what went wrong
  const char *word;      // the API's last status word
  // Scheduling
  RtStage stage;
  int step;              // position within the stage
  long long wake_at;     // rt_now_ms() time of its next step
  long long since;       // when it was submitted or adopted
  long poll_ms;          // next polling interval
  bool busy;             // req is in flight
  bool fresh_url;        // url came from a status answer of this run
  bool holds_lock;       // the state lock is held for its POST
  json_t *send;          // body being built: assets substituted
  char *payload;         // malloc'd bytes in flight (POST or upload)
  const char *uploading; // key in RtJob.uploading while uploading
  int fd;                // download temp file, -1 when none
  char *tmp_path;        // its name (malloc'd)
  char live[96];         // progress text for the live line
  RtRequest req;
};

struct RtJob {
  RtCommand cmd;
  Arena *arena;
  // Options, checked
  const char *out_dir;     // -o
  const char *state_path;  // --state
  const char *root;        // project root
  long long timeout_ms;    // --timeout
  long poll_min_ms;        // --poll MIN
  long poll_max_ms;        // --poll MAX
  int jobs;                // --jobs
  bool resubmit;           // --resubmit
  bool verbose;            // --verbose
  const char *api_base;    // HGC_API_BASE, no trailing slash
  const char *upload_base; // HGC_UPLOAD_BASE, no trailing slash
  char *key;               // malloc'd; NULL when none was found
  const char *key_problem; // why there is no key
  // Inputs
  RtVideo **videos;
  int nvideos;
  int cap;
  // Running
  long long deadline; // rt_now_ms() time the budget ends
  RtHttp *http;
  RtState *state;
  json_t *uploading;  // "api:sha256" -> true while being uploaded
  json_t *hashed;     // asset path -> sha256, checked once per run
  int running;        // videos started and not done
  int rc;             // the first error kept
  bool tty;           // live lines on stderr, else JSON events
  int drawn;          // live lines on screen
  char *shown;        // their text (malloc'd), or NULL
  long long drawn_at; // when they were drawn
};

#define RT_API_BASE "https://api.heygen.com"       // HGC_API_BASE
#define RT_UPLOAD_BASE "https://upload.heygen.com" // HGC_UPLOAD_BASE

// What to do about a POST whose outcome is unknown.
extern const char RT_HINT_UNKNOWN[];
// How to give a key.
extern const char RT_HINT_NO_KEY[];

// The key: --api-key-file (file non-NULL) or HEYGEN_API_KEY, white space
// around it trimmed. malloc'd (the caller wipes and frees it), or NULL
// and *problem says why, in a, never quoting the key.
char *rt_read_key(Arena *a, const char *file, const char **problem);
// The base URL in env (def when unset or empty), in a, without a trailing
// slash; NULL after a message when rt_base_problem refuses it.
const char *rt_base_url(Arena *a, const char *env, const char *def);

// Prints v's result line and ends it. status: completed | failed |
// timeout | unknown | error (or submitted, or the API's word for status).
// code is kept as the job's exit code when it is the first error. hint
// may be NULL.
void rt_finish(RtVideo *v, const char *status, int code, const char *error,
               const char *hint);
// Ends v after a failed request, by its outcome: timeout, auth, error.
void rt_finish_request(RtVideo *v, const char *what);
// A progress event: a JSON line on stderr (fields stolen, may be NULL),
// or on a terminal the text of v's live line.
void rt_event(RtVideo *v, const char *event, json_t *fields,
              const char *live_fmt, ...) HGC_PRINTF(4, 5);
// Takes and releases the state lock for v; false after ending v.
bool rt_lock(RtVideo *v) HGC_WUR;
void rt_unlock(RtVideo *v);
// Writes v's entry into the state file with the given status (lock taken
// here, nested); false after a warning.
bool rt_record(RtVideo *v, const char *status);
// Copies a state entry into v.
void rt_adopt(RtVideo *v, const json_t *entry);
// Decides what comes next for v after adopting entry, by the entry's
// status and the command; may end v.
void rt_resume(RtVideo *v, const json_t *entry);
// API or upload base + path, in the job's arena; %s in fmt is id,
// percent-encoded.
const char *rt_url(RtJob *j, const char *base, const char *fmt, const char *id);
// The same, in a.
const char *rt_url_in(Arena *a, const char *base, const char *fmt,
                      const char *id);
// The exit code of a finished request: HGC_OK, or HGC_ETIMEOUT, HGC_EAUTH
// or HGC_EAPI by its outcome.
int rt_request_code(const RtRequest *r);

#endif
