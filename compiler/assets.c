// SPDX-License-Identifier: MIT
// assets.c: local media files named in a spec -> Asset records.
//
// A spec may name a local file wherever it takes a media URL ({asset:
// ./bg.png}). The file must stay under the project root, be a regular
// file, and be one of the media types HeyGen's upload endpoint accepts,
// detected from its first bytes (never from its name alone); common
// look-alikes (QuickTime, HEIF, GIF, WebP, M4A, Matroska) are named in
// the error, with what to convert them to. The artifact records its path
// relative to the root, its SHA-256 and MIME type; the body holds
// "asset:sha256:<hex>" until the runtime uploads it. Files are hashed in
// chunks, so a large video costs no more memory than a small image.
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
  unsigned cls;     // a MediaClass; 0: recognised, but HeyGen takes none
  const char *noun; // for messages
} MediaType;

enum { T_JPEG, T_PNG, T_MP4, T_WEBM, T_MP3, T_WAV, T_MOV, T_HEIF, T_M4A,
       T_GIF, T_WEBP, T_MKV, T_UNKNOWN };

static const MediaType TYPES[] = {
    [T_JPEG] = {"image/jpeg", MEDIA_IMAGE, "a JPEG image"},
    [T_PNG] = {"image/png", MEDIA_IMAGE, "a PNG image"},
    [T_MP4] = {"video/mp4", MEDIA_VIDEO, "an MP4 video"},
    [T_WEBM] = {"video/webm", MEDIA_VIDEO, "a WebM video"},
    [T_MP3] = {"audio/mpeg", MEDIA_AUDIO, "an MP3 file"},
    [T_WAV] = {"audio/wav", MEDIA_AUDIO, "a WAV file"},
    // Common look-alikes, named so the message can say what to convert.
    [T_MOV] = {"video/quicktime", 0, "a QuickTime movie"},
    [T_HEIF] = {"image/heif", 0, "a HEIF or AVIF image"},
    [T_M4A] = {"audio/mp4", 0, "an M4A audio file"},
    [T_GIF] = {"image/gif", 0, "a GIF image"},
    [T_WEBP] = {"image/webp", 0, "a WebP image"},
    [T_MKV] = {"video/x-matroska", 0, "a Matroska video"},
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

// An ISO base media file (a box size, then "ftyp"): its major brand tells
// MP4 video from QuickTime, HEIF/AVIF stills and MPEG-4 audio, which
// share the layout.
static int iso_brand(const unsigned char *brand) {
  static const struct {
    char brand[5];
    int type;
  } others[] = {{"qt  ", T_MOV}, {"heic", T_HEIF}, {"heix", T_HEIF},
                {"hevc", T_HEIF}, {"hevx", T_HEIF}, {"mif1", T_HEIF},
                {"msf1", T_HEIF}, {"avif", T_HEIF}, {"avis", T_HEIF},
                {"M4A ", T_M4A},  {"M4B ", T_M4A},  {"M4P ", T_M4A}};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
    if (memcmp(brand, others[i].brand, 4) == 0)
      return others[i].type;
  return T_MP4;
}

// The type of a file from its first bytes (up to 64).
static int sniff(const unsigned char *p, size_t n) {
  if (has(p, n, 0, "\xFF\xD8\xFF", 3))
    return T_JPEG;
  if (has(p, n, 0, "\x89PNG\r\n\x1A\n", 8))
    return T_PNG;
  if (has(p, n, 4, "ftyp", 4) && n >= 12)
    return iso_brand(p + 8);
  // An EBML header: its DocType tells WebM from plain Matroska.
  if (has(p, n, 0, "\x1A\x45\xDF\xA3", 4))
    return contains(p, n, "\x42\x82\x84webm", 7)       ? T_WEBM
           : contains(p, n, "\x42\x82\x88matroska", 11) ? T_MKV
                                                          : T_UNKNOWN;
  if (has(p, n, 0, "ID3", 3))
    return T_MP3;
  // An MPEG audio frame sync, layer III.
  if (n >= 2 && p[0] == 0xFF && (p[1] & 0xE0) == 0xE0 && (p[1] & 0x06) == 0x02)
    return T_MP3;
  if (has(p, n, 0, "RIFF", 4) && has(p, n, 8, "WAVE", 4))
    return T_WAV;
  if (has(p, n, 0, "RIFF", 4) && has(p, n, 8, "WEBP", 4))
    return T_WEBP;
  if (has(p, n, 0, "GIF87a", 6) || has(p, n, 0, "GIF89a", 6))
    return T_GIF;
  return T_UNKNOWN;
}

// What `accept` allows, for messages: "an MP3 or WAV file" for one class,
// "an image or video file (JPEG, PNG, MP4 or WebM)" for several.
static const char *accepted(Ctx *ctx, unsigned accept) {
  static const char *const one[] = {"a JPEG or PNG image",
                                    "an MP4 or WebM video",
                                    "an MP3 or WAV file"};
  static const char *const nouns[] = {"image", "video", "audio"};
  static const char *const types[] = {"JPEG, PNG", "MP4, WebM", "MP3, WAV"};
  int n = 0;
  int last = 0;
  for (int i = 0; i < 3; i++)
    if (accept & (1u << i))
      n++, last = i;
  if (n == 1)
    return one[last];
  const char *what = NULL;
  const char *list = NULL;
  for (int i = 0; i < 3; i++) {
    if (!(accept & (1u << i)))
      continue;
    const char *sep = i == last ? " or " : ", ";
    what = what ? arena_printf(ctx->arena, "%s%s%s", what, sep, nouns[i])
                : nouns[i];
    list = list ? arena_printf(ctx->arena, "%s, %s", list, types[i])
                : types[i];
  }
  // "JPEG, PNG, MP4, WebM" -> "JPEG, PNG, MP4 or WebM"
  const char *comma = strrchr(list, ',');
  return arena_printf(ctx->arena, "an %s file (%.*s or%s)", what,
                      (int)(comma - list), list, comma + 1);
}

Asset *asset_load(Ctx *ctx, const Node *n, unsigned accept) {
  // A path is text; a plain number is text too, as everywhere in a spec.
  ScalarType t = n->kind == NK_SCALAR ? node_type(n) : ST_NULL;
  if (t == ST_NULL || t == ST_BOOL) {
    error_at(ctx, n->loc, "write asset: ./media/file.png",
             "'asset' must be a file path, not %s", node_kind_name(n));
    return NULL;
  }
  if (!n->len || strlen(n->text) != n->len) {
    error_at(ctx, n->loc, "write asset: ./media/file.png",
             n->len ? "'asset' must not contain NUL characters"
                    : "'asset' must not be empty");
    return NULL;
  }
  const char *path = include_path(ctx, n, n->text);
  if (!path)
    return NULL;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  bool known = fd >= 0 && fstat(fd, &st) == 0;
  if (!known || !S_ISREG(st.st_mode)) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    if (known && S_ISDIR(st.st_mode))
      error_at(ctx, n->loc, "name a file in it",
               "asset '%s' is a directory, not a file", n->text);
    else
      error_at(ctx, n->loc, NULL, "cannot read asset '%s': %s", n->text,
               known ? "not a regular file" : strerror(e));
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
  int found = sniff(head, nhead);
  const MediaType *type = found == T_UNKNOWN ? NULL : &TYPES[found];
  if (!type || !(type->cls & accept)) {
    const char *want = accepted(ctx, accept);
    error_at(ctx, n->loc,
             arena_printf(ctx->arena,
                          type && !type->cls ? "convert it to %s"
                                             : "use %s here",
                          want),
             "asset '%s' is %s, not %s", n->text,
             type ? type->noun : "of an unknown type", want);
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
