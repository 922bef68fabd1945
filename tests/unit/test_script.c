// SPDX-License-Identifier: MIT
// test_script.c: unit tests for script.c, linked with the compiler objects
// except main.o.
//
//   test_script    runs every case, one "ok NAME" or "not ok NAME: reason"
//                  line each; exits 1 when any failed
//
// A case is a small YAML document with a top-level `script:`, loaded with
// load_source() and compiled as scene 1. Diagnostics are captured with
// open_memstream and compared in a short form, one line each:
// "LINE:COL: SEVERITY: MESSAGE [HINT]" (the source line and caret that
// diag.c prints in between are left out).
#include "unit.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  bool loaded; // the YAML loaded and has a `script` key
  bool ok;     // script_compile's result
  Script sc;   // text copied out of the arena (malloc'd)
  char *diags; // the short form, malloc'd
} Run;

// diag.c's text output -> "L:C: severity: message [hint]" lines.
static char *short_diags(const char *out) {
  size_t cap = strlen(out) + 1;
  char *s = calloc(1, cap);
  size_t n = 0;
  const char *prefix = "t.yaml:";
  for (const char *line = out; *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    if (strncmp(line, prefix, strlen(prefix)) == 0) {
      if (n)
        s[n++] = '\n';
      size_t k = len - strlen(prefix);
      memcpy(s + n, line + strlen(prefix), k);
      n += k;
    } else if (strncmp(line, "  hint: ", 8) == 0) {
      n += (size_t)sprintf(s + n, " [%.*s]", (int)len - 8, line + 8);
    } else if (strncmp(line, "hgc: ", 5) == 0) {
      if (n)
        s[n++] = '\n';
      memcpy(s + n, line, len);
      n += len;
    }
    line += len + (nl != NULL);
  }
  s[n] = '\0';
  return s;
}

static Run compile(const char *yaml, int plan, bool werror) {
  Run r = {0};
  Ctx ctx;
  ctx_init(&ctx);
  char *out = NULL;
  size_t len = 0;
  ctx.err = open_memstream(&out, &len);
  ctx.plan_chars = plan;
  ctx.werror = werror;
  Node *doc = load_source(&ctx, diag_text_file(&ctx, "t.yaml", yaml));
  Node *script = doc ? node_get(doc, "script") : NULL;
  if (script) {
    r.loaded = true;
    r.ok = script_compile(&ctx, script, 1, &r.sc);
    r.sc.text = strdup(r.sc.text ? r.sc.text : "(null)");
  }
  fclose(ctx.err);
  r.diags = short_diags(out);
  free(out);
  ctx_free(&ctx);
  return r;
}

static void run_free(Run *r) {
  free((char *)r->sc.text);
  free(r->diags);
}

// Checks one compilation: the text when `text` is non-NULL, and the
// diagnostics (exactly; "" for none). ok is expected when no line of
// `diags` is an error.
static void check(const char *name, const char *yaml, const char *text,
                  const char *diags) {
  static char why[16384];
  Run r = compile(yaml, 1500, false);
  bool want_ok = !strstr(diags, ": error: ");
  if (!r.loaded)
    snprintf(why, sizeof why, "YAML did not load: %s", r.diags);
  else if (strcmp(r.diags, diags) != 0)
    snprintf(why, sizeof why, "diagnostics\n  got:  %s\n  want: %s", r.diags,
             diags);
  else if (r.ok != want_ok)
    snprintf(why, sizeof why, "script_compile returned %s",
             r.ok ? "true" : "false");
  else if (text && strcmp(r.sc.text, text) != 0)
    snprintf(why, sizeof why, "text\n  got:  '%s'\n  want: '%s'", r.sc.text,
             text);
  unit_result(name, r.loaded && strcmp(r.diags, diags) == 0 && r.ok == want_ok &&
                       (!text || strcmp(r.sc.text, text) == 0)
                   ? NULL
                   : why);
  run_free(&r);
}

