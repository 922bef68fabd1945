// SPDX-License-Identifier: MIT
// yaml2json: one YAML file as canonical JSON, typed as hgc reads it.
//
//   yaml2json FILE     -> the JSON document on stdout; exit 0
//                         a load error: hgc's diagnostic on stderr; exit 1
//
// tests/schemas.sh uses it to check specs against the spec format's JSON
// Schema without a second YAML parser: the file goes through load_file(),
// so duplicate keys, tags and aliases behave exactly as in hgc, and each
// scalar gets the JSON type node_type() gives it (null, true/false,
// integer, number, else string). Keys are always strings. Only the file
// itself is converted: includes and ${...} stay as written. A float the
// JSON text cannot hold (.inf, .nan) is kept as its string.
#include "../../compiler/hgc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *to_json(const Node *n);

static json_t *scalar(const Node *n) {
  char *end;
  switch (node_type(n)) {
  case ST_NULL:
    return json_null();
  case ST_BOOL:
    return json_boolean(n->text[0] == 't');
  case ST_INT: {
    errno = 0;
    long long i = strtoll(n->text, &end, 10);
    if (errno != ERANGE)
      return json_integer(i);
    return json_real(strtod(n->text, &end)); // too large for an integer
  }
  case ST_FLOAT: {
    double d = strtod(n->text, &end);
    if (*end == '\0' && isfinite(d))
      return json_real(d);
    break; // .inf, .nan
  }
  case ST_STRING:
    break;
  }
  return json_stringn(n->text, n->len);
}

static json_t *to_json(const Node *n) {
  if (n->kind == NK_SCALAR)
    return scalar(n);
  if (n->kind == NK_SEQ) {
    json_t *a = json_array();
    for (int i = 0; i < n->nitems; i++)
      json_array_append_new(a, to_json(n->items[i]));
    return a;
  }
  json_t *o = json_object();
  for (int i = 0; i < n->npairs; i++)
    json_object_set_new(o, n->pairs[i].key->text, to_json(n->pairs[i].value));
  return o;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: yaml2json FILE\n");
    return 2;
  }
  Ctx ctx;
  ctx_init(&ctx);
  Node *root = load_file(&ctx, argv[1], NULL);
  int rc = 1;
  if (root) {
    json_t *doc = to_json(root);
    size_t len;
    char *text = emit_json(doc, &len);
    if (text && fwrite(text, 1, len, stdout) == len)
      rc = 0;
    free(text);
    json_decref(doc);
  }
  ctx_free(&ctx);
  return rc;
}
