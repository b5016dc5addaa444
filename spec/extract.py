#!/usr/bin/env python3
"""Snapshot the compute plane of the official Python SDK (boltz-api) as JSON Schema.

Writes spec/compute.schema.json: one entry per compute-plane operation (HTTP method, path,
path parameters, where the params go, page type, Go name) plus one shared `definitions`
namespace exported with pydantic. Method, path and params location are observed by calling
every SDK method against an in-process httpx.MockTransport (no network); the result is
cross-checked against wire-contract §G (embedded below) and any mismatch aborts the run.

Usage: python spec/extract.py [--out spec/compute.schema.json]
"""

import argparse
import importlib.metadata
import inspect
import json
import sys
import typing
from collections import Counter
from pathlib import Path

import pydantic

# Field docstrings become `description`s. This must happen before the SDK's models are created:
# pydantic reads attribute docstrings when a model class is defined (TypedDicts: see
# enable_typeddict_docstrings).
pydantic.BaseModel.model_config["use_attribute_docstrings"] = True

import httpx  # noqa: E402
import boltz_api  # noqa: E402
from boltz_api._base_client import BasePage  # noqa: E402
from boltz_api._resource import SyncAPIResource  # noqa: E402
from boltz_api.pagination import SyncCursorPage  # noqa: E402
from typing_extensions import is_typeddict  # noqa: E402

SDK_PACKAGE = "boltz-api"
SDK_VERSION = "0.50.0"  # the version WIRE_CONTRACT_G was written for
COMPUTE_ROOTS = ("predictions", "protein", "small_molecule", "share_links")
REQUEST_OPTIONS = {"extra_headers", "extra_query", "extra_body", "timeout"}
DEFAULT_OUT = Path(__file__).resolve().parent / "compute.schema.json"