// Checks the counts of a script that compiles cleanly.
static void check_counts(const char *name, const char *yaml, int chars,
                         int words, int pauses, long pause_ms) {
  static char why[1024];
  Run r = compile(yaml, 1500, false);
  const Script *s = &r.sc;
  snprintf(why, sizeof why,
           "got chars %d words %d pauses %d pause_ms %ld (diags '%s'), "
           "want %d %d %d %ld",
           s->chars, s->words, s->pauses, s->pause_ms, r.diags, chars, words,
           pauses, pause_ms);
  unit_result(name, r.ok && s->chars == chars && s->words == words &&
                       s->pauses == pauses && s->pause_ms == pause_ms
                   ? NULL
                   : why);
  run_free(&r);
}

//
// Normalisation
//
static void test_normalise(void) {
  check("plain", "script: Hello world\n", "Hello world", "");
  check("white_space_runs", "script: \"  Hello \\t  world\\n\\n again  \"\n",
        "Hello world again", "");
  check("literal_block", "script: |\n  Hi, I'm Daisy.\n\n  Welcome.\n",
        "Hi, I'm Daisy. Welcome.", "");
  check("folded_block", "script: >\n  Hi, I'm\n  Daisy.\n", "Hi, I'm Daisy.",
        "");
  check("crlf", "script: \"a\\r\\nb\\tc\"\n", "a b c", "");
  check("break_tag", "script: Hi <break time=\"1s\"/> there\n",
        "Hi <break time=\"1s\"/> there", "");
  check("break_tag_gets_spaces", "script: Hi<break time=\"1s\"/>there\n",
        "Hi <break time=\"1s\"/> there", "");
  check("break_tag_forms",
        "script: \"a <break time = '1.5s' /> b <break  time=\\\"2s\\\"/> c\"\n",
        "a <break time=\"1.5s\"/> b <break time=\"2s\"/> c", "");
  check("break_spaces_collapse",
        "script: \"a  \\n <break time='1s'/>\\t\\t b\"\n",
        "a <break time=\"1s\"/> b", "");
  check("seconds_shortest",
        "script: a <break time='.5s'/> b <break time='1.500s'/> c "
        "<break time='2.0s'/> d <break time='0.001s'/> e\n",
        "a <break time=\"0.5s\"/> b <break time=\"1.5s\"/> c "
        "<break time=\"2s\"/> d <break time=\"0.001s\"/> e",
        "");
  check("merge_adjacent",
        "script: a <break time='1s'/><break time='0.5s'/> b\n",
        "a <break time=\"1.5s\"/> b", "");
  check("merge_exact_ms",
        "script: \"a <break time='0.1s'/>  \\n <break time='0.2s'/> b\"\n",
        "a <break time=\"0.3s\"/> b", "");
  check("pause_at_start", "script: <break time='1s'/>   Hi\n",
        "<break time=\"1s\"/> Hi", "");
  check("pause_at_end", "script: \"Hi   <break time='1s'/>  \"\n",
        "Hi <break time=\"1s\"/>", "");
  check("pauses_at_both_ends",
        "script: <break time='1s'/><break time='1s'/> Hi <break time='1s'/>\n",
        "<break time=\"2s\"/> Hi <break time=\"1s\"/>", "");
  check("less_than_is_text", "script: a < b, 3 <4 and <= x\n",
        "a < b, 3 <4 and <= x", "");
  check("greater_than_is_text", "script: a > b\n", "a > b", "");
  check("number_int", "script: 42\n", "42", "");
  check("number_float_as_written", "script: 1.50\n", "1.50", "");
  check("yes_is_text", "script: yes\n", "yes", "");
  check("utf8_text", "script: Grüße, café — ça va?\n", "Grüße, café — ça va?",
        "");
  check("multiline_tag", "script: |\n  Hi <break\n     time=\"1s\"/> there\n",
        "Hi <break time=\"1s\"/> there", "");
}

