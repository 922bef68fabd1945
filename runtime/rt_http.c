// SPDX-License-Identifier: MIT
// rt_http.c: every HTTP request of the runtime, through one libcurl multi
// handle. The only file that includes curl.h, and the only one that calls
// libcurl: it loads libcurl.so.4 with dlopen the first time the runtime
// needs it (rt_http_load), so that build, check and explain do not pay
// for loading it and the thirty libraries it pulls in.
//
// Input: RtRequests (kind, method, URL, body) from rt_submit.c and
// rt_poll.c. Output: each request's final outcome through its done
// callback, after the retries its kind allows (spec-format.md §9 "Runtime
// limits"): at most RT_MAX_TRIES tries, backoff from 1 s doubling to 30 s
// with jitter, Retry-After honoured, nothing past the job's deadline; each
// try's timeout is what is left of the budget.
// Invariants: the key goes only to URLs under the API or upload base and
// is never printed; keyed requests never follow redirects. A generate
// POST goes on a fresh connection that is never reused, so libcurl cannot
// silently send it again, and is retried only when it surely did not
// reach the server (no connection, or a 429); any failure after it may
// have been sent, a 5xx or a malformed 2xx answer is RT_EUNKNOWN.
#include "hgc_rt.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define RT_MAX_TRIES 5
#define RT_BACKOFF_MIN_MS 1000
#define RT_BACKOFF_MAX_MS 30000
#define RT_MAX_RESPONSE (4 << 20)   // an API answer larger is malformed
#define RT_API_TIMEOUT_MS 120000    // one API try, when the budget allows
#define RT_CONNECT_TIMEOUT_MS 15000 // one connection attempt
#define RT_STALL_SECONDS 60         // a transfer this long at 0 B/s ends
#define RT_MAX_REDIRECTS 5          // downloads only
#define RT_POLL_SLICE_MS 250        // longest wait in curl_multi_poll

// One request's transfer state, across its tries.
struct RtXfer {
  RtRequest *req;
  CURL *easy; // the current try, or NULL between tries
  struct curl_slist *headers;
  curl_mime *mime;
  Buf answer;               // the body of the current try
  bool too_large;           // answer went over RT_MAX_RESPONSE
  int write_errno;          // RQ_DOWNLOAD: the file write that failed
  long long retry_after_ms; // from the answer's Retry-After, or -1
  long long started;        // when the current try began
  long long retry_at;       // when the next try is due
  int tries;                // tries made so far
  char errbuf[CURL_ERROR_SIZE];
  struct RtXfer *next;     // in RtHttp.waiting
  struct RtXfer *next_all; // in RtHttp.all
};

struct RtHttp {
  CURLM *multi;
  char *key_header;     // "X-Api-Key: KEY" (malloc'd), or NULL
  const char *key;      // the key itself, to scrub API messages
  const char *bases[2]; // where the key may go
  long long deadline;
  bool verbose;
  RtLogFn log;
  void *log_user;
  struct RtXfer *waiting; // requests between tries
  struct RtXfer *all;     // every request not yet settled
  int finished;           // done callbacks run by this rt_http_run
};

//
// Loading libcurl
//

// The libcurl functions this file calls, as curl.NAME for curl_NAME: one
// list, so that the table and the names looked up cannot drift apart.
#define CURL_FUNCTIONS(X)                                                      \
  X(easy_cleanup)                                                              \
  X(easy_getinfo)                                                              \
  X(easy_init)                                                                 \
  X(easy_setopt)                                                               \
  X(easy_strerror)                                                             \
  X(free)                                                                      \
  X(getdate)                                                                   \
  X(global_cleanup)                                                            \
  X(global_init)                                                               \
  X(mime_addpart)                                                              \
  X(mime_data)                                                                 \
  X(mime_filename)                                                             \
  X(mime_free)                                                                 \
  X(mime_init)                                                                 \
  X(mime_name)                                                                 \
  X(mime_type)                                                                 \
  X(multi_add_handle)                                                          \
  X(multi_cleanup)                                                             \
  X(multi_info_read)                                                           \
  X(multi_init)                                                                \
  X(multi_perform)                                                             \
  X(multi_poll)                                                                \
  X(multi_remove_handle)                                                       \
  X(slist_append)                                                              \
  X(slist_free_all)                                                            \
  X(url)                                                                       \
  X(url_cleanup)                                                               \
  X(url_get)                                                                   \
  X(url_set)

