"""Checks specs and artifacts against the JSON Schemas in specs/.

Run by tests/schemas.sh with Debian's /usr/bin/python3 (python3-jsonschema).
Reads lines "KIND<TAB>LABEL<TAB>FILE" on stdin, KIND being:

  spec      FILE is a spec converted to JSON: checked against
            specs/hgc-spec.schema.json
  artifact  FILE is what `hgc build -o -` prints: one or more artifacts,
            one after another. Each is checked against
            specs/artifact.schema.json, its body against the request
            schema whose "x-endpoint" matches its method and path, and its
            assets against the body (each pointer leads to the string
            "asset:sha256:<sha256>", and every such string has its asset).
  body      FILE is what `hgc build --body -o -` prints: request bodies,
            checked like an artifact's body; the fourth field is the same
            build without --body, which names the endpoint
  refuse    FILE is a spec converted to JSON that hgc refuses: the spec
            schema must refuse it too
  kinds     FILE is a folder to write specs in, the fourth field the hgc
            command: per kind, a spec holding every top-level key that
            depends on the kind; the keys the spec schema refuses must be
            those hgc refuses ("has no 'x'", "'x' does not apply")

Prints "ok LABEL" or "not ok LABEL: why" (then the other errors indented)
per file, after one line per schema file (each must be a valid 2020-12
schema). Never fails silently: a crash prints a "not ok" line.
"""
import glob
import json
import re
import subprocess
import sys
import traceback

import jsonschema

SPECS = "specs"
PLACEHOLDER = "asset:sha256:"
MAX_ERRORS = 6  # per file: enough to see a pattern, short enough to read


# The 2020-12 keywords these schemas use. Validators ignore unknown
# keywords, so a misspelt "additionalPropertes" would silently allow
# anything: every other key (but "x-..." annotations) is an error.
KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "$comment", "title", "description",
    "type", "enum", "const", "properties", "additionalProperties",
    "unevaluatedProperties", "required", "dependentRequired", "items",
    "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "default",
}
# Editors' schema engines (yaml-language-server) implement draft-07: the
# spec schema keeps to what draft-07 also means the same way.
NOT_IN_DRAFT7 = {"unevaluatedProperties", "dependentRequired"}
SCHEMA_MAPS = ("properties", "$defs")
SUBSCHEMAS = ("items", "additionalProperties", "unevaluatedProperties",
              "not", "if", "then", "else")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def unknown_keywords(schema, keywords, pointer=""):
    if not isinstance(schema, dict):
        return []
    found = ["%s/%s" % (pointer, k) for k in sorted(schema)
             if k not in keywords and not k.startswith("x-")]
    for k, v in schema.items():
        if k in SCHEMA_MAPS and isinstance(v, dict):
            for name, sub in v.items():
                found += unknown_keywords(sub, keywords,
                                          "%s/%s/%s" % (pointer, k, name))
        elif k in SUBSCHEMAS:
            found += unknown_keywords(v, keywords, "%s/%s" % (pointer, k))
        elif k in SCHEMA_LISTS and isinstance(v, list):
            for i, sub in enumerate(v):
                found += unknown_keywords(sub, keywords,
                                          "%s/%s/%d" % (pointer, k, i))
    return found


def load_schema(path, out, keywords=KEYWORDS):
    """The validator of one schema file; None (and a "not ok") if invalid."""
    try:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        out.append("not ok %s: %s" % (path, str(e).splitlines()[0]))
        return None
    unknown = unknown_keywords(schema, keywords)
    if unknown:
        out.append("not ok %s: keyword not allowed here: %s"
                   % (path, unknown[0]))
        return None
    out.append("ok %s" % path)
    return schema, jsonschema.Draft202012Validator(schema)


def endpoint_regex(endpoint):
    """'POST /v2/template/{template_id}/generate' -> (method, regex)."""
    method, path = endpoint.split(" ", 1)
    parts = re.split(r"\{[^}]+\}", path)
    return method, re.compile("^" + "[^/]+".join(map(re.escape, parts)) + "$")


