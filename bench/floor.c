// SPDX-License-Identifier: MIT
// floor.c: the cost floor of `make bench` -- what any spec compiler must
// at least do: parse the same YAML with libyaml and write the same amount
// of JSON with jansson, with no validation, expansion or lowering.
//
//   floor SPEC [ROWS]
//   floor --parse FILE...
//
// Loads SPEC as a whole document (yaml_parser_load) into jansson values,
// and every file it includes (top-level `include:` and scene items
// `{include: PATH}`, paths relative to the including file), without
// merging them. With ROWS (a YAML list of maps), prints one JSON document
// per row, {"row": ROW, "spec": FILES}; else one, {"spec": FILES}. FILES
// maps each path to its tree. Output is indented and key-sorted, as hgc's
// is, so both write about as many bytes. Plain scalars are typed by the
// YAML 1.2 core schema (null, bool, int, float, else string).
//
// --parse reads each FILE (open, fstat, read, close, as hgc does) and runs
// libyaml's event parser over it, building and writing nothing: what any
// tool that reads the same files with libyaml pays before its own work.
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static void die(const char *what, const char *path) {
  fprintf(stderr, "floor: %s: %s\n", path, what);
  exit(1);
}

// A plain scalar's value under the core schema.
static json_t *plain_scalar(const char *s, size_t n) {
  if (n == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
      !strcmp(s, "NULL"))
    return json_null();
  if (!strcmp(s, "true"))
    return json_true();
  if (!strcmp(s, "false"))
    return json_false();
  char *end;
  errno = 0;
  long long i = strtoll(s, &end, 10);
  if (!*end && !errno && end != s)
    return json_integer(i);
  double d = strtod(s, &end);
  if (!*end && end != s && strchr("+-.0123456789", s[0]))
    return json_real(d);
  return json_stringn(s, n);
}

static json_t *convert(yaml_document_t *doc, yaml_node_t *node, int depth) {
  if (depth > 64)
    die("nested too deeply", "document");
  switch (node->type) {
  case YAML_SCALAR_NODE: {
    const char *s = (const char *)node->data.scalar.value;
    size_t n = node->data.scalar.length;
    return node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
               ? plain_scalar(s, n)
               : json_stringn(s, n);
  }
  case YAML_SEQUENCE_NODE: {
    json_t *a = json_array();
    for (yaml_node_item_t *it = node->data.sequence.items.start;
         it < node->data.sequence.items.top; it++)
      json_array_append_new(
          a, convert(doc, yaml_document_get_node(doc, *it), depth + 1));
    return a;
  }
  case YAML_MAPPING_NODE: {
    json_t *o = json_object();
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
         p < node->data.mapping.pairs.top; p++) {
      yaml_node_t *k = yaml_document_get_node(doc, p->key);
      if (k->type != YAML_SCALAR_NODE)
        die("non-scalar key", "document");
      json_object_setn_new(
          o, (const char *)k->data.scalar.value, k->data.scalar.length,
          convert(doc, yaml_document_get_node(doc, p->value), depth + 1));
    }
    return o;
  }
  default:
    return json_null();
  }
}

// The first document of the file at path, as jansson values.
static json_t *load(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    die(strerror(errno), path);
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser))
    die("out of memory", path);
  yaml_parser_set_input_file(&parser, f);
  if (!yaml_parser_load(&parser, &doc))
    die(parser.problem ? parser.problem : "invalid YAML", path);
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  json_t *v = root ? convert(&doc, root, 0) : json_null();
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  fclose(f);
  return v;
}

static void load_tree(json_t *files, const char *path);

// Loads the file `rel` names, relative to the file at `from`.
static void follow(json_t *files, const char *from, const json_t *rel) {
  if (!json_is_string(rel))
    return;
  const char *slash = strrchr(from, '/');
  int dir = slash ? (int)(slash - from + 1) : 0;
  char path[4096];
  snprintf(path, sizeof path, "%.*s%s", dir, from, json_string_value(rel));
  load_tree(files, path);
}

// Loads path and, recursively, what it includes, into files[path].
static void load_tree(json_t *files, const char *path) {
  if (json_object_get(files, path))
    return;
  json_t *doc = load(path);
  json_object_set_new(files, path, doc);
  json_t *inc = json_object_get(doc, "include");
  size_t i;
  json_t *v;
  if (json_is_array(inc)) {
    json_array_foreach(inc, i, v) follow(files, path, v);
  } else {
    follow(files, path, inc);
  }
  json_t *scenes = json_is_array(doc) ? doc : json_object_get(doc, "scenes");
  json_array_foreach(scenes, i, v) follow(files, path,
                                          json_object_get(v, "include"));
}

// Dumps v and a newline through one reused buffer (json_dumpf would call
// fwrite once per token): the floor should be as cheap as jansson allows.
static int dump(json_t *v) {
  static char *buf;
  static size_t cap;
  size_t flags = JSON_INDENT(2) | JSON_SORT_KEYS;
  size_t n = json_dumpb(v, buf, cap, flags);
  if (n > cap) {
    free(buf);
    cap = 2 * n;
    if (!(buf = malloc(cap)))
      die("out of memory", "output");
    n = json_dumpb(v, buf, cap, flags);
  }
  return !n || fwrite(buf, 1, n, stdout) != n || fputc('\n', stdout) == EOF;
}

static void parse_file(const char *path) {
  static unsigned char *buf;
  static size_t cap;
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0)
    die(strerror(errno), path);
  size_t size = (size_t)st.st_size;
  if (size > cap && !(buf = realloc(buf, cap = size)))
    die("out of memory", path);
  if (read(fd, buf, size) != (ssize_t)size)
    die("short read", path);
  close(fd);
  yaml_parser_t parser;
  yaml_event_t event;
  if (!yaml_parser_initialize(&parser))
    die("out of memory", path);
  yaml_parser_set_input_string(&parser, buf, size);
  for (bool end = false; !end; yaml_event_delete(&event)) {
    if (!yaml_parser_parse(&parser, &event))
      die(parser.problem ? parser.problem : "invalid YAML", path);
    end = event.type == YAML_STREAM_END_EVENT;
  }
  yaml_parser_delete(&parser);
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "--parse")) {
    for (int i = 2; i < argc; i++)
      parse_file(argv[i]);
    return 0;
  }
  if (argc < 2 || argc > 3) {
    fputs("usage: floor SPEC [ROWS]\n       floor --parse FILE...\n", stderr);
    return 2;
  }
  json_t *files = json_object();
  load_tree(files, argv[1]);
  int rc = 0;
  if (argc == 3) {
    json_t *rows = load(argv[2]);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
      json_t *doc = json_pack("{s:O, s:O}", "row", row, "spec", files);
      rc |= dump(doc);
      json_decref(doc);
    }
    json_decref(rows);
  } else {
    json_t *doc = json_pack("{s:O}", "spec", files);
    rc |= dump(doc);
    json_decref(doc);
  }
  json_decref(files);
  return rc || fflush(stdout) ? 1 : 0;
}