// Each pointer has the type curl.h declares (curl.easy_setopt loses only
// the compile-time option checks of curl's typecheck-gcc.h).
static struct {
#define CURL_FIELD(name) __typeof__(curl_##name) *name;
  CURL_FUNCTIONS(CURL_FIELD)
#undef CURL_FIELD
} curl;

// Why libcurl cannot be used, once rt_http_load has failed.
static char load_error[512];

static void *curl_symbol(void *lib, const char *name) {
  void *p = dlsym(lib, name);
  if (!p && !load_error[0])
    snprintf(load_error, sizeof load_error, "libcurl.so.4 has no '%s'", name);
  return p;
}

const char *rt_http_load(void) {
  static bool tried;
  if (!tried) {
    tried = true;
    // Never closed: the runtime uses it until hgc exits.
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      snprintf(load_error, sizeof load_error, "%s", dlerror());
      return load_error;
    }
    // dlsym's object pointer as a function pointer, as POSIX allows.
#define CURL_RESOLVE(name)                                                     \
  curl.name = (__typeof__(curl.name))curl_symbol(lib, "curl_" #name);
    CURL_FUNCTIONS(CURL_RESOLVE)
#undef CURL_RESOLVE
  }
  return load_error[0] ? load_error : NULL;
}

long long rt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// xorshift64*, seeded from the clock: jitter never reaches an output file.
static uint64_t next_random(void) {
  static uint64_t s;
  if (!s) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^
        ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15u;
  }
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return s * 0x2545f4914f6cdd1dull;
}

long rt_jitter(long ms) {
  double f = 0.75 + 0.5 * (double)(next_random() >> 11) / 9007199254740992.0;
  return (long)(ms * f);
}

static char *xstrdup(const char *s) {
  char *p = strdup(s);
  if (!p)
    out_of_memory();
  return p;
}

static char *xprintf(const char *fmt, ...) HGC_PRINTF(1, 2);
static char *xprintf(const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  return xstrdup(small);
}

//
// Bases and URLs
//

static bool is_loopback(const char *host) {
  if (strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
      strcmp(host, "::1") == 0)
    return true;
  // 127.0.0.0/8, written as a dotted quad
  if (strncmp(host, "127.", 4) != 0)
    return false;
  int dots = 0;
  for (const char *p = host; *p; p++) {
    if (*p == '.')
      dots++;
    else if (*p < '0' || *p > '9')
      return false;
  }
  return dots == 3;
}

const char *rt_base_problem(const char *url) {
  if (rt_http_load())
    return "libcurl cannot be loaded";
  CURLU *u = curl.url();
  if (!u)
    return "out of memory";
  const char *why = NULL;
  char *scheme = NULL;
  char *host = NULL;
  char *part = NULL;
  if (curl.url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl.url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl.url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    why = "it is not a URL";
  } else if (curl.url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
    why = "it holds a user name";
  } else if (curl.url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
             curl.url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
    why = "it holds a query or fragment";
  } else if (strcmp(scheme, "https") != 0 &&
             !(strcmp(scheme, "http") == 0 && is_loopback(host))) {
    why = strcmp(scheme, "http") == 0
              ? "plain http is allowed only to a loopback address"
              : "only https URLs are allowed";
  }
  curl.free(part);
  curl.free(host);
  curl.free(scheme);
  curl.url_cleanup(u);
  return why;
}

// Is url under base (the base itself, or base + "/" or "?")?
static bool under(const char *url, const char *base) {
  size_t n = base ? strlen(base) : 0;
  return n && strncmp(url, base, n) == 0 &&
         (url[n] == '/' || url[n] == '?' || url[n] == '\0');
}

static bool keyed(const RtHttp *h, const RtRequest *r) {
  return r->kind != RQ_DOWNLOAD && h->key_header &&
         (under(r->url, h->bases[0]) || under(r->url, h->bases[1]));
}

// The URL as printed: download URLs are presigned, so their query (the
// signature) is dropped; API URLs carry only ids.
static const char *shown_url(const RtHttp *h, const RtRequest *r, char *buf,
                             size_t size) {
  if (keyed(h, r))
    return r->url;
  size_t n = strcspn(r->url, "?#");
  snprintf(buf, size, "%.*s", (int)n, r->url);
  return buf;
}

//
// Answers
//

