#!/usr/bin/env python3
"""The peer of the gate benchmark: Python openapi-core validates the same recorded requests and
responses against the same spec, and the findings are compared with the gate's and with the
synth manifest's.

    python3 conformance/bench/peer_openapi_core.py --spec openapi/anode.yaml \\
        --cassettes DIR/cassettes [--manifest DIR/manifest.json] \\
        [--gate-report report.json] [--out peer.json]

Cassettes are read as the gate reads them (VCR JSON or YAML, HAR 1.2; hidden files skipped).
Each recorded request (method, URL with its query, headers, body) goes to
`OpenAPI.iter_request_errors(MockRequest)` (path, query and header parameters, security, the
JSON body), and its response to `OpenAPI.iter_response_errors(MockRequest, MockResponse)`;
`iter_` reports every error where `validate_` raises the first. Each error is mapped to the
gate's kind and place:

    PathNotFound, OperationNotFound, ServerNotFound -> route
    ResponseNotFound                                -> status
    MediaTypeNotFound                               -> content-type
    a body that does not deserialize, MissingData   -> json
    JSON Schema `enum`                              -> unknown-enum-value
    any other JSON Schema error                     -> schema (`required`: pointer of the field)
    header errors                                   -> header (the gate does not check headers)
    a request parameter's error                     -> request, at `query:NAME` or `path:NAME`
    a request body's error                          -> request, at the JSON pointer (`required`:
                                                       of the field), "" when it is no JSON
    security errors                                 -> security (the gate does not check them)

A response the spec documents as maybe bodyless (`x-optional-body: true`, an extension
openapi-core does not read) and that came without a body is a `json` error to openapi-core
(`MissingData`); the gate accepts it, as the spec says. Those are counted apart, as
`json (x-optional-body)`, and not compared.

Only those kinds are compared; the gate's other kinds (client, disagreement, replay,
undeclared-field) have no counterpart in a schema validator. Prints a summary; `--out` writes
it as JSON for xtask/bench.sh. Requirements: conformance/bench/requirements.txt.
"""

import argparse
import base64
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import parse_qsl, urlsplit

import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

COMPARED = {"route", "status", "content-type", "json", "schema", "unknown-enum-value", "request"}
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REQUIRED = re.compile(r"^'(.*)' is a required property$")


def escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(path):
    return "".join("/" + escape(p) for p in path)


def header(pairs, name):
    for n, v in pairs:
        if n.lower() == name:
            return v
    return None


