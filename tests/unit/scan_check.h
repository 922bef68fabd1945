// SPDX-License-Identifier: MIT
// scan_check.h: compiler/scan.c against libyaml, for tests/unit/test_scan.c
// and tests/fuzz/fuzz_scan.c. scan_compare() reads a text with both and
// says where they differ: what scan_yaml accepts must give exactly the
// events libyaml's parser gives (kinds, styles, marks and bytes).
#ifndef SCAN_CHECK_H
#define SCAN_CHECK_H

#include "../../compiler/hgc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

// libyaml's events in scan.c's terms; text copies live in `texts`.
typedef struct {
  ScanEvents ev;
  char *texts[4096];
  int ntexts;
  bool odd; // an event scan.c never gives (anchor, tag, block scalar...)
} Ref;

static void ref_free(Ref *r) {
  for (int i = 0; i < r->ntexts; i++)
    free(r->texts[i]);
  free(r->ev.ev);
  *r = (Ref){0};
}

static Pos pos(yaml_mark_t m) {
  return (Pos){(int)m.line + 1, (int)m.column + 1};
}

static ScanEvent *add(Ref *r, ScanKind kind, const yaml_event_t *e) {
  r->ev.ev = grow_array(r->ev.ev, &r->ev.cap, r->ev.n, sizeof *r->ev.ev);
  ScanEvent *s = &r->ev.ev[r->ev.n++];
  *s = (ScanEvent){.kind = kind, .at = pos(e->start_mark)};
  return s;
}

// False when libyaml rejects the text.
static bool reference(const char *text, size_t len, Ref *r) {
  yaml_parser_t p;
  yaml_event_t e;
  bool ok = true;
  int docs = 0;
  yaml_parser_initialize(&p);
  yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  for (bool end = false; !end; yaml_event_delete(&e)) {
    if (!yaml_parser_parse(&p, &e)) {
      ok = false;
      break;
    }
    ScanEvent *s;
    switch (e.type) {
    case YAML_STREAM_END_EVENT:
      end = true;
      break;
    case YAML_DOCUMENT_START_EVENT:
      r->odd |= ++docs > 1 || !e.data.document_start.implicit;
      break;
    case YAML_ALIAS_EVENT:
      r->odd = true;
      break;
    case YAML_SCALAR_EVENT:
      s = add(r, SE_SCALAR, &e);
      s->end = pos(e.end_mark);
      s->len = e.data.scalar.length;
      if (r->ntexts == (int)(sizeof r->texts / sizeof r->texts[0]))
        r->odd = true;
      else if ((s->text = r->texts[r->ntexts++] = malloc(s->len + 1)))
        memcpy(r->texts[r->ntexts - 1], e.data.scalar.value, s->len + 1);
      s->style = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? SC_PLAIN
                 : e.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                         e.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                     ? SC_QUOTED
                     : SC_BLOCK;
      r->odd |= e.data.scalar.tag || e.data.scalar.anchor;
      break;
    case YAML_SEQUENCE_START_EVENT:
      s = add(r, SE_SEQ, &e);
      s->flow = e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
      r->odd |= e.data.sequence_start.tag || e.data.sequence_start.anchor;
      break;
    case YAML_MAPPING_START_EVENT:
      s = add(r, SE_MAP, &e);
      s->flow = e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
      r->odd |= e.data.mapping_start.tag || e.data.mapping_start.anchor;
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      add(r, SE_END, &e)->end = pos(e.end_mark);
      break;
    default:
      break;
    }
  }
  yaml_parser_delete(&p);
  return ok;
}

static const char *kind_name(ScanKind k) {
  static const char *const names[] = {"scalar", "map", "seq", "end"};
  return names[k];
}

// NULL when scan_yaml and libyaml agree on text, or scan_yaml gave up;
// else why, written into why[cap]. *took says whether scan_yaml accepted
// the text.
static const char *scan_compare(const char *text, size_t len, bool *took,
                                char *why, size_t cap) {
  static ScanEvents got;
  // diag.c rejects invalid UTF-8 before anything reads the text.
  *took = json_text_ok(text, len) && scan_yaml(text, len, &got);
  if (!*took)
    return NULL;
  Ref ref = {0};
  bool differ = !reference(text, len, &ref) || ref.odd;
  if (differ)
    snprintf(why, cap, "scan.c accepted what libyaml rejects or reads "
                       "otherwise");
  for (int i = 0; !differ && (i < got.n || i < ref.ev.n); i++) {
    if (i == got.n || i == ref.ev.n) {
      snprintf(why, cap, "event %d: scan.c gives %d events, libyaml %d", i,
               got.n, ref.ev.n);
      differ = true;
      break;
    }
    const ScanEvent *a = &got.ev[i], *b = &ref.ev.ev[i];
    bool same = a->kind == b->kind;
    if (same && a->kind != SE_END)
      same = a->at.line == b->at.line && a->at.col == b->at.col;
    if (same && a->kind == SE_SCALAR)
      same = a->style == b->style && a->len == b->len &&
             memcmp(a->text, b->text, a->len) == 0;
    if (same && (a->kind == SE_SCALAR || a->kind == SE_END))
      same = a->end.line == b->end.line && a->end.col == b->end.col;
    if (same && (a->kind == SE_MAP || a->kind == SE_SEQ))
      same = a->flow == b->flow;
    if (!same) {
      snprintf(why, cap,
               "event %d: scan.c %s %d:%d-%d:%d '%.*s', libyaml %s "
               "%d:%d-%d:%d '%.*s'",
               i, kind_name(a->kind), a->at.line, a->at.col, a->end.line,
               a->end.col, (int)a->len, a->text ? a->text : "",
               kind_name(b->kind), b->at.line, b->at.col, b->end.line,
               b->end.col, (int)b->len, b->text ? b->text : "");
      differ = true;
    }
  }
  ref_free(&ref);
  return differ ? why : NULL;
}

#endif
