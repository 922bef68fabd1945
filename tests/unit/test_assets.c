// Unit tests for assets.c: SHA-256 against the FIPS 180-4 vectors, media
// type detection from magic bytes, and every refusal of asset_load.
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void expect(bool ok, const char *name, const char *why) {
  unit_result(name, ok ? NULL : why);
}

static void sha_case(const char *name, const char *in, size_t len,
                     const char *want) {
  char hex[65];
  asset_sha256(in, len, hex);
  expect(strcmp(hex, want) == 0, name, hex);
}

static char dir[] = "/tmp/hgc-assets-XXXXXX";

static void write_file(const char *name, const void *data, size_t len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  unit_write(path, data, len);
}

// Loads `name` through a one-line spec, as `asset: name`; returns the
// asset (or NULL) and the first line of stderr in err.
static Asset *load(Ctx *ctx, const char *name, unsigned accept, char *err,
                   size_t errlen) {
  char spec[512];
  snprintf(spec, sizeof spec, "%s/spec.yaml", dir);
  FILE *f = fopen(spec, "w");
  fprintf(f, "asset: %s\n", name);
  fclose(f);
  char *buf = NULL;
  size_t blen = 0;
  ctx->err = open_memstream(&buf, &blen);
  Node *doc = load_file(ctx, spec, NULL);
  Asset *a = doc ? asset_load(ctx, node_get(doc, "asset"), accept) : NULL;
  fclose(ctx->err);
  snprintf(err, errlen, "%s", buf ? buf : "");
  char *nl = strchr(err, '\n');
  if (nl)
    *nl = '\0';
  free(buf);
  return a;
}

int main(void) {
  sha_case("sha256-empty", "", 0,
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha_case("sha256-abc", "abc", 3,
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha_case("sha256-two-blocks",
           "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  char *million = malloc(1000000);
  memset(million, 'a', 1000000);
  sha_case("sha256-million-a", million, 1000000,
           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(million);

  if (!mkdtemp(dir))
    return 1;
  Ctx ctx;
  ctx_init(&ctx);
  ctx.root = realpath(dir, NULL);
  static const struct {
    const char *file;
    const char *bytes;
    size_t len;
    const char *mime;
  } media[] = {
      {"a.jpg", "\xFF\xD8\xFF\xE0\0\x10JFIF", 10, "image/jpeg"},
      {"a.png", "\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16, "image/png"},
      {"a.mp4", "\0\0\0\x18" "ftypisom\0\0\0\0", 16, "video/mp4"},
      {"a.webm", "\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm", 16,
       "video/webm"},
      {"a.mp3", "ID3\x04\0\0\0\0\0\0", 10, "audio/mpeg"},
      {"b.mp3", "\xFF\xFB\x90\x64", 4, "audio/mpeg"},
      {"a.wav", "RIFF\x24\0\0\0WAVEfmt ", 16, "audio/wav"},
      // The name says PNG; the bytes say JPEG, and the bytes win.
      {"liar.png", "\xFF\xD8\xFF\xDB", 4, "image/jpeg"},
  };
  char err[512];
  for (size_t i = 0; i < sizeof media / sizeof media[0]; i++) {
    write_file(media[i].file, media[i].bytes, media[i].len);
    Asset *a = load(&ctx, media[i].file, MEDIA_IMAGE | MEDIA_VIDEO |
                                             MEDIA_AUDIO, err, sizeof err);
    char name[64];
    snprintf(name, sizeof name, "sniff-%s", media[i].file);
    expect(a && strcmp(a->mime, media[i].mime) == 0 &&
               strcmp(a->path, media[i].file) == 0,
           name, a ? a->mime : err);
  }
  Asset *a = load(&ctx, "a.png", MEDIA_IMAGE, err, sizeof err);
  char hex[65];
  asset_sha256("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16, hex);
  expect(a && strcmp(a->sha256, hex) == 0, "hash-matches-content",
         a ? a->sha256 : err);

  write_file("movie.mov", "\0\0\0\x14" "ftypqt  \0\0\0\0", 16);
  // An iPhone photo is an ISO media file too: it is no MP4 video.
  write_file("photo.heic", "\0\0\0\x18" "ftypheic\0\0\0\0", 16);
  write_file("anim.gif", "GIF89a\x01\0\x01\0", 10);
  write_file("notes.txt", "hello", 5);
  mkdir(strcat(strcpy(err, dir), "/sub"), 0777);
  static const struct {
    const char *name;
    const char *file;
    unsigned accept;
    const char *want;
  } bad[] = {
      {"wrong-class", "a.mp4", MEDIA_IMAGE,
       "asset 'a.mp4' is an MP4 video, not a JPEG or PNG image"},
      {"quicktime-refused", "movie.mov", MEDIA_VIDEO,
       "asset 'movie.mov' is a QuickTime movie, not an MP4 or WebM video"},
      {"heic-not-mp4", "photo.heic", MEDIA_IMAGE | MEDIA_VIDEO,
       "asset 'photo.heic' is a HEIF or AVIF image, not an image or video "
       "file (JPEG, PNG, MP4 or WebM)"},
      {"gif-refused", "anim.gif", MEDIA_IMAGE,
       "asset 'anim.gif' is a GIF image, not a JPEG or PNG image"},
      {"unknown-type", "notes.txt", MEDIA_AUDIO,
       "asset 'notes.txt' is of an unknown type, not an MP3 or WAV file"},
      {"missing", "nope.png", MEDIA_IMAGE,
       "cannot read 'nope.png': No such file or directory"},
      {"directory", "sub", MEDIA_IMAGE,
       "asset 'sub' is a directory, not a file"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    a = load(&ctx, bad[i].file, bad[i].accept, err, sizeof err);
    expect(!a && strstr(err, bad[i].want) && strstr(err, "spec.yaml:1:8: "),
           bad[i].name, err);
  }
  a = load(&ctx, "../../etc/passwd", MEDIA_IMAGE, err, sizeof err);
  expect(!a && strstr(err, "spec.yaml:1:8: error: "), "outside-root", err);

  free((char *)ctx.root);
  ctx_free(&ctx);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    unit_result("cleanup", cmd);
  return unit_status();
}