def read_cassettes(root):
    """Every interaction under `root`: (file relative to root, index, method, url, request
    headers, request body bytes, status, response headers, response body bytes), in path
    order."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(f for f in filenames if not f.startswith(".")):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            is_json = name.lower().endswith((".json", ".har")) or text.lstrip().startswith("{")
            # A file that is not a cassette, or a malformed one, is skipped: the gate reports
            # it as a `cassette` finding, which has no counterpart here.
            try:
                doc = json.loads(text) if is_json else yaml.load(text, Loader=LOADER)
                if isinstance(doc, dict) and "log" in doc:
                    found.extend(list(read_har(rel, doc)))
                elif isinstance(doc, dict) and "http_interactions" in doc:
                    found.extend(list(read_vcr(rel, doc)))
            except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError):
                continue
    return found


def read_vcr(rel, doc):
    def pairs(headers):
        return [(n, v) for n, vs in (headers or {}).items() for v in vs]

    for i, it in enumerate(doc["http_interactions"]):
        req, resp = it["request"], it["response"]
        request_body = ((req.get("body") or {}).get("string") or "").encode()
        body = ((resp.get("body") or {}).get("string") or "").encode()
        yield (rel, i, req["method"].upper(), req["uri"], pairs(req.get("headers")), request_body,
               int(resp["status"]["code"]), pairs(resp.get("headers")), body)


def read_har(rel, doc):
    for i, entry in enumerate(doc["log"]["entries"]):
        req, resp = entry["request"], entry["response"]
        request_headers = [(h["name"], h["value"]) for h in req.get("headers", [])]
        request_body = ((req.get("postData") or {}).get("text") or "").encode()
        headers = [(h["name"], h["value"]) for h in resp.get("headers", [])]
        content = resp.get("content", {})
        text = content.get("text") or ""
        if (content.get("encoding") or "").lower() == "base64":
            body = base64.b64decode(text)
        else:
            body = text.encode()
        yield (rel, i, req["method"].upper(), req["url"], request_headers, request_body,
               int(resp["status"]), headers, body)


def schema_places(schema_errors, enum_kind):
    """JSON Schema errors as (kind, pointer) pairs: `enum` errors as `enum_kind`, the others
    as `schema`; a `required` error at the missing field."""
    out = []
    for se in schema_errors:
        at = list(se.absolute_path)
        if se.validator == "required":
            m = REQUIRED.match(se.message)
            missing = [m.group(1)] if m else [
                p for p in se.validator_value if p not in (se.instance or {})
            ]
            out.extend(("schema", pointer(at + [p])) for p in missing)
        elif se.validator == "enum":
            out.append((enum_kind, pointer(at)))
        else:
            out.append(("schema", pointer(at)))
    return out


def classify_request(error):
    """One openapi-core request error as (kind, place) pairs, or None when it is not one of
    the request's own errors (a route error, which `classify` reads)."""
    name = type(error).__name__
    if hasattr(error, "location") and hasattr(error, "name"):
        # A parameter: missing, or a value that does not cast, deserialize or validate.
        return [("request", f"{error.location}:{error.name}")]
    if name in ("MissingRequiredRequestBody", "MissingRequestBody"):
        return [("request", "")]
    if name == "InvalidRequestBody" or "RequestBody" in name:
        schema_errors = getattr(error.__cause__, "schema_errors", None)
        if schema_errors:
            return [("request", at) for _, at in schema_places(schema_errors, "request")]
        return [("request", "")]
    if "Security" in name:
        return [("security", "")]
    return None


def classify(error):
    """One openapi-core error as (kind, pointer) pairs."""
    name = type(error).__name__
    cause = error.__cause__
    cause_name = type(cause).__name__ if cause is not None else ""
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        return schema_places(schema_errors, "unknown-enum-value")
    if name in ("PathNotFound", "OperationNotFound", "ServerNotFound"):
        return [("route", "")]
    if name == "ResponseNotFound":
        return [("status", "")]
    if cause_name == "MediaTypeNotFound":
        return [("content-type", "")]
    if name == "MissingData" or "Deserial" in cause_name or "Deserial" in name:
        return [("json", "")]
    if "Header" in name:
        return [("header", getattr(error, "name", ""))]
    return [("other:" + name + (":" + cause_name if cause_name else ""), "")]


def optional_bodies(spec):
    """(method, path pattern, status) of every response documented with `x-optional-body`."""
    out = []
    responses = spec.get("components", {}).get("responses", {})
    for template, item in spec.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(template)) + "$")
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for status, response in op["responses"].items():
                ref = response.get("$ref", "")
                if ref.startswith("#/components/responses/"):
                    response = responses.get(ref.rsplit("/", 1)[1], {})
                if response.get("x-optional-body") is True:
                    out.append((method.upper(), pattern, str(status)))
    return out


def documented_bodyless(optional, method, path, status, body):
    """Whether a response without a body is one the spec documents as maybe bodyless."""
    return not body and any(
        m == method and p.match(path) and s == str(status) for m, p, s in optional
    )


def is_signed_post(method, headers):
    """A POST carrying Flatpeak's signature headers, as the gate tells a webhook delivery."""
    names = {name.lower() for name, _ in headers}
    return method.lower() == "post" and {"flatpeak-signature", "flatpeak-timestamp"} <= names