void rt_http_scrub(const RtHttp *h, char *s) {
  size_t n = h->key ? strlen(h->key) : 0;
  if (!n)
    return;
  for (char *p = strstr(s, h->key); p; p = strstr(p, h->key)) {
    memset(p, '*', n);
    p += n;
  }
}

// The API's error text from an answer: "error" as a string, or its
// "message" (and "code"); NULL when there is none.
static char *api_error_text(const json_t *json) {
  const json_t *e = json_object_get(json, "error");
  if (json_is_string(e))
    return xstrdup(json_string_value(e));
  const char *msg = json_string_value(json_object_get(e, "message"));
  const char *code = json_string_value(json_object_get(e, "code"));
  if (msg && code)
    return xprintf("%s (%s)", msg, code);
  if (msg || code)
    return xstrdup(msg ? msg : code);
  return NULL;
}

static char *http_message(const RtHttp *h, long status, const json_t *json) {
  char *api = api_error_text(json);
  char *m =
      api ? xprintf("HTTP %ld: %s", status, api) : xprintf("HTTP %ld", status);
  free(api);
  rt_http_scrub(h, m);
  return m;
}

static size_t on_body(char *p, size_t size, size_t n, void *user) {
  struct RtXfer *x = user;
  size_t len = size * n;
  if (x->req->kind == RQ_DOWNLOAD) {
    for (size_t done = 0; done < len;) {
      ssize_t w = write(x->req->fd, p + done, len - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {
        x->write_errno = errno;
        return 0;
      }
      done += (size_t)w;
    }
    x->req->bytes += (long long)len;
    return len;
  }
  if (!buf_add(&x->answer, p, len)) {
    x->too_large = true;
    return 0;
  }
  return len;
}

// Retry-After: seconds, or an HTTP date. A new status line (a redirect or
// a 100-continue) forgets what an earlier response said.
static size_t on_header(char *p, size_t size, size_t n, void *user) {
  struct RtXfer *x = user;
  size_t len = size * n;
  static const char name[] = "retry-after:";
  if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
    x->retry_after_ms = -1;
  if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
    char value[128];
    size_t vlen = len - (sizeof name - 1);
    if (vlen >= sizeof value)
      vlen = sizeof value - 1;
    memcpy(value, p + sizeof name - 1, vlen);
    value[vlen] = '\0';
    char *v = value + strspn(value, " \t");
    v[strcspn(v, "\r\n")] = '\0';
    char *end;
    long secs = strtol(v, &end, 10);
    if (end != v && *end == '\0' && secs >= 0) {
      x->retry_after_ms = (long long)secs * 1000;
    } else {
      time_t t = curl.getdate(v, NULL);
      if (t != -1)
        x->retry_after_ms =
            t > time(NULL) ? (long long)(t - time(NULL)) * 1000 : 0;
    }
  }
  return len;
}

//
// Tries
//

static void end_try(RtHttp *h, struct RtXfer *x) {
  if (x->easy) {
    curl.multi_remove_handle(h->multi, x->easy);
    curl.easy_cleanup(x->easy);
    x->easy = NULL;
  }
  curl.slist_free_all(x->headers);
  x->headers = NULL;
  curl.mime_free(x->mime);
  x->mime = NULL;
  buf_free(&x->answer);
}

// Ends r for good and runs its callback.
static void settle(RtHttp *h, struct RtXfer *x, RtOutcome outcome,
                   char *message) {
  RtRequest *r = x->req;
  end_try(h, x);
  for (struct RtXfer **pp = &h->all; *pp; pp = &(*pp)->next_all)
    if (*pp == x) {
      *pp = x->next_all;
      break;
    }
  free(x);
  r->xfer = NULL;
  r->outcome = outcome;
  r->message = message;
  h->finished++;
  r->done(r);
}

static bool set_body(struct RtXfer *x, CURL *e) {
  RtRequest *r = x->req;
  if (r->form_name) {
    if (!(x->mime = curl.mime_init(e)))
      return false;
    curl_mimepart *part = curl.mime_addpart(x->mime);
    return part && curl.mime_name(part, "file") == CURLE_OK &&
           curl.mime_filename(part, r->form_name) == CURLE_OK &&
           curl.mime_type(part, r->content_type) == CURLE_OK &&
           curl.mime_data(part, r->body, r->body_len) == CURLE_OK &&
           curl.easy_setopt(e, CURLOPT_MIMEPOST, x->mime) == CURLE_OK;
  }
  if (r->content_type) {
    char *ct = xprintf("Content-Type: %s", r->content_type);
    struct curl_slist *l = curl.slist_append(x->headers, ct);
    free(ct);
    if (!l)
      return false;
    x->headers = l;
  }
  return curl.easy_setopt(e, CURLOPT_POST, 1L) == CURLE_OK &&
         curl.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                          (curl_off_t)r->body_len) == CURLE_OK &&
         curl.easy_setopt(e, CURLOPT_POSTFIELDS, r->body) == CURLE_OK;
}

