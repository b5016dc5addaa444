# Run: cargo build --example conformance_starts && target/conformance-venv/bin/python tests/conformance/starts.py
"""Conformance: requests with a body sent by the official SDK and by the Rust client are identical.

For the 8 compute `start` operations and `share_links.create`, one fixture each in `starts/`
holds the keyword arguments of the official Python SDK's method (boltz-api 0.50.0). The script

1. checks every fixture against the operation's params schema in `spec/compute.schema.json`,
   strictly: no undeclared keys, integers are not floats, booleans are not numbers;
2. starts a recording HTTP server on 127.0.0.1 that answers every request 200 `{}`;
3. calls the SDK's method with each fixture, and checks that the SDK sent the fixture itself as the
   body (so a fixture typo cannot make both sides agree on nonsense);
4. runs the Rust example `conformance_starts` (env `CONFORMANCE_STARTS_BIN`, default
   `target/debug/examples/conformance_starts`), which builds the same 9 requests with the typed
   builders and sends them in the same order;
5. pairs the requests in order and checks equal method, path, query and JSON body.

It prints one line per family and a diff for every mismatch, and exits non-zero if any check fails.
"""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import boltz_api
import pydantic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = HERE / "starts"
SPEC = ROOT / "spec" / "compute.schema.json"
API_KEY = "sk_conformance_key"

# (fixture name, SDK resource, SDK method), in the order the Rust example sends them.
OPERATIONS = [
    ("predictions.adme", "predictions.adme", "start"),
    ("predictions.structure_and_binding", "predictions.structure_and_binding", "start"),
    ("protein.design", "protein.design", "start"),
    ("protein.library_screen", "protein.library_screen", "start"),
    ("protein.sequence_redesign", "protein.sequence_redesign", "start"),
    ("small_molecule.design", "small_molecule.design", "start"),
    ("small_molecule.explore", "small_molecule.explore", "start"),
    ("small_molecule.library_screen", "small_molecule.library_screen", "start"),
    ("share_links", "share_links", "create"),
]


# ---------------------------------------------------------------------------------------------
# The recording server


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.lock = threading.Lock()
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def take(self) -> list[dict]:
        """The requests recorded since the last call."""
        with self.lock:
            taken, self.requests = self.requests, []
        return taken


class RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def _record(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError as err:
            body = {"<unparseable body>": raw.decode("utf-8", "replace"), "<error>": str(err)}
        with self.server.lock:
            self.server.requests.append(
                {"method": self.command, "path": split.path, "query": split.query, "body": body}
            )
        payload = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


# ---------------------------------------------------------------------------------------------
# Strict JSON comparison and schema checks


def kind(value: object) -> str:
    """The JSON type, keeping integer and float apart and booleans out of the numbers."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def differences(left: object, right: object, path: str = "$") -> list[tuple[str, object, object]]:
    """Where two JSON values differ: (path, left, right); `<absent>` marks a missing key."""
    if kind(left) != kind(right):
        return [(path, left, right)]
    if isinstance(left, dict):
        found = []
        for key in sorted(set(left) | set(right)):
            sub = f"{path}.{key}"
            if key not in left:
                found.append((sub, "<absent>", right[key]))
            elif key not in right:
                found.append((sub, left[key], "<absent>"))
            else:
                found.extend(differences(left[key], right[key], sub))
        return found
    if isinstance(left, list):
        found = []
        for i in range(max(len(left), len(right))):
            sub = f"{path}[{i}]"
            if i >= len(left):
                found.append((sub, "<absent>", right[i]))
            elif i >= len(right):
                found.append((sub, left[i], "<absent>"))
            else:
                found.extend(differences(left[i], right[i], sub))
        return found
    return [] if left == right else [(path, left, right)]


def show(value: object) -> str:
    return value if value == "<absent>" else json.dumps(value, sort_keys=True)


class SchemaChecker:
    """Checks a value against the snapshot's JSON Schema subset: $ref, anyOf, type, const, enum,
    properties (closed: undeclared keys are errors), required, items, additionalProperties."""

    def __init__(self, definitions: dict) -> None:
        self.definitions = definitions

    def errors(self, value: object, schema: dict, path: str = "$") -> list[str]:
        if "$ref" in schema:
            return self.errors(value, self.definitions[schema["$ref"].rsplit("/", 1)[-1]], path)
        if "anyOf" in schema:
            branches = [self.errors(value, branch, path) for branch in schema["anyOf"]]
            if any(not errors for errors in branches):
                return []
            best = min(branches, key=len)
            return [f"{path}: matches no branch of anyOf; nearest: {'; '.join(best)}"]
        found = []
        expected = schema.get("type")
        actual = kind(value)
        types = {
            "integer": {"integer"},
            "number": {"integer", "float"},
            "string": {"string"},
            "boolean": {"boolean"},
            "array": {"array"},
            "object": {"object"},
            "null": {"null"},
        }
        if expected and actual not in types[expected]:
            return [f"{path}: expected {expected}, got {actual} {show(value)}"]
        if "const" in schema and value != schema["const"]:
            found.append(f"{path}: expected {show(schema['const'])}, got {show(value)}")
        if "enum" in schema and value not in schema["enum"]:
            found.append(f"{path}: {show(value)} is not one of {schema['enum']}")
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            for key in schema.get("required", []):
                if key not in value:
                    found.append(f"{path}: missing required {key!r}")
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if key in properties:
                    found.extend(self.errors(item, properties[key], f"{path}.{key}"))
                elif isinstance(extra, dict):
                    found.extend(self.errors(item, extra, f"{path}.{key}"))
                elif extra is not True:
                    found.append(f"{path}: undeclared key {key!r}")
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                found.extend(self.errors(item, schema["items"], f"{path}[{i}]"))
        return found


# ---------------------------------------------------------------------------------------------


def sdk_method(client: boltz_api.Boltz, resource: str, method: str):
    target = client
    for part in resource.split("."):
        target = getattr(target, part)
    return getattr(target, method)


def main() -> int:
    assert boltz_api.__version__ == "0.50.0", boltz_api.__version__
    spec = json.loads(SPEC.read_text())
    operations = {(op["resource"], op["method"]): op for op in spec["operations"]}
    checker = SchemaChecker(spec["definitions"])
    failures = 0

    def fail(message: str) -> None:
        nonlocal failures
        failures += 1
        print(f"  FAIL {message}")

    # 1. The fixtures: the 9 expected ones, each valid per its operation's params schema.
    names = sorted(p.stem for p in FIXTURES.glob("*.json"))
    assert names == sorted(name for name, _, _ in OPERATIONS), f"fixtures in {FIXTURES}: {names}"
    fixtures = {}
    for name, resource, method in OPERATIONS:
        fixture = json.loads((FIXTURES / f"{name}.json").read_text())
        op = operations[(resource, method)]
        assert op["params"] and op["params"]["location"] == "body", (name, op["params"])
        errors = checker.errors(fixture, op["params"]["schema"])
        if op["idempotency_key"]:
            expected_key = f"conformance-{name}"
            if fixture.get("idempotency_key") != expected_key:
                errors.append(f"$.idempotency_key: expected {expected_key!r}")
        elif "idempotency_key" in fixture:
            errors.append("$.idempotency_key: the operation takes none")
        if errors:
            print(f"{name}: the fixture does not match {resource}.{method}'s params schema:")
            for error in errors:
                fail(error)
        fixtures[name] = fixture
    if failures:
        return 1

    recorder = Recorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    try:
        # 2. The official SDK, one call per fixture.
        client = boltz_api.Boltz(api_key=API_KEY, base_url=recorder.url, max_retries=0)
        for name, resource, method in OPERATIONS:
            try:
                sdk_method(client, resource, method)(**fixtures[name])
            except (boltz_api.APIResponseValidationError, pydantic.ValidationError):
                pass  # only the request matters; the recorder answers {}
        sdk_requests = recorder.take()

        # 3. The Rust client, the same requests built with the typed builders.
        default = "target/debug/examples/conformance_starts"
        binary = Path(os.environ.get("CONFORMANCE_STARTS_BIN", default))
        if not binary.is_absolute() and not binary.exists():
            binary = ROOT / binary
        if not binary.exists():
            print(f"{binary} does not exist; build it with: cargo build --example conformance_starts")
            return 1
        run = subprocess.run(
            [str(binary), "--base-url", recorder.url], capture_output=True, text=True, timeout=300
        )
        rust_requests = recorder.take()
    finally:
        recorder.shutdown()
        recorder.server_close()
    if run.returncode != 0:
        print(f"{binary} exited with {run.returncode}:\n{run.stdout}{run.stderr}")
        failures += 1

    # 4. Pair in order and compare.
    for side, recorded in (("SDK", sdk_requests), ("Rust", rust_requests)):
        if len(recorded) != len(OPERATIONS):
            print(f"the {side} side sent {len(recorded)} requests, expected {len(OPERATIONS)}:")
            for request in recorded:
                print(f"  {request['method']} {request['path']}")
            failures += 1
    for i, (name, resource, method) in enumerate(OPERATIONS):
        sdk = sdk_requests[i] if i < len(sdk_requests) else None
        rust = rust_requests[i] if i < len(rust_requests) else None
        problems = []
        if sdk is None or rust is None:
            problems.append(f"no request to compare (SDK: {sdk is not None}, Rust: {rust is not None})")
        else:
            op = operations[(resource, method)]
            if (sdk["method"], sdk["path"]) != (op["http_method"], op["path"]):
                problems.append(
                    f"the SDK sent {sdk['method']} {sdk['path']},"
                    f" the spec says {op['http_method']} {op['path']}"
                )
            for at, fixture_value, sent in differences(fixtures[name], sdk["body"]):
                problems.append(
                    f"the SDK's body differs from the fixture at {at}:"
                    f" fixture {show(fixture_value)}, SDK {show(sent)}"
                )
            for field in ("method", "path", "query"):
                if sdk[field] != rust[field]:
                    problems.append(f"{field}: SDK {sdk[field]!r}, Rust {rust[field]!r}")
            for at, sdk_value, rust_value in differences(sdk["body"], rust["body"]):
                problems.append(f"body at {at}: SDK {show(sdk_value)}, Rust {show(rust_value)}")
        if problems:
            print(f"{name} ({resource}.{method}): MISMATCH")
            for problem in problems:
                fail(problem)
        else:
            size = len(json.dumps(sdk["body"], separators=(",", ":")))
            print(
                f"{name} ({resource}.{method}): ok, {sdk['method']} {sdk['path']}"
                f" query {sdk['query']!r}, identical {size}-byte body"
            )

    if failures:
        print(f"\nstart conformance: {failures} failure(s)")
        return 1
    print(f"\nstart conformance: ok ({len(OPERATIONS)} operations, SDK and Rust requests identical)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