# wire-contract.md §G: HTTP method, path, Python operation, Go operation, page type ("-" = none).
WIRE_CONTRACT_G = """
    GET /compute/v1/predictions/adme/{id} predictions.adme.retrieve Predictions.Adme.Get -
    GET /compute/v1/predictions/adme predictions.adme.list Predictions.Adme.List CursorPage
    POST /compute/v1/predictions/adme/{id}/delete-data predictions.adme.delete_data Predictions.Adme.DeleteData -
    POST /compute/v1/predictions/adme/estimate-cost predictions.adme.estimate_cost Predictions.Adme.EstimateCost -
    POST /compute/v1/predictions/adme predictions.adme.start Predictions.Adme.Start -
    GET /compute/v1/predictions/structure-and-binding/{id} predictions.structure_and_binding.retrieve Predictions.StructureAndBinding.Get -
    GET /compute/v1/predictions/structure-and-binding predictions.structure_and_binding.list Predictions.StructureAndBinding.List CursorPage
    POST /compute/v1/predictions/structure-and-binding/{id}/delete-data predictions.structure_and_binding.delete_data Predictions.StructureAndBinding.DeleteData -
    POST /compute/v1/predictions/structure-and-binding/estimate-cost predictions.structure_and_binding.estimate_cost Predictions.StructureAndBinding.EstimateCost -
    POST /compute/v1/predictions/structure-and-binding predictions.structure_and_binding.start Predictions.StructureAndBinding.Start -
    GET /compute/v1/protein/design/{id} protein.design.retrieve Protein.Design.Get -
    GET /compute/v1/protein/design protein.design.list Protein.Design.List CursorPage
    POST /compute/v1/protein/design/{id}/delete-data protein.design.delete_data Protein.Design.DeleteData -
    POST /compute/v1/protein/design/estimate-cost protein.design.estimate_cost Protein.Design.EstimateCost -
    GET /compute/v1/protein/design/curated-specifications protein.design.list_curated_specifications Protein.Design.ListCuratedSpecifications -
    GET /compute/v1/protein/design/{id}/results protein.design.list_results Protein.Design.ListResults CursorPage
    POST /compute/v1/protein/design/{id}/resume protein.design.resume Protein.Design.Resume -
    POST /compute/v1/protein/design protein.design.start Protein.Design.Start -
    POST /compute/v1/protein/design/{id}/stop protein.design.stop Protein.Design.Stop -
    GET /compute/v1/protein/library-screen/{id} protein.library_screen.retrieve Protein.LibraryScreen.Get -
    GET /compute/v1/protein/library-screen protein.library_screen.list Protein.LibraryScreen.List CursorPage
    POST /compute/v1/protein/library-screen/{id}/delete-data protein.library_screen.delete_data Protein.LibraryScreen.DeleteData -
    POST /compute/v1/protein/library-screen/estimate-cost protein.library_screen.estimate_cost Protein.LibraryScreen.EstimateCost -
    GET /compute/v1/protein/library-screen/{id}/results protein.library_screen.list_results Protein.LibraryScreen.ListResults CursorPage
    POST /compute/v1/protein/library-screen/{id}/resume protein.library_screen.resume Protein.LibraryScreen.Resume -
    POST /compute/v1/protein/library-screen protein.library_screen.start Protein.LibraryScreen.Start -
    POST /compute/v1/protein/library-screen/{id}/stop protein.library_screen.stop Protein.LibraryScreen.Stop -
    GET /compute/v1/protein/sequence-redesign/{id} protein.sequence_redesign.retrieve Protein.SequenceRedesign.Get -
    GET /compute/v1/protein/sequence-redesign protein.sequence_redesign.list Protein.SequenceRedesign.List CursorPage
    POST /compute/v1/protein/sequence-redesign/{id}/delete-data protein.sequence_redesign.delete_data Protein.SequenceRedesign.DeleteData -
    POST /compute/v1/protein/sequence-redesign/estimate-cost protein.sequence_redesign.estimate_cost Protein.SequenceRedesign.EstimateCost -
    GET /compute/v1/protein/sequence-redesign/{id}/results protein.sequence_redesign.list_results Protein.SequenceRedesign.ListResults CursorPage
    POST /compute/v1/protein/sequence-redesign/{id}/resume protein.sequence_redesign.resume Protein.SequenceRedesign.Resume -
    POST /compute/v1/protein/sequence-redesign protein.sequence_redesign.start Protein.SequenceRedesign.Start -
    POST /compute/v1/protein/sequence-redesign/{id}/stop protein.sequence_redesign.stop Protein.SequenceRedesign.Stop -
    POST /compute/v1/share-links share_links.create ShareLinks.New -
    GET /compute/v1/share-links/{id} share_links.retrieve ShareLinks.Get -
    POST /compute/v1/share-links/{id}/archive share_links.archive ShareLinks.Archive -
    GET /compute/v1/share/{id}/pipelines/{pipeline_id}/results share_links.list_pipeline_results ShareLinks.ListPipelineResults CursorPage
    GET /compute/v1/share/{id} share_links.read ShareLinks.Read -
    GET /compute/v1/small-molecule/design/{id} small_molecule.design.retrieve SmallMolecule.Design.Get -
    GET /compute/v1/small-molecule/design small_molecule.design.list SmallMolecule.Design.List CursorPage
    POST /compute/v1/small-molecule/design/{id}/delete-data small_molecule.design.delete_data SmallMolecule.Design.DeleteData -
    POST /compute/v1/small-molecule/design/estimate-cost small_molecule.design.estimate_cost SmallMolecule.Design.EstimateCost -
    GET /compute/v1/small-molecule/design/{id}/results small_molecule.design.list_results SmallMolecule.Design.ListResults CursorPage
    POST /compute/v1/small-molecule/design/{id}/resume small_molecule.design.resume SmallMolecule.Design.Resume -
    POST /compute/v1/small-molecule/design small_molecule.design.start SmallMolecule.Design.Start -
    POST /compute/v1/small-molecule/design/{id}/stop small_molecule.design.stop SmallMolecule.Design.Stop -
    GET /compute/v1/small-molecule/explore/{id} small_molecule.explore.retrieve SmallMolecule.Explore.Get -
    GET /compute/v1/small-molecule/explore/{id}/results small_molecule.explore.list_results SmallMolecule.Explore.ListResults CursorPage
    POST /compute/v1/small-molecule/explore/{id}/resume small_molecule.explore.resume SmallMolecule.Explore.Resume -
    POST /compute/v1/small-molecule/explore small_molecule.explore.start SmallMolecule.Explore.Start -
    POST /compute/v1/small-molecule/explore/{id}/stop small_molecule.explore.stop SmallMolecule.Explore.Stop -
    GET /compute/v1/small-molecule/library-screen/{id} small_molecule.library_screen.retrieve SmallMolecule.LibraryScreen.Get -
    GET /compute/v1/small-molecule/library-screen small_molecule.library_screen.list SmallMolecule.LibraryScreen.List CursorPage
    POST /compute/v1/small-molecule/library-screen/{id}/delete-data small_molecule.library_screen.delete_data SmallMolecule.LibraryScreen.DeleteData -
    POST /compute/v1/small-molecule/library-screen/estimate-cost small_molecule.library_screen.estimate_cost SmallMolecule.LibraryScreen.EstimateCost -
    GET /compute/v1/small-molecule/library-screen/{id}/results small_molecule.library_screen.list_results SmallMolecule.LibraryScreen.ListResults CursorPage
    POST /compute/v1/small-molecule/library-screen/{id}/resume small_molecule.library_screen.resume SmallMolecule.LibraryScreen.Resume -
    POST /compute/v1/small-molecule/library-screen small_molecule.library_screen.start SmallMolecule.LibraryScreen.Start -
    POST /compute/v1/small-molecule/library-screen/{id}/stop small_molecule.library_screen.stop SmallMolecule.LibraryScreen.Stop -
"""