static void test_list(void) {
  check("list_joined", "script:\n  - Hello\n  - world\n", "Hello world", "");
  check("list_pause",
        "script:\n  - \"Here is how it works.\"\n  - pause: 1.5s\n"
        "  - First, connect your calendar.\n",
        "Here is how it works. <break time=\"1.5s\"/> First, connect your "
        "calendar.",
        "");
  check("list_pause_items_merge",
        "script:\n  - pause: 1\n  - pause: 500ms\n  - Hi\n  - pause: 0.25\n",
        "<break time=\"1.5s\"/> Hi <break time=\"0.25s\"/>", "");
  check("list_tag_and_item_merge",
        "script:\n  - 'Hi <break time=\"1s\"/> '\n  - {pause: 0.5s}\n"
        "  - '  <break time=\"0.5s\"/>there'\n",
        "Hi <break time=\"2s\"/> there", "");
  check("list_number_item", "script: [Call, 911, now]\n", "Call 911 now", "");
  check("list_block_items",
        "script:\n  - |\n    One\n    two.\n  - >\n    Three\n    four.\n",
        "One two. Three four.", "");
  check("list_empty_string_item", "script: [a, '', b]\n", "a b", "");
}

static void test_counts(void) {
  check_counts("counts_plain", "script: Hello world\n", 11, 2, 0, 0);
  check_counts("counts_without_tags", "script: Hi <break time=\"1s\"/> there\n",
               7, 2, 1, 1000);
  check_counts("counts_code_points", "script: Café ü\n", 6, 2, 0, 0);
  check_counts("counts_merged",
               "script:\n  - a\n  - pause: 1s\n  - pause: 0.5s\n  - b c\n"
               "  - pause: 2s\n",
               4, 3, 2, 3500);
  check_counts("counts_normalised_space", "script: \"a   b\"\n", 3, 2, 0, 0);
  check_counts("counts_punctuation_word", "script: Well - fine.\n", 12, 3, 0,
               0);
}