static bool add_header(struct RtXfer *x, const char *line) {
  struct curl_slist *l = curl.slist_append(x->headers, line);
  if (l)
    x->headers = l;
  return l != NULL;
}

// Sets up and adds one try; settles r when it cannot start.
static void start_try(RtHttp *h, struct RtXfer *x) {
  RtRequest *r = x->req;
  long long left = h->deadline - rt_now_ms();
  if (left <= 0) {
    settle(h, x, RT_ETIMEOUT, xstrdup("the --timeout budget ran out"));
    return;
  }
  x->tries++;
  x->started = rt_now_ms();
  x->retry_after_ms = -1;
  x->too_large = false;
  x->errbuf[0] = '\0';
  buf_init(&x->answer, RT_MAX_RESPONSE);
  if (r->kind == RQ_DOWNLOAD &&
      (ftruncate(r->fd, 0) != 0 || lseek(r->fd, 0, SEEK_SET) != 0)) {
    settle(h, x, RT_ENET,
           xprintf("cannot write the download: %s", strerror(errno)));
    return;
  }
  r->bytes = 0;
  long try_ms = r->kind == RQ_API || r->kind == RQ_GENERATE
                    ? (left < RT_API_TIMEOUT_MS ? left : RT_API_TIMEOUT_MS)
                    : left;
  long connect_ms = left < RT_CONNECT_TIMEOUT_MS ? left : RT_CONNECT_TIMEOUT_MS;
  CURL *e = x->easy = curl.easy_init();
  if (!e) {
    settle(h, x, RT_ENET, xstrdup("cannot set up the request"));
    return;
  }
  // Any failure below is remembered: CURLE_OK is 0.
  unsigned failed = curl.easy_setopt(e, CURLOPT_URL, r->url);
  failed |= curl.easy_setopt(e, CURLOPT_PRIVATE, x);
  failed |= curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  failed |= curl.easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  failed |= curl.easy_setopt(e, CURLOPT_TIMEOUT_MS, try_ms);
  failed |= curl.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  failed |= curl.easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  failed |= curl.easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)RT_STALL_SECONDS);
  failed |= curl.easy_setopt(e, CURLOPT_USERAGENT, "hgc/" HGC_VERSION);
  failed |= curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  failed |= curl.easy_setopt(e, CURLOPT_WRITEDATA, x);
  failed |= curl.easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  failed |= curl.easy_setopt(e, CURLOPT_HEADERDATA, x);
  failed |= curl.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // Never "Expect: 100-continue": one round trip, one clear outcome.
  failed |= !add_header(x, "Expect:");
  if (r->kind == RQ_DOWNLOAD) {
    failed |= curl.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    failed |= curl.easy_setopt(e, CURLOPT_MAXREDIRS, (long)RT_MAX_REDIRECTS);
    failed |= curl.easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  } else {
    failed |= !add_header(x, "Accept: application/json");
    if (keyed(h, r))
      failed |= !add_header(x, h->key_header);
  }
  if (r->kind == RQ_GENERATE) {
    // A reused connection that died would make libcurl send the POST
    // again on its own: a second paid video.
    failed |= curl.easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    failed |= curl.easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  if (r->body)
    failed |= !set_body(x, e);
  failed |= curl.easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
  if (failed || curl.multi_add_handle(h->multi, e) != CURLM_OK)
    settle(h, x, RT_ENET, xstrdup("cannot set up the request"));
}

static long backoff_ms(int tries) {
  long ms = RT_BACKOFF_MIN_MS;
  for (int i = 1; i < tries && ms < RT_BACKOFF_MAX_MS; i++)
    ms *= 2;
  ms = rt_jitter(ms);
  return ms > RT_BACKOFF_MAX_MS ? RT_BACKOFF_MAX_MS : ms;
}