def where(error, prefix):
    """The JSON pointer of a validation error's instance."""
    return prefix + "".join("/%s" % p for p in error.absolute_path) or "/"


def describe(error):
    """A short message: the instance is at its pointer already."""
    subs = error.schema.get(error.validator) if error.validator in (
        "oneOf", "anyOf") else None
    if subs and all("required" in sub for sub in subs):
        sets = " | ".join("+".join(sub["required"]) for sub in subs)
        exactly = "exactly " if error.validator == "oneOf" else ""
        return "needs %sone of %s" % (exactly, sets)
    if error.validator is None:  # the subschema false
        return "'%s' is not allowed here" % error.path[-1]
    if error.validator == "not" and list(error.validator_value) == ["required"]:
        return "'%s' is not allowed here" % "', '".join(
            error.validator_value["required"])
    msg = error.message
    shown = repr(error.instance)
    if msg.startswith(shown) and len(shown) > 40:
        msg = "the value" + msg[len(shown):]
    return msg if len(msg) <= 160 else msg[:157] + "..."


def schema_errors(validator, value, prefix):
    """Each error once, deepest first. A complaint about "unevaluated"
    properties where a deeper error exists is only its echo (the failed
    branch's properties no longer count as evaluated), so it is dropped."""
    errors = list(validator.iter_errors(value))
    paths = [list(e.absolute_path) for e in errors]
    out = []
    for e, path in sorted(zip(errors, paths), key=lambda x: -len(x[1])):
        echo = e.validator == "unevaluatedProperties" and any(
            len(p) > len(path) and p[:len(path)] == path for p in paths)
        if not echo:
            out.append("%s: %s" % (where(e, prefix), describe(e)))
    return out


def pointer_get(doc, pointer):
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, list) and token.isdigit() and int(token) < len(doc):
            doc = doc[int(token)]
        elif isinstance(doc, dict) and token in doc:
            doc = doc[token]
        else:
            return None
    return doc


def placeholders(value, pointer=""):
    """Every "asset:sha256:..." string in value, as {pointer: string}."""
    found = {}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        if isinstance(value, str) and value.startswith(PLACEHOLDER):
            found[pointer] = value
        return found
    for k, v in items:
        k = str(k).replace("~", "~0").replace("/", "~1")
        found.update(placeholders(v, pointer + "/" + k))
    return found


def asset_errors(art, prefix):
    out = []
    body = art["body"]
    left = placeholders(body)
    for i, asset in enumerate(art.get("assets", [])):
        got = pointer_get(body, asset["pointer"])
        want = PLACEHOLDER + asset["sha256"]
        if got != want:
            out.append("%s/assets/%d: body at '%s' is %s, not '%s'"
                       % (prefix, i, asset["pointer"], json.dumps(got), want))
        left.pop(asset["pointer"], None)
    for pointer in sorted(left):
        out.append("%s/body%s: '%s' has no entry in 'assets'"
                   % (prefix, pointer, left[pointer]))
    return out


def documents(text):
    """The JSON documents of a stream, one after another."""
    decoder = json.JSONDecoder()
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return
        doc, i = decoder.raw_decode(text, i)
        yield doc