def expected_operations():
    """Parse WIRE_CONTRACT_G into {python operation: (http method, path, go name, page or None)}."""
    expected = {}
    for line in WIRE_CONTRACT_G.strip().splitlines():
        method, path, py_op, go_op, page = line.split()
        expected[py_op] = (method, path, go_op, None if page == "-" else page)
    return expected


def check_sdk_version():
    """Print the installed SDK version and return it; warn when it is not SDK_VERSION."""
    version = boltz_api.__version__
    dist_version = importlib.metadata.version(SDK_PACKAGE)
    print(f"{SDK_PACKAGE} {version} (package metadata: {dist_version}), pydantic {pydantic.VERSION}")
    if version != SDK_VERSION or dist_version != version:
        print(f"warning: this script was written for {SDK_PACKAGE}=={SDK_VERSION}", file=sys.stderr)
    return version


def walk_resources(resource, dotted):
    """Yield (dotted path, resource) for `resource` and all its sub-resources, sorted by name."""
    yield dotted, resource
    for name in sorted(vars(type(resource))):
        if not name.startswith(("_", "with_")):
            child = getattr(resource, name)
            if isinstance(child, SyncAPIResource):
                yield from walk_resources(child, f"{dotted}.{name}")


def operation_methods(resource):
    """Return the sorted (name, function) API methods a resource class defines itself.

    Helpers the SDK installs from other modules (the experiments `run()`) are skipped.
    """
    cls = type(resource)
    return [
        (name, fn)
        for name, fn in sorted(vars(cls).items())
        if inspect.isfunction(fn) and fn.__module__ == cls.__module__ and not name.startswith("_")
    ]


def record_params_types(resource, calls):
    """Wrap the `maybe_transform` of a resource's module so each call appends its params type to `calls`."""
    module = sys.modules[type(resource).__module__]
    original = module.maybe_transform

    def recording_maybe_transform(data, expected_type):
        calls.append(expected_type)
        return original(data, expected_type)

    module.maybe_transform = recording_maybe_transform


def observe(resource, name, fn, requests, params_calls):
    """Call one SDK method with a placeholder for every argument; return what went on the wire.

    Each argument `x` gets the string "x_1" (the SDK does not validate request values), so every
    params key shows up in the query or the JSON body and path parameters can be recognised
    as whole path segments.
    """
    args = {p: f"{p}_1" for p in inspect.signature(fn).parameters if p not in REQUEST_OPTIONS | {"self"}}
    requests.clear()
    params_calls.clear()
    result = getattr(resource, name)(**args)
    if len(requests) != 1 or len(params_calls) > 1:
        raise SystemExit(f"{name}: expected one request, saw {len(requests)} ({len(params_calls)} params types)")
    request = requests[0]
    by_value = {value: arg for arg, value in args.items()}
    segments = request.url.path.split("/")
    path_params = [by_value[s] for s in segments if s in by_value]
    path = "/".join("{%s}" % by_value[s] if s in by_value else s for s in segments)
    body_keys = sorted(json.loads(request.content)) if request.content else []
    return {
        "http_method": request.method,
        "path": path,
        "path_params": path_params,
        "query_keys": sorted(request.url.params.keys()),
        "body_keys": body_keys,
        "params_type": params_calls[0] if params_calls else None,
        "result": result,
    }