// A retriable failure: waits and tries again, or settles when the tries
// or the budget are used up.
static void retry(RtHttp *h, struct RtXfer *x, long status, char *why) {
  RtRequest *r = x->req;
  if (x->tries >= RT_MAX_TRIES) {
    char *m = xprintf("%s (gave up after %d tries)", why, x->tries);
    free(why);
    settle(h, x, status ? RT_EHTTP : RT_ENET, m);
    return;
  }
  long delay =
      x->retry_after_ms >= 0 ? (long)x->retry_after_ms : backoff_ms(x->tries);
  long long now = rt_now_ms();
  if (now + delay >= h->deadline) {
    char *m = xprintf("%s; the --timeout budget ends before the next try", why);
    free(why);
    settle(h, x, RT_ETIMEOUT, m);
    return;
  }
  char shown[512];
  RtHttpEvent ev = {.event = "retry",
                    .method = r->method,
                    .url = shown_url(h, r, shown, sizeof shown),
                    .status = status,
                    .reason = why,
                    .delay_ms = delay,
                    .attempt = x->tries};
  h->log(h->log_user, r, &ev);
  free(why);
  end_try(h, x);
  x->retry_at = now + delay;
  x->next = h->waiting;
  h->waiting = x;
}

// Did a failed try surely not reach the server? Only when no connection
// was made, or libcurl never got as far as sending.
static bool surely_not_sent(CURL *e, CURLcode cc) {
  if (cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY ||
      cc == CURLE_COULDNT_CONNECT)
    return true;
  curl_off_t pre = 0;
  curl.easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pre);
  return pre == 0;
}

static bool is_fatal_curl(CURLcode cc) {
  return cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT ||
         cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CERTPROBLEM ||
         cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_TOO_MANY_REDIRECTS ||
         cc == CURLE_OUT_OF_MEMORY;
}

// A try that failed below HTTP.
static void transport_failed(RtHttp *h, struct RtXfer *x, CURLcode cc) {
  RtRequest *r = x->req;
  const char *what = x->errbuf[0] ? x->errbuf : curl.easy_strerror(cc);
  bool budget =
      cc == CURLE_OPERATION_TIMEDOUT && rt_now_ms() >= h->deadline - 50;
  if (r->kind == RQ_GENERATE && !surely_not_sent(x->easy, cc)) {
    settle(
        h, x, RT_EUNKNOWN,
        xprintf("the connection failed after the request was sent: %s", what));
  } else if (x->write_errno) {
    settle(h, x, RT_ENET,
           xprintf("cannot write the download: %s", strerror(x->write_errno)));
  } else if (budget) {
    settle(h, x, RT_ETIMEOUT,
           xprintf("the --timeout budget ran out: %s", what));
  } else if (is_fatal_curl(cc)) {
    settle(h, x, RT_ENET, xstrdup(what));
  } else if (x->too_large) {
    retry(h, x, 0, xstrdup("the answer is too large"));
  } else {
    retry(h, x, 0, xstrdup(what));
  }
}

// A try that got an HTTP answer.
static void answered(RtHttp *h, struct RtXfer *x, long status) {
  RtRequest *r = x->req;
  bool gen = r->kind == RQ_GENERATE;
  if (r->kind != RQ_DOWNLOAD && x->answer.data) {
    json_t *j = json_loadb(x->answer.data, x->answer.len, 0, NULL);
    if (json_is_object(j))
      r->json = j;
    else
      json_decref(j);
  }
  if (status >= 200 && status < 300) {
    if (r->kind == RQ_DOWNLOAD || r->json)
      settle(h, x, RT_OK, NULL);
    else if (gen) // the video may exist, but we cannot read its id
      settle(h, x, RT_EUNKNOWN,
             xprintf("HTTP %ld with an answer that is not JSON", status));
    else
      retry(h, x, status,
            xprintf("HTTP %ld with an answer that is not JSON", status));
    return;
  }
  char *m = http_message(h, status, r->json);
  if (status == 429) {
    retry(h, x, status, m); // not processed: safe even for a POST
  } else if (status >= 500) {
    if (gen)
      settle(h, x, RT_EUNKNOWN, m);
    else
      retry(h, x, status, m);
  } else if (r->kind == RQ_DOWNLOAD && (status == 403 || status == 404)) {
    retry(h, x, status, m); // a fresh URL can answer this for a while
  } else if (r->kind != RQ_DOWNLOAD && (status == 401 || status == 403)) {
    settle(h, x, RT_EAUTH, m);
  } else {
    settle(h, x, RT_EHTTP, m);
  }
}