class Checker:
    def __init__(self, out):
        self.spec = load_schema(SPECS + "/hgc-spec.schema.json", out,
                                KEYWORDS - NOT_IN_DRAFT7)
        self.artifact = load_schema(SPECS + "/artifact.schema.json", out)
        self.requests = []  # (method, path regex, file, validator)
        for path in sorted(glob.glob(SPECS + "/requests/*.schema.json")):
            loaded = load_schema(path, out)
            if not loaded:
                continue
            endpoint = loaded[0].get("x-endpoint")
            if not isinstance(endpoint, str) or " /" not in endpoint:
                out[-1] = "not ok %s: no \"x-endpoint\": \"METHOD /path\"" % path
                continue
            method, regex = endpoint_regex(endpoint)
            self.requests.append((method, regex, path, loaded[1]))

    def request_schema(self, method, path):
        for m, regex, _, validator in self.requests:
            if m == method and regex.match(path):
                return validator
        return None

    def check_body(self, art, body, prefix):
        """The errors of one request body, by its artifact's endpoint."""
        request = self.request_schema(art["method"], art["path"])
        if request is None:
            return ["%s/path: no request schema for %s %s"
                    % (prefix, art["method"], art["path"])]
        return schema_errors(request, body, prefix + "/body")

    def check_spec(self, file):
        if not self.spec:
            return ["the spec schema is not valid"]
        with open(file, encoding="utf-8") as f:
            return schema_errors(self.spec[1], json.load(f), "")

    def check_kinds(self, folder, hgc):
        if not self.spec:
            return ["the spec schema is not valid"]
        schema, validator = self.spec
        kinds = schema["properties"]["kind"]["anyOf"][0]["enum"]
        taken = [set(rule["then"]["properties"]) for rule in schema["allOf"]]
        keys = sorted(set(schema["properties"]) - set.intersection(*taken))
        errors = []
        for kind in kinds:
            doc = dict.fromkeys(keys, None)
            doc.update(hgc=1, kind=kind)
            refused = set()
            for e in validator.iter_errors(doc):
                if e.validator == "additionalProperties" and not e.path:
                    refused |= set(e.instance) - set(e.schema["properties"])
            path = "%s/kind-%s.yaml" % (folder, kind)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)  # JSON is YAML
            run = subprocess.run(hgc.split() + ["check", "--root", folder,
                                                path],
                                 capture_output=True, text=True, check=False)
            said = {a or b for a, b in re.findall(
                r"has no '([^']+)' \(kind|'([^']+)' does not apply to kind",
                run.stderr)}
            if refused != said:
                errors.append("kind %s: the schema refuses %s, hgc %s" % (
                    kind, sorted(refused), sorted(said)))
        return errors

    def check_artifacts(self, file):
        if not self.artifact:
            return ["the artifact schema is not valid"]
        with open(file, encoding="utf-8") as f:
            docs = list(documents(f.read()))
        if not docs:
            return ["no artifact in the file"]
        errors = []
        for n, art in enumerate(docs):
            prefix = "[%d]" % (n + 1) if len(docs) > 1 else ""
            found = schema_errors(self.artifact[1], art, prefix)
            if found:
                errors += found
                continue
            errors += self.check_body(art, art["body"], prefix)
            errors += asset_errors(art, prefix)
        return errors

    def check_bodies(self, file, built):
        with open(file, encoding="utf-8") as f:
            bodies = list(documents(f.read()))
        with open(built, encoding="utf-8") as f:
            arts = list(documents(f.read()))
        if len(bodies) != len(arts) or not bodies:
            return ["%d bodies, but %d artifacts without --body"
                    % (len(bodies), len(arts))]
        errors = []
        for n, (body, art) in enumerate(zip(bodies, arts)):
            prefix = "[%d]" % (n + 1) if len(arts) > 1 else ""
            errors += self.check_body(art, body, prefix)
        return errors


def main():
    out = []
    checker = Checker(out)
    print("\n".join(out), flush=True)
    for line in sys.stdin:
        kind, label, *files = line.rstrip("\n").split("\t")
        try:
            if kind == "spec":
                errors = checker.check_spec(*files)
            elif kind == "body":
                errors = checker.check_bodies(*files)
            elif kind == "refuse":
                errors = [] if checker.check_spec(*files) else [
                    "the spec schema allows it"]
            elif kind == "kinds":
                errors = checker.check_kinds(*files)
            else:
                errors = checker.check_artifacts(*files)
        except Exception:  # a broken file is a failure, never a crash
            errors = [traceback.format_exc().strip().splitlines()[-1]]
        if not errors:
            print("ok %s" % label)
            continue
        print("not ok %s: %s" % (label, errors[0]))
        for e in errors[1:MAX_ERRORS]:
            print("    %s" % e)
        if len(errors) > MAX_ERRORS:
            print("    (%d more)" % (len(errors) - MAX_ERRORS))


if __name__ == "__main__":
    main()