//
// Errors
//
static void test_tag_errors(void) {
  check("ms_in_tag", "script: Hi <break time=\"1500ms\"/> there\n", NULL,
        "1:12: error: pauses in break tags are written in seconds "
        "[write time=\"1.5s\"]");
  check("ms_in_tag_fraction", "script: Hi <break time='1.5ms'/> there\n", NULL,
        "1:12: error: pauses in break tags are written in seconds "
        "[write seconds, such as time=\"1.5s\"]");
  check("no_unit", "script: Hi <break time=\"1\"/> there\n", NULL,
        "1:12: error: break time '1' has no unit [write time=\"1s\"]");
  // A break of the right form is read by hand (scan_tag's plain_break),
  // anything else by the patterns: the messages must not tell which.
  check("no_unit_spaced", "script: Hi <break  time=\"1\" /> there\n", NULL,
        "1:12: error: break time '1' has no unit [write time=\"1s\"]");
  check("no_unit_single_quotes", "script: Hi <break\ttime = '1' /> there\n",
        NULL, "1:12: error: break time '1' has no unit [write time=\"1s\"]");
  check("plain_break_other_attribute",
        "script: Hi <break time=\"1s\" x=\"y\"/> there\n", NULL,
        "1:12: error: unknown attribute 'x' in break tag "
        "[remove it; a break takes only time]");
  check("plain_break_unterminated", "script: Hi <break time=\"1s\"/\n", NULL,
        "1:12: error: unterminated tag '<break time=\"1s\"/' "
        "[end the tag with '/>', or write '< ' for a less-than sign]");
  check("plain_break_angle_in_value",
        "script: Hi <break time=\"1<s\"/> there\n", NULL,
        "1:12: error: unbalanced quotes in tag '<break time=\"1' "
        "[write <break time=\"1.5s\"/>]\n"
        "1:26: error: unbalanced quotes in tag '<s\"/>' "
        "[write <break time=\"1.5s\"/>]");
  check("not_self_closed", "script: Hi <break time=\"1s\"> there\n", NULL,
        "1:12: error: break tag '<break time=\"1s\">' is not self-closed "
        "[write <break time=\"1s\"/>]");
  check("not_self_closed_with_close",
        "script: Hi <break time=\"1.50s\"></break> there\n", NULL,
        "1:12: error: break tag '<break time=\"1.50s\">' is not self-closed "
        "[write <break time=\"1.5s\"/>]");
  check("closing_break", "script: Hi </break> there\n", NULL,
        "1:12: error: closing tag '</break>' is not allowed "
        "[remove it; breaks are self-closing: <break time=\"1s\"/>]");
  check("unknown_tag", "script: Hi <emphasis level=\"strong\">there\n", NULL,
        "1:12: error: unknown tag '<emphasis>' "
        "[remove it; only <break time=\"1.5s\"/> is supported]");
  check("speak_tags", "script: <speak>Hi</speak>\n", NULL,
        "1:9: error: unknown tag '<speak>' "
        "[remove it; only <break time=\"1.5s\"/> is supported]\n"
        "1:18: error: unknown tag '</speak>' "
        "[remove it; only <break time=\"1.5s\"/> is supported]");
  check("break_like_tags",
        "script: a <Break time='1s'/> b <pause time='1s'/> c\n", NULL,
        "1:11: error: unknown tag '<Break>' [write <break time=\"1.5s\"/>]\n"
        "1:32: error: unknown tag '<pause>' [write <break time=\"1.5s\"/>]");
  check("unbalanced_quotes", "script: Hi <break time=\"1s/> there\n", NULL,
        "1:12: error: unbalanced quotes in tag '<break time=\"1s/>' "
        "[write <break time=\"1.5s\"/>]");
  check("unbalanced_mixed_quotes", "script: Hi <break time=\"1s'/> there\n",
        NULL,
        "1:12: error: unbalanced quotes in tag '<break time=\"1s'/>' "
        "[write <break time=\"1.5s\"/>]");
  check("unterminated_tag", "script: Hi <break time=\"1s\" there\n", NULL,
        "1:12: error: unterminated tag '<break time=\"1s\" there' "
        "[end the tag with '/>', or write '< ' for a less-than sign]");
  check("unterminated_before_next_tag", "script: a<b c <break time='1s'/> d\n",
        NULL,
        "1:10: error: unterminated tag '<b c' "
        "[end the tag with '/>', or write '< ' for a less-than sign]");
  check("malformed_tag", "script: Hi <break 1s/> there\n", NULL,
        "1:12: error: malformed tag '<break 1s/>' "
        "[write <break time=\"1.5s\"/>]");
  check("long_bad_tag_quoted_short",
        "script: Hi <break time=\"1s\" and then a very long tail of words\n",
        NULL,
        "1:12: error: unterminated tag '<break time=\"1s\" and then a very "
        "long ta...' "
        "[end the tag with '/>', or write '< ' for a less-than sign]");
  check("no_time", "script: Hi <break/> there\n", NULL,
        "1:12: error: break tag has no time [write <break time=\"1s\"/>]");
  check("empty_time", "script: Hi <break time=\"\"/> there\n", NULL,
        "1:12: error: break time is empty [write time=\"1s\"]");
  check("zero_pause", "script: Hi <break time=\"0s\"/> there\n", NULL,
        "1:12: error: break time '0s' is zero "
        "[remove it, or write a time above 0s]");
  check("zero_pause_decimals", "script: Hi <break time=\"0.000s\"/> there\n",
        NULL,
        "1:12: error: break time '0.000s' is zero "
        "[remove it, or write a time above 0s]");
  check("negative_pause", "script: Hi <break time=\"-1s\"/> there\n", NULL,
        "1:12: error: break time '-1s' is negative "
        "[remove it, or write a time above 0s]");
  check("four_decimals", "script: Hi <break time=\"1.2345s\"/> there\n", NULL,
        "1:12: error: break time '1.2345s' has more than 3 decimals "
        "[round it to milliseconds]");
  check("invalid_time", "script: Hi <break time=\"soon\"/> there\n", NULL,
        "1:12: error: invalid break time 'soon' "
        "[write seconds, such as time=\"1.5s\"]");
  check("time_with_space", "script: Hi <break time=\"1 s\"/> there\n", NULL,
        "1:12: error: invalid break time '1 s' "
        "[write seconds, such as time=\"1.5s\"]");
  check("pause_too_long", "script: Hi <break time=\"3601s\"/> there\n", NULL,
        "1:12: error: break time '3601s' is longer than the limit of 3600s "
        "[write 3600s or less]");
  check("huge_pause", "script: Hi <break time=\"99999999999999999999s\"/> x\n",
        NULL,
        "1:12: error: break time '99999999999999999999s' is longer than the "
        "limit of 3600s [write 3600s or less]");
  check("unquoted_time", "script: Hi <break time=1s/> there\n", NULL,
        "1:12: error: value of 'time' is not quoted [write time=\"1s\"]");
  check("unknown_attribute",
        "script: Hi <break strength=\"weak\" time=\"1s\"/> there\n", NULL,
        "1:12: error: unknown attribute 'strength' in break tag "
        "[remove it; a break takes only time]");
  check("duplicate_time", "script: Hi <break time=\"1s\" time=\"2s\"/> there\n",
        NULL,
        "1:12: error: duplicate attribute 'time' in break tag "
        "[keep one time]");
  check("two_errors_one_tag", "script: Hi <break time=\"1500ms\"> there\n",
        NULL,
        "1:12: error: pauses in break tags are written in seconds "
        "[write time=\"1.5s\"]\n"
        "1:12: error: break tag '<break time=\"1500ms\">' is not self-closed "
        "[write <break time=\"1s\"/>]");
  check("control_character", "script: \"Hi\\athere\"\n", NULL,
        "1:12: error: control character U+0007 in script [remove it]");
}