static void try_done(RtHttp *h, CURL *e, CURLcode cc) {
  struct RtXfer *x;
  curl.easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
  RtRequest *r = x->req;
  long status = 0;
  if (cc == CURLE_OK)
    curl.easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  r->status = status;
  json_decref(r->json);
  r->json = NULL;
  if (h->verbose) {
    char shown[512];
    RtHttpEvent ev = {.event = "http",
                      .method = r->method,
                      .url = shown_url(h, r, shown, sizeof shown),
                      .status = status,
                      .reason = cc == CURLE_OK ? NULL
                                : x->errbuf[0] ? x->errbuf
                                               : curl.easy_strerror(cc),
                      .attempt = x->tries,
                      .ms = (long)(rt_now_ms() - x->started)};
    h->log(h->log_user, r, &ev);
  }
  if (cc == CURLE_OK)
    answered(h, x, status);
  else
    transport_failed(h, x, cc);
}

//
// The multi handle
//

RtHttp *rt_http_new(const char *key, const char *api_base,
                    const char *upload_base, long long deadline, bool verbose,
                    RtLogFn log, void *log_user) {
  if (rt_http_load() || curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return NULL;
  RtHttp *h = calloc(1, sizeof *h);
  if (!h || !(h->multi = curl.multi_init())) {
    free(h);
    curl.global_cleanup();
    return NULL;
  }
  if (key)
    h->key_header = xprintf("X-Api-Key: %s", key);
  h->key = key;
  h->bases[0] = api_base;
  h->bases[1] = upload_base;
  h->deadline = deadline;
  h->verbose = verbose;
  h->log = log;
  h->log_user = log_user;
  return h;
}

void rt_http_free(RtHttp *h) {
  if (!h)
    return;
  // Requests still running are abandoned without their callbacks.
  while (h->all) {
    struct RtXfer *x = h->all;
    h->all = x->next_all;
    x->req->xfer = NULL;
    end_try(h, x);
    free(x);
  }
  curl.multi_cleanup(h->multi);
  if (h->key_header) {
    memset(h->key_header, 0, strlen(h->key_header));
    free(h->key_header);
  }
  free(h);
  curl.global_cleanup();
}

void rt_request_clear(RtRequest *r) {
  json_decref(r->json);
  r->json = NULL;
  free(r->message);
  r->message = NULL;
  r->status = 0;
  r->outcome = RT_OK;
}

void rt_http_start(RtHttp *h, RtRequest *r) {
  rt_request_clear(r);
  struct RtXfer *x = calloc(1, sizeof *x);
  if (!x)
    out_of_memory();
  x->req = r;
  r->xfer = x;
  x->next_all = h->all;
  h->all = x;
  // Due at once; rt_http_run starts it, so done never runs from here.
  x->retry_at = 0;
  x->next = h->waiting;
  h->waiting = x;
}

// Starts the tries that are due; returns the earliest one still waiting.
static long long start_due(RtHttp *h, long long now) {
  long long next = -1;
  struct RtXfer **pp = &h->waiting;
  while (*pp) {
    struct RtXfer *x = *pp;
    if (x->retry_at <= now) {
      *pp = x->next;
      x->next = NULL;
      start_try(h, x);
      pp = &h->waiting; // start_try may have settled and queued others
      continue;
    }
    if (next < 0 || x->retry_at < next)
      next = x->retry_at;
    pp = &x->next;
  }
  return next;
}

void rt_http_run(RtHttp *h, long long until) {
  h->finished = 0;
  for (;;) {
    long long now = rt_now_ms();
    long long next = start_due(h, now);
    int running;
    curl.multi_perform(h->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl.multi_info_read(h->multi, &left)))
      if (m->msg == CURLMSG_DONE)
        try_done(h, m->easy_handle, m->data.result);
    now = rt_now_ms();
    if (h->finished || now >= until)
      return;
    long long wake = until;
    if (next >= 0 && next < wake)
      wake = next;
    long long ms = wake - now;
    if (ms > RT_POLL_SLICE_MS)
      ms = RT_POLL_SLICE_MS;
    if (ms > 0)
      curl.multi_poll(h->multi, NULL, 0, (int)ms, NULL);
  }
}