def essence(content_type):
    return (content_type or "").split(";")[0].strip().lower()


def validate(api, interactions, optional=()):
    """The peer's findings by (file, index), and how long validating took (wall and CPU).
    `optional` is what `optional_bodies` returns: a `json` error on such a bodyless response
    is renamed `json (x-optional-body)`."""
    findings = {}
    wall, cpu = time.perf_counter(), time.process_time()
    for rel, index, method, url, request_headers, request_body, status, headers, body in interactions:
        parts = urlsplit(url)
        request = MockRequest(
            f"{parts.scheme}://{parts.netloc}",
            method.lower(),
            parts.path,
            args=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=dict(request_headers),
            data=request_body or None,
            content_type=essence(header(request_headers, "content-type")) or "application/json",
        )
        response = MockResponse(
            body,
            status_code=status,
            headers=dict(headers),
            content_type=essence(header(headers, "content-type")),
        )
        found = set()
        for error in api.iter_request_errors(request):
            places = classify_request(error)
            found.update(places if places is not None else classify(error))
        for error in api.iter_response_errors(request, response):
            found.update(classify(error))
        if ("json", "") in found and documented_bodyless(optional, method, parts.path, status, body):
            found.discard(("json", ""))
            found.add(("json (x-optional-body)", ""))
        if ("route", "") in found and is_signed_post(method, request_headers):
            # A webhook delivery (Flatpeak's POST to the receiver): no operation of the spec,
            # and the gate checks it as an event instead. Counted apart, as the gate reads it.
            found.discard(("route", ""))
            found.add(("route (webhook delivery)", ""))
        findings[(rel, index)] = found
    return findings, time.perf_counter() - wall, time.process_time() - cpu


def gate_findings(report_path, cassettes):
    """The gate's findings by (file relative to the cassettes, index): (kind, pointer,
    severity)."""
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    root = os.path.normpath(cassettes)
    out = defaultdict(list)
    for finding in report["findings"]:
        if finding.get("interaction") is None:
            continue
        key = (os.path.relpath(os.path.normpath(finding["file"]), root), finding["interaction"])
        out[key].append((finding["kind"], finding["pointer"], finding["severity"]))
    return out


def manifest_findings(manifest):
    """The manifest's expected findings, the same way."""
    return {
        (e["file"], e["interaction"]): [(x["kind"], x["pointer"], x["severity"]) for x in e["expect"]]
        for e in manifest["interactions"]
    }