static void test_error_positions(void) {
  check("position_in_literal_block",
        "hgc: 1\nscript: |\n  Line one.\n  Two <emphasis> three\n"
        "  and <break time=\"2\"/> four\n",
        NULL,
        "4:7: error: unknown tag '<emphasis>' "
        "[remove it; only <break time=\"1.5s\"/> is supported]\n"
        "5:7: error: break time '2' has no unit [write time=\"2s\"]");
  check("position_in_plain_multiline", "script: One two\n  three <x> four\n",
        NULL,
        "2:9: error: unknown tag '<x>' "
        "[remove it; only <break time=\"1.5s\"/> is supported]");
  check("position_in_list",
        "script:\n  - Hello there.\n  - 'And <break time=\"1\"/> more'\n", NULL,
        "3:10: error: break time '1' has no unit [write time=\"1s\"]");
  check("every_error_reported",
        "script: a <b/> c <break time='0s'/> d </break> e <i>\n", NULL,
        "1:11: error: unknown tag '<b>' "
        "[remove it; only <break time=\"1.5s\"/> is supported]\n"
        "1:18: error: break time '0s' is zero "
        "[remove it, or write a time above 0s]\n"
        "1:39: error: closing tag '</break>' is not allowed "
        "[remove it; breaks are self-closing: <break time=\"1s\"/>]\n"
        "1:50: error: unknown tag '<i>' "
        "[remove it; only <break time=\"1.5s\"/> is supported]");
}