def params_keys(params_type):
    """Return the sorted keys of a params TypedDict, or of all members of a Union of TypedDicts."""
    members = typing.get_args(params_type) or (params_type,)
    return sorted({key for td in members for key in td.__required_keys__ | td.__optional_keys__})


def response_type(fn):
    """Return (item or response type, page name or None) from a method's return annotation."""
    returned = typing.get_type_hints(fn)["return"]
    if isinstance(returned, type) and issubclass(returned, SyncCursorPage):
        return returned.__pydantic_generic_metadata__["args"][0], "CursorPage"
    return returned, None


def find_methods(client, params_calls):
    """Return sorted (resource path, resource, method name, function) for the compute plane.

    Also makes every resource module with methods record its params types into `params_calls`.
    """
    found = []
    for root in COMPUTE_ROOTS:
        for dotted, resource in walk_resources(getattr(client, root), root):
            methods = operation_methods(resource)
            if methods:
                record_params_types(resource, params_calls)
            found += [(dotted, resource, name, fn) for name, fn in methods]
    return sorted(found, key=lambda f: (f[0], f[2]))


def build_operation(op_id, seen, page, want, errors):
    """Turn one observation into an operation entry; append every inconsistency to `errors`.

    `want` is the WIRE_CONTRACT_G row (or None). `params` keeps a temporary `drop` list of path
    parameters that the params type declares; export_schemas removes them from the schema.
    """
    resource, method = op_id.rsplit(".", 1)
    got = (seen["http_method"], seen["path"], want[2] if want else None, page)
    if want != got:
        errors.append(f"{op_id}: SDK {got} != wire-contract §G {want}")
    if (page is not None) != isinstance(seen["result"], BasePage):
        errors.append(f"{op_id}: return annotation and returned object disagree about paging")
    if seen["query_keys"] and seen["body_keys"]:
        errors.append(f"{op_id}: sent both a query and a body")
    op = {
        "resource": resource, "method": method, "go": got[2],
        "http_method": seen["http_method"], "path": seen["path"], "path_params": seen["path_params"],
        "params": None, "response": {"page": page}, "idempotency_key": False, "notes": [],
    }
    wire_keys = seen["query_keys"] or seen["body_keys"]
    if seen["params_type"] is None:
        if wire_keys:
            errors.append(f"{op_id}: sent {wire_keys} without a params type")
        return op
    keys = params_keys(seen["params_type"])
    dropped = [k for k in keys if k in seen["path_params"]]
    if wire_keys != [k for k in keys if k not in dropped]:
        errors.append(f"{op_id}: sent {wire_keys}, params type declares {keys}")
    op["params"] = {"location": "query" if seen["query_keys"] else "body", "drop": dropped}
    op["idempotency_key"] = "idempotency_key" in keys
    op["notes"] = [f"`{k}` is declared in the params type but is only a path parameter; "
                   "it is dropped from the params schema" for k in dropped]
    return op


def collect_operations(client, requests):
    """Drive every compute-plane method against the mock client and build the operation list.

    Returns (operations, types) where `types` maps (kind, index) to a params or response type.
    Exits non-zero on any disagreement with WIRE_CONTRACT_G or between the wire and the types.
    """
    expected = expected_operations()
    operations, types, errors, params_calls = [], {}, [], []
    for dotted, resource, name, fn in find_methods(client, params_calls):
        seen = observe(resource, name, fn, requests, params_calls)
        item_type, page = response_type(fn)
        op_id = f"{dotted}.{name}"
        op = build_operation(op_id, seen, page, expected.pop(op_id, None), errors)
        types[("response", len(operations))] = item_type
        if op["params"] is not None:
            types[("params", len(operations))] = seen["params_type"]
        operations.append(op)
    errors += [f"{op_id}: in wire-contract §G but not found in the SDK" for op_id in sorted(expected)]
    if errors:
        raise SystemExit("mismatch:\n  " + "\n  ".join(errors))
    return operations, types


def enable_typeddict_docstrings(params_types):
    """Let pydantic read field docstrings of every TypedDict in the params types' modules."""
    config = pydantic.ConfigDict(use_attribute_docstrings=True)
    for params_type in params_types:
        for member in typing.get_args(params_type) or (params_type,):
            for value in vars(sys.modules[member.__module__]).values():
                if is_typeddict(value):
                    value.__pydantic_config__ = config