def compare(keys, peer, other):
    """How the peer's findings agree with `other`'s (the gate's or the manifest's), over `keys`.

    Per interaction: flagged (a compared finding for the peer; an error for the other) or not.
    Per finding of a compared kind: the same kind at the same pointer (`both`); the peer's at a
    pointer where the other has an error of another kind (`peer_other_kind`: found by both,
    classified differently); the peer's alone (`peer_only`: missed by the other); the other's
    alone (`other_only`)."""
    per_interaction = Counter()
    per_finding = Counter()
    lists = defaultdict(list)
    for key in keys:
        mine = {f for f in peer.get(key, ()) if f[0] in COMPARED}
        theirs_all = other.get(key, [])
        theirs = {(k, p) for k, p, _ in theirs_all if k in COMPARED}
        error_pointers = {p: k for k, p, s in theirs_all if s == "error"}
        flagged = (bool(mine), any(s == "error" for _, _, s in theirs_all))
        per_interaction[{(True, True): "both", (True, False): "peer_only",
                         (False, True): "other_only", (False, False): "neither"}[flagged]] += 1
        for kind, at in sorted(mine):
            where = f"{key[0]}#{key[1]} {kind} {at!r}"
            if (kind, at) in theirs:
                per_finding["both"] += 1
            elif at in error_pointers:
                per_finding["peer_other_kind"] += 1
                lists["peer_other_kind"].append(f"{where} (other: {error_pointers[at]})")
            else:
                per_finding["peer_only"] += 1
                lists["peer_only"].append(where)
        for kind, at in sorted(theirs - mine):
            per_finding["other_only"] += 1
            lists["other_only"].append(f"{key[0]}#{key[1]} {kind} {at!r}")
    return {
        "interactions": dict(per_interaction),
        "findings": dict(per_finding),
        "peer_only": lists["peer_only"][:20],
        "peer_other_kind": lists["peer_other_kind"][:20],
        "other_only_kinds": dict(Counter(s.split(" ")[1] for s in lists["other_only"])),
        "other_only_examples": lists["other_only"][:5],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True)
    parser.add_argument("--cassettes", required=True)
    parser.add_argument("--manifest")
    parser.add_argument("--gate-report")
    parser.add_argument("--out")
    args = parser.parse_args()

    started = time.perf_counter()
    with open(args.spec, encoding="utf-8") as f:
        spec = yaml.load(f, Loader=LOADER) if not args.spec.endswith(".json") else json.load(f)
    api = OpenAPI.from_dict(spec)
    spec_s = time.perf_counter() - started

    at = time.perf_counter()
    interactions = read_cassettes(args.cassettes)
    read_s = time.perf_counter() - at
    if not interactions:
        sys.exit("no interactions found under " + args.cassettes)

    peer, validate_s, validate_cpu_s = validate(api, interactions, optional_bodies(spec))
    total_s = time.perf_counter() - started
    n = len(interactions)
    keys = [(rel, index) for rel, index, *_ in interactions]
    result = {
        "peer": "openapi-core " + __import__("importlib.metadata").metadata.version("openapi-core"),
        "interactions": n,
        "spec_s": spec_s,
        "read_s": read_s,
        "validate_s": validate_s,
        "validate_cpu_s": validate_cpu_s,
        "total_s": total_s,
        "validate_ms_per_interaction": 1000 * validate_s / n,
        "total_ms_per_interaction": 1000 * total_s / n,
        "flagged": sum(1 for k in keys if any(f[0] in COMPARED for f in peer[k])),
        "kinds": dict(Counter(f[0] for k in keys for f in peer[k])),
    }
    gate = gate_findings(args.gate_report, args.cassettes) if args.gate_report else None
    manifest = None
    if args.manifest:
        with open(args.manifest, encoding="utf-8") as f:
            manifest = manifest_findings(json.load(f))
    if gate is not None:
        result["peer_vs_gate"] = compare(keys, peer, gate)
    if manifest is not None:
        result["peer_vs_manifest"] = compare(keys, peer, manifest)
    if gate is not None and manifest is not None:
        differ = [
            f"{k[0]}#{k[1]}: expected {sorted(manifest.get(k, []))}, gate {sorted(gate.get(k, []))}"
            for k in keys
            if sorted(gate.get(k, [])) != sorted(manifest.get(k, []))
        ]
        result["gate_vs_manifest"] = {"agree": n - len(differ), "differ": len(differ),
                                      "examples": differ[:10]}

    print(f"openapi-core: {n} interactions, validate {validate_s:.3f} s "
          f"({result['validate_ms_per_interaction']:.3f} ms each), total {total_s:.3f} s, "
          f"{result['flagged']} flagged")
    for name in ("peer_vs_gate", "peer_vs_manifest"):
        if name in result:
            c = result[name]
            print(f"  {name}: interactions {c['interactions']}; findings {c['findings']}")
            for line in c["peer_only"]:
                print("    openapi-core only: " + line)
            for line in c["peer_other_kind"]:
                print("    both, other kind: " + line)
    if "gate_vs_manifest" in result:
        g = result["gate_vs_manifest"]
        print(f"  gate_vs_manifest: {g['agree']} interactions agree exactly, {g['differ']} differ")
        for line in g["examples"]:
            print("    " + line)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