static void test_script_errors(void) {
  const char *silence = " [use 'silence: 2s' for a scene without speech]";
  char want[256];
  snprintf(want, sizeof want,
           "1:9: error: script of scene 1 has no spoken text%s", silence);
  check("empty_string", "script: ''\n", NULL, want);
  check("blank_string", "script: \"  \\n \"\n", NULL, want);
  check("pauses_only", "script: <break time='1s'/> <break time='1s'/>\n", NULL,
        want);
  check("empty_list", "script: []\n", NULL, want);
  snprintf(want, sizeof want,
           "1:8: error: script of scene 1 has no spoken text%s", silence);
  check("null_script", "script:\nhgc: 1\n", NULL, want);
  snprintf(want, sizeof want,
           "2:3: error: script of scene 1 has no spoken text%s", silence);
  check("list_pauses_only", "script:\n  - pause: 1s\n  - ' '\n", NULL, want);
  check("script_bool", "script: true\n", NULL,
        "1:9: error: expected the script as text or a list, got a boolean "
        "[quote it to say it: \"true\"]");
  check("script_map", "script: {pause: 1s}\n", NULL,
        "1:9: error: expected the script as text or a list, got a map "
        "[write the text, or a list of lines and {pause: DURATION} items]");
  check("item_bool", "script:\n  - Hi\n  - false\n", NULL,
        "3:5: error: expected a line of text or {pause: DURATION}, got a "
        "boolean [quote it to say it: \"false\"]");
  check("item_null", "script:\n  - Hi\n  -\n  - there\n", NULL,
        "3:4: error: expected a line of text or {pause: DURATION}, got null "
        "[remove the empty item]");
  check("only_bad_items_one_error", "script: [true]\n", NULL,
        "1:10: error: expected a line of text or {pause: DURATION}, got a "
        "boolean [quote it to say it: \"true\"]");
  check("item_list", "script:\n  - Hi\n  - [a, b]\n", NULL,
        "3:5: error: expected a line of text or {pause: DURATION}, got a "
        "list [write a line of text, or {pause: DURATION}]");
  check("item_unknown_key", "script:\n  - Hi\n  - paus: 1s\n", NULL,
        "3:5: error: unknown key 'paus' in script item "
        "[did you mean 'pause'?]");
  check("item_extra_key", "script:\n  - Hi\n  - {pause: 1s, text: x}\n", NULL,
        "3:17: error: unknown key 'text' in script item "
        "[script items are text or {pause: DURATION}]");
  check("item_empty_map", "script:\n  - Hi\n  - {}\n", NULL,
        "3:5: error: empty map in script (expected {pause: DURATION}) "
        "[write {pause: 1s}]");
  check("item_bad_duration",
        "script:\n  - Hi\n  - pause: 1.5\n  - x\n"
        "  - pause: soon\n",
        NULL, "5:12: error: invalid duration 'soon' [write 1.5s or 1500ms]");
  check("item_zero_pause", "script:\n  - Hi\n  - pause: 0ms\n", NULL,
        "3:12: error: duration '0ms' is zero "
        "[remove it, or write a time above 0s]");
}

static void test_plan(void) {
  static char why[1024];
  // "Hi <break time="1s"/> there" counts 7 characters: at the limit, fine
  const char *yaml = "script: Hi <break time=\"1s\"/> there\n";
  Run r = compile(yaml, 7, false);
  unit_result("plan_at_limit", r.ok && !*r.diags ? NULL : r.diags);
  run_free(&r);
  r = compile(yaml, 6, false);
  const char *want = "1:9: error: script of scene 1 is too long: 7 "
                     "characters (limit is 6) "
                     "[split the scene, or use a bigger --plan]";
  snprintf(why, sizeof why, "got '%s'", r.diags);
  unit_result("plan_over_limit", !r.ok && strcmp(r.diags, want) == 0 ? NULL : why);
  run_free(&r);
  // code points, not bytes: 5 characters in 10 bytes
  r = compile("script: ééééé\n", 5, false);
  unit_result("plan_counts_code_points", r.ok ? NULL : r.diags);
  run_free(&r);
  // a script far over any plan is reported once, whatever its size
  size_t n = 3 << 20;
  char *big = malloc(n + 16);
  memcpy(big, "script: ", 8);
  for (size_t i = 8; i < n; i++)
    big[i] = i % 7 ? 'a' : ' ';
  memcpy(big + n, "\n", 2);
  r = compile(big, 1500, false);
  snprintf(why, sizeof why, "got '%.200s'", r.diags);
  unit_result("plan_huge_script",
         !r.ok && strstr(r.diags, "is too long: 3145720 characters") ? NULL
                                                                     : why);
  run_free(&r);
  free(big);
}