def export_schemas(operations, types):
    """Export all params/response types into one namespace and attach the schemas to `operations`.

    Returns the definitions. Path parameters declared in a params TypedDict are removed from its
    definition (which must then be referenced by that operation only).
    """
    enable_typeddict_docstrings(t for (kind, _), t in types.items() if kind == "params")
    inputs = [(key, "validation", pydantic.TypeAdapter(t)) for key, t in sorted(types.items())]
    schemas, top = pydantic.TypeAdapter.json_schemas(inputs, by_alias=True, ref_template="#/definitions/{model}")
    definitions = top.get("$defs", {})
    for ((kind, index), _mode), schema in schemas.items():
        op = operations[index]
        if kind == "response":
            op["response"]["schema"] = schema
            continue
        op["params"]["schema"] = schema
    for op in operations:
        drop_path_params(op, operations, definitions)
    check_refs(operations, definitions)
    return definitions


def drop_path_params(op, operations, definitions):
    """Remove the path parameters listed in op["params"]["drop"] from its params definition."""
    drop = op["params"].pop("drop") if op["params"] else []
    if not drop:
        return
    name = ref_name(op["params"]["schema"].get("$ref", ""))
    users = sum(name in iter_refs(node) for node in operations + list(definitions.values()))
    if name not in definitions or users != 1:
        raise SystemExit(f"{op['resource']}.{op['method']}: cannot drop {drop} from a shared or inline schema")
    definition = definitions[name]
    for key in drop:
        del definition["properties"][key]
    definition["required"] = [k for k in definition.get("required", []) if k not in drop]
    if not definition["required"]:
        del definition["required"]


def ref_name(ref):
    """Return the definition name a "#/definitions/<name>" reference points to."""
    return ref.rsplit("/", 1)[-1]


def iter_refs(node):
    """Yield the definition names of every $ref inside a JSON value."""
    if isinstance(node, dict):
        if "$ref" in node:
            yield ref_name(node["$ref"])
        for value in node.values():
            yield from iter_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_refs(value)


def check_refs(operations, definitions):
    """Fail unless every $ref resolves and every definition is reachable from some operation."""
    reachable, todo = set(), list(iter_refs(operations))
    while todo:
        name = todo.pop()
        if name not in definitions:
            raise SystemExit(f"unresolved $ref: {name}")
        if name not in reachable:
            reachable.add(name)
            todo.extend(iter_refs(definitions[name]))
    if set(definitions) - reachable:
        raise SystemExit(f"unreferenced definitions: {sorted(set(definitions) - reachable)}")


def mock_client():
    """Return (client, requests): a Boltz client whose transport only appends to `requests`.

    Every request is answered with {"data": []}, which is a valid empty CursorPage and parses
    (unvalidated) into any other response model.
    """
    requests = []

    def handler(request):
        requests.append(request)
        return httpx.Response(200, json={"data": []})

    http_client = httpx.Client(transport=httpx.MockTransport(handler))
    client = boltz_api.Boltz(api_key="sk_test", base_url="http://127.0.0.1:9", http_client=http_client, max_retries=0)
    return client, requests


def summarize(operations, definitions, size):
    """Print the counts a reviewer checks against compute-plane.md §1.2."""
    by_resource = Counter(op["resource"] for op in operations)
    by_location = Counter(op["params"]["location"] if op["params"] else "none" for op in operations)
    print(f"{len(operations)} operations: " + ", ".join(f"{r} {n}" for r, n in sorted(by_resource.items())))
    print("params: " + ", ".join(f"{loc} {n}" for loc, n in sorted(by_location.items())))
    print(f"paginated: {sum(op['response']['page'] is not None for op in operations)}")
    print(f"idempotency_key: {sum(op['idempotency_key'] for op in operations)}")
    print(f"{len(definitions)} definitions, {size} bytes")


def main():
    """Parse arguments, build the snapshot and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output file (default: %(default)s)")
    out = parser.parse_args().out
    version = check_sdk_version()
    operations, types = collect_operations(*mock_client())
    definitions = export_schemas(operations, types)
    snapshot = {
        "sdk": {"package": SDK_PACKAGE, "version": version},
        "exporter": {"pydantic": pydantic.VERSION},
        "operations": operations,
        "definitions": definitions,
    }
    text = json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    out.write_text(text, encoding="utf-8")
    summarize(operations, definitions, len(text.encode("utf-8")))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
