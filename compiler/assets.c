// SPDX-License-Identifier: MIT
// assets.c: local media files named in a spec -> Asset records.
//
// A spec may name a local file wherever it takes a media URL ({asset:
// ./bg.png}). The file must stay under the project root, be a regular
// file, and be one of the media types HeyGen's upload endpoint accepts,
// detected from its first bytes (never from its name alone). The artifact
// records its path relative to the root, its SHA-256 and MIME type; the
// body holds "asset:sha256:<hex>" until the runtime uploads it. Files are
// hashed in chunks, so a large video costs no more memory than a small
// image.
#include "hgc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//
// SHA-256 (FIPS 180-4)
//
typedef struct {
  uint32_t h[8];
  uint64_t len; // bytes hashed so far
  unsigned char block[64];
  size_t fill; // bytes in block
} Sha256;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(Sha256 *s, const unsigned char *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
  uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                  ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                  ((a & b) ^ (a & c) ^ (b & c));
    h = g, g = f, f = e, e = d + t1;
    d = c, c = b, b = a, a = t1 + t2;
  }
  s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
  s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_init(Sha256 *s) {
  static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, h0, sizeof h0);
  s->len = 0;
  s->fill = 0;
}

static void sha256_add(Sha256 *s, const void *data, size_t n) {
  const unsigned char *p = data;
  s->len += n;
  while (n > 0) {
    size_t take = 64 - s->fill < n ? 64 - s->fill : n;
    memcpy(s->block + s->fill, p, take);
    s->fill += take;
    p += take;
    n -= take;
    if (s->fill == 64) {
      sha256_block(s, s->block);
      s->fill = 0;
    }
  }
}