//
// Warnings
//
static void test_warnings(void) {
  // 31 words, then 30
  const char *w31 = "one two three four five six seven eight nine ten "
                    "one two three four five six seven eight nine ten "
                    "one two three four five six seven eight nine ten one";
  const char *w30 = "one two three four five six seven eight nine ten "
                    "one two three four five six seven eight nine ten "
                    "one two three four five six seven eight nine ten";
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "script: Short one. %s.\n", w31);
  check("long_sentence", yaml, NULL,
        "1:20: warning: sentence of 31 words (more than 30) "
        "[split it into shorter sentences]");
  snprintf(yaml, sizeof yaml, "script: %s! %s?\n", w30, w30);
  check("sentence_30_words", yaml, NULL, "");
  snprintf(yaml, sizeof yaml, "script: %s <break time='1s'/> %s\n", w30, w30);
  check("pause_ends_sentence", yaml, NULL, "");
  snprintf(yaml, sizeof yaml, "script: Version 3.5 is %s\n", w30);
  check("decimal_point_does_not_end_sentence", yaml, NULL,
        "1:9: warning: sentence of 33 words (more than 30) "
        "[split it into shorter sentences]");
  snprintf(yaml, sizeof yaml, "script: \"“Hi.” %s\"\n", w30);
  check("quote_after_period_ends_sentence", yaml, NULL, "");
  snprintf(yaml, sizeof yaml, "script:\n  - Intro.\n  - |\n    %s\n", w31);
  check("long_sentence_in_list_block", yaml, NULL,
        "4:5: warning: sentence of 31 words (more than 30) "
        "[split it into shorter sentences]");
  check("long_pause", "script: Hi <break time=\"3s\"/> there\n", NULL,
        "1:12: warning: pause of 3s (3s or more) "
        "[shorten it, or use a scene with 'silence:']");
  check("pause_below_lint", "script: Hi <break time=\"2.999s\"/> there\n",
        "Hi <break time=\"2.999s\"/> there", "");
  check("merged_long_pause",
        "script:\n  - Hi <break time='2s'/>\n  - pause: 1.5s\n  - there\n",
        "Hi <break time=\"3.5s\"/> there",
        "2:8: warning: consecutive pauses add up to 3.5s (3s or more) "
        "[shorten it, or use a scene with 'silence:']");
  check("long_pause_item", "script:\n  - Hi\n  - pause: 5s\n", NULL,
        "3:12: warning: pause of 5s (3s or more) "
        "[shorten it, or use a scene with 'silence:']");
  check("three_bangs", "script: Wow! Great! Amazing! Yes!\n", NULL,
        "1:28: warning: 4 exclamation marks in the script of scene 1 "
        "[keep one or two]");
  check("two_bangs", "script: Wow! Great!\n", "Wow! Great!", "");
  check("bangs_across_list", "script: ['Hi!', 'Yes!!']\n", NULL,
        "1:22: warning: 3 exclamation marks in the script of scene 1 "
        "[keep one or two]");
  Run r = compile("script: Hi <break time=\"4s\"/> there\n", 1500, true);
  unit_result("werror_fails",
         !r.ok && strstr(r.diags, "1:12: error: pause of 4s") ? NULL : r.diags);
  run_free(&r);
}

//
// script_duration and script_format_seconds
//
static void check_duration(const char *value, long want_ms,
                           const char *want_err) {
  static char name[128];
  static char why[512];
  snprintf(name, sizeof name, "duration %s", value);
  char yaml[256];
  snprintf(yaml, sizeof yaml, "d: %s\n", value);
  Ctx ctx;
  ctx_init(&ctx);
  Node *doc = load_source(&ctx, diag_text_file(&ctx, "t.yaml", yaml));
  long ms = -1;
  const char *hint = NULL;
  const char *err = doc ? script_duration(&ctx, node_get(doc, "d"), &ms, &hint)
                        : "did not load";
  snprintf(why, sizeof why, "got %ld, '%s' [%s]", ms, err ? err : "",
           hint ? hint : "");
  bool ok = want_err ? err && strcmp(err, want_err) == 0 && hint
                     : !err && ms == want_ms;
  unit_result(name, ok ? NULL : why);
  ctx_free(&ctx);
}

static void test_duration(void) {
  check_duration("1.5s", 1500, NULL);
  check_duration("500ms", 500, NULL);
  check_duration(".5s", 500, NULL);
  check_duration("2", 2000, NULL);
  check_duration("1.5", 1500, NULL);
  check_duration("0.001", 1, NULL);
  check_duration("1e1", 10000, NULL);
  check_duration("\"2\"", 2000, NULL);
  check_duration("'0.25'", 250, NULL);
  check_duration("1.0000s", 1000, NULL);
  check_duration("3600s", 3600000, NULL);
  check_duration("0s", 0, "duration '0s' is zero");
  check_duration("0", 0, "duration '0' is zero");
  check_duration("-1s", 0, "duration '-1s' is negative");
  check_duration("-2", 0, "duration '-2' is negative");
  check_duration(".inf", 0, "duration '.inf' is not a finite number");
  check_duration("-.Inf", 0, "duration '-.Inf' is not a finite number");
  check_duration(".nan", 0, "duration '.nan' is not a finite number");
  check_duration("1.0005s", 0,
                 "duration '1.0005s' is not a whole number of milliseconds");
  check_duration("1.5ms", 0,
                 "duration '1.5ms' is not a whole number of milliseconds");
  check_duration("1e-4", 0,
                 "duration '1e-4' is not a whole number of milliseconds");
  check_duration("3601s", 0,
                 "duration '3601s' is longer than the limit of 3600s");
  check_duration("1e400", 0,
                 "duration '1e400' is longer than the limit of 3600s");
  check_duration("soon", 0, "invalid duration 'soon'");
  check_duration("1.5 s", 0, "invalid duration '1.5 s'");
  check_duration("2m", 0, "invalid duration '2m'");
  check_duration("'1e3'", 0, "invalid duration '1e3'");
  check_duration("s", 0, "invalid duration 's'");
  check_duration("true", 0,
                 "expected a duration such as '1.5s', got a "
                 "boolean");
  check_duration("~", 0, "expected a duration such as '1.5s', got null");
  check_duration("{a: 1}", 0,
                 "expected a duration such as '1.5s', got a "
                 "map");
  check_duration("[1s]", 0,
                 "expected a duration such as '1.5s', got a "
                 "list");
}

static void test_format_seconds(void) {
  static const struct {
    long ms;
    const char *want;
  } cases[] = {
      {1500, "1.5"},     {1000, "1"},    {250, "0.25"}, {1, "0.001"},
      {0, "0"},          {10, "0.01"},   {100, "0.1"},  {123456, "123.456"},
      {3600000, "3600"}, {-1500, "-1.5"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[32];
    char name[64];
    script_format_seconds(cases[i].ms, out);
    snprintf(name, sizeof name, "format_seconds %ld", cases[i].ms);
    unit_result(name, strcmp(out, cases[i].want) == 0 ? NULL : out);
  }
}

//
// Hostile input: bounded output
//
// `head`, then `unit` repeated on lines of their own in a literal block: a
// script far over the plan, with many problems, fails with a bounded
// report (the error limit), not one line per problem. Its time is the
// hostile suite's and the benchmark's business: no test asserts a timing.
static void check_bounded(const char *name, const char *head, const char *unit,
                       size_t repeat) {
  size_t ulen = strlen(unit);
  char *yaml = malloc(32 + strlen(head) + (ulen + 3) * repeat);
  size_t n = (size_t)sprintf(yaml, "script: |\n  %s\n", head);
  for (size_t i = 0; i < repeat; i++)
    n += (size_t)sprintf(yaml + n, "  %s\n", unit);
  Run r = compile(yaml, 1500, false);
  unit_result(name, !r.ok && strlen(r.diags) < 64 * 1024
                        ? NULL
                        : unit_fail("ok %d, %zu bytes of diagnostics", r.ok,
                                    strlen(r.diags)));
  run_free(&r);
  free(yaml);
}

static void test_hostile(void) {
  check_bounded("long_unterminated_tag", "x <break", "a=b c='d'", 200000);
  check_bounded("long_bad_attr_quote", "x <break", "a=b c='d", 200000);
  check_bounded("many_bad_tags", "x", "<x> <break/> </y>", 100000);
  check_bounded("many_pauses", "x", "a <break time=\"3s\"/>", 100000);
  check_bounded("many_long_sentences", "x",
             "a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a "
             "a.",
             20000);
}

int main(void) {
  test_normalise();
  test_list();
  test_counts();
  test_tag_errors();
  test_error_positions();
  test_script_errors();
  test_plan();
  test_warnings();
  test_duration();
  test_format_seconds();
  test_hostile();
  return unit_status();
}