static void sha256_hex(Sha256 *s, char out[65]) {
  uint64_t bits = s->len * 8;
  unsigned char pad = 0x80;
  sha256_add(s, &pad, 1);
  pad = 0;
  while (s->fill != 56)
    sha256_add(s, &pad, 1);
  unsigned char be[8];
  for (int i = 0; i < 8; i++)
    be[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_add(s, be, 8);
  for (int i = 0; i < 8; i++)
    snprintf(out + 8 * i, 9, "%08x", s->h[i]);
}

void asset_sha256(const void *data, size_t len, char out[65]) {
  Sha256 s;
  sha256_init(&s);
  sha256_add(&s, data, len);
  sha256_hex(&s, out);
}

//
// Media types, from the first bytes
//
typedef struct {
  const char *mime;
  MediaClass cls;
  const char *noun; // for messages
} MediaType;

static const MediaType TYPES[] = {
    {"image/jpeg", MEDIA_IMAGE, "a JPEG image"},
    {"image/png", MEDIA_IMAGE, "a PNG image"},
    {"video/mp4", MEDIA_VIDEO, "an MP4 video"},
    {"video/webm", MEDIA_VIDEO, "a WebM video"},
    {"audio/mpeg", MEDIA_AUDIO, "an MP3 file"},
    {"audio/wav", MEDIA_AUDIO, "a WAV file"},
};

static bool has(const unsigned char *p, size_t n, size_t at, const char *s,
                size_t len) {
  return n >= at + len && memcmp(p + at, s, len) == 0;
}

static bool contains(const unsigned char *p, size_t n, const char *s,
                     size_t len) {
  for (size_t at = 0; at + len <= n; at++)
    if (memcmp(p + at, s, len) == 0)
      return true;
  return false;
}

// The type of a file from its first bytes (up to 64), or NULL.
static const MediaType *sniff(const unsigned char *p, size_t n) {
  if (has(p, n, 0, "\xFF\xD8\xFF", 3))
    return &TYPES[0];
  if (has(p, n, 0, "\x89PNG\r\n\x1A\n", 8))
    return &TYPES[1];
  // ISO base media: a box size, then "ftyp" and the major brand. QuickTime
  // ("qt  ") and audio-only brands are not MP4 video.
  if (has(p, n, 4, "ftyp", 4) && n >= 12 && !has(p, n, 8, "qt  ", 4) &&
      !has(p, n, 8, "M4A ", 4))
    return &TYPES[2];
  // EBML header whose DocType is "webm" (plain Matroska is not accepted).
  if (has(p, n, 0, "\x1A\x45\xDF\xA3", 4) &&
      contains(p, n, "\x42\x82\x84webm", 7))
    return &TYPES[3];
  if (has(p, n, 0, "ID3", 3))
    return &TYPES[4];
  // An MPEG audio frame sync, layer III.
  if (n >= 2 && p[0] == 0xFF && (p[1] & 0xE0) == 0xE0 && (p[1] & 0x06) == 0x02)
    return &TYPES[4];
  if (has(p, n, 0, "RIFF", 4) && has(p, n, 8, "WAVE", 4))
    return &TYPES[5];
  return NULL;
}

// "JPEG or PNG image", "MP4 or WebM video", ... for what `accept` allows.
static const char *accepted(Ctx *ctx, unsigned accept) {
  static const char *const names[] = {"a JPEG or PNG image",
                                      "an MP4 or WebM video",
                                      "an MP3 or WAV file"};
  const char *out = NULL;
  for (int i = 0; i < 3; i++)
    if (accept & (1u << i))
      out = out ? arena_printf(ctx->arena, "%s or %s", out, names[i])
                : names[i];
  return out;
}

Asset *asset_load(Ctx *ctx, const Node *n, unsigned accept) {
  if (n->kind != NK_SCALAR || node_type(n) != ST_STRING || !n->len) {
    error_at(ctx, n->loc, "write asset: ./media/file.png",
             "'asset' must be a file path, not %s", node_kind_name(n));
    return NULL;
  }
  const char *path = include_path(ctx, n, n->text);
  if (!path)
    return NULL;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const char *why = fd < 0 ? strerror(errno) : "not a regular file";
    if (fd >= 0)
      close(fd);
    error_at(ctx, n->loc, "check the path; it is relative to this spec",
             "cannot read asset '%s': %s", n->text, why);
    return NULL;
  }
  Sha256 sha;
  sha256_init(&sha);
  unsigned char head[64];
  size_t nhead = 0;
  unsigned char chunk[1 << 16];
  ssize_t got;
  while ((got = read(fd, chunk, sizeof chunk)) != 0) {
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int e = errno;
      close(fd);
      error_at(ctx, n->loc, NULL, "cannot read asset '%s': %s", n->text,
               strerror(e));
      return NULL;
    }
    if (nhead < sizeof head) {
      size_t take = sizeof head - nhead < (size_t)got ? sizeof head - nhead
                                                       : (size_t)got;
      memcpy(head + nhead, chunk, take);
      nhead += take;
    }
    sha256_add(&sha, chunk, (size_t)got);
  }
  close(fd);
  const MediaType *type = sniff(head, nhead);
  if (!type || !(type->cls & accept)) {
    error_at(ctx, n->loc,
             arena_printf(ctx->arena, "use %s here", accepted(ctx, accept)),
             "asset '%s' is %s, not %s", n->text,
             type ? type->noun : "of an unknown type", accepted(ctx, accept));
    return NULL;
  }
  Asset *a = arena_calloc(ctx->arena, sizeof *a);
  char hex[65];
  sha256_hex(&sha, hex);
  a->sha256 = arena_strdup(ctx->arena, hex);
  a->mime = type->mime;
  a->loc = n->loc;
  // The path relative to the root, for the artifact.
  char *real = realpath(path, NULL);
  size_t rl = strlen(ctx->root);
  a->path = arena_strdup(ctx->arena, real && strncmp(real, ctx->root, rl) == 0
                                         ? real + rl + 1
                                         : path);
  free(real);
  return a;
}
