# Run: cargo build -p boltz-api-emulator --bin boltz-emulator && cargo build --example conformance_runs \
#      && target/conformance-venv/bin/python tests/conformance/run_dirs.py
"""Run directories finished by the other client, both ways, against the `boltz-emulator` binary.

The official Python SDK (boltz-api 0.50.0, `client.experiments`) and the Rust example
`conformance_runs` (env `CONFORMANCE_RUNS_BIN`, default `target/debug/examples/conformance_runs`)
run the same two requests: a structure-and-binding prediction and a 3-molecule small-molecule
library screen. Jobs take 3 s on the emulator, results come one a second.

Rust to SDK: Rust starts each run and stops waiting part-way; the SDK's `start_*` with the same
name must reuse the run (same fingerprint: no second job), and its `wait_and_download` must finish
the directory: every file, each result once.

The 45-molecule screen is left by Rust part-way through its results, with a page in progress that
the SDK must resume with its own 20-result listing.

SDK to Rust: the SDK starts each run (the screen's second result archive fails once, so the SDK
stops mid-page); Rust's `run` with the same request and name must reuse the run and finish it;
then the SDK's `wait_and_download` must find nothing left to do: no download, no new index line.

Exits non-zero at the first failed check.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import boltz_api
from boltz_api.experiments import LigandProteinBinding, LigandSmiles, Protein

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RUST = os.environ.get("CONFORMANCE_RUNS_BIN", str(ROOT / "target/debug/examples/conformance_runs"))
EMULATOR = os.environ.get("EMULATOR", str(ROOT / "target/debug/boltz-emulator"))
SEQUENCE = "MKTAYIAKQRQISFVKSHFSRQ"
PREDICTION = dict(
    entities=[Protein(value=SEQUENCE, chain_ids=["A"]), LigandSmiles(value="CCO", chain_ids=["B"])],
    model="boltz-2.1",
    binding=LigandProteinBinding(binder_chain_id="B"),
)
SCREEN = dict(
    molecules=[{"smiles": "CCO", "id": "mol-1"}, {"smiles": "c1ccccc1", "id": "mol-2"}, {"smiles": "CC(=O)O", "id": "mol-3"}],
    target={"entities": [{"type": "protein", "value": SEQUENCE, "chain_ids": ["A"]}]},
)
# More than two of the SDK's 20-result pages; Rust collects them with several workers.
BIG_SCREEN = dict(
    molecules=[{"smiles": "C" * (i % 9 + 1), "id": f"mol-{i}"} for i in range(1, 46)],
    target=SCREEN["target"],
)


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")


class Emulator:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [EMULATOR, "--job-ms", "3000", "--pending-ms", "100"], stdout=subprocess.PIPE, text=True
        )
        env = {}
        while len(env) < 2:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("the emulator did not start")
            key, _, value = line.strip().partition("=")
            if key in ("BOLTZ_BASE_URL", "BOLTZ_API_KEY"):
                env[key] = value
        self.url, self.key = env["BOLTZ_BASE_URL"], env["BOLTZ_API_KEY"]

    def control(self, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/__emulator/{path}", data=data, method="GET" if data is None else "POST")
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def jobs(self) -> int:
        return len(self.control("jobs"))

    def downloads(self) -> int:
        return len(self.control("files/requests"))

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def rust(emulator: Emulator, action: str, kind: str, run_dir: Path) -> str:
    env = dict(os.environ, BOLTZ_BASE_URL=emulator.url, BOLTZ_API_KEY=emulator.key)
    done = subprocess.run([RUST, action, kind, str(run_dir)], env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        raise SystemExit(f"conformance_runs {action} {kind} failed")
    return done.stdout.strip()


def index_ids(run_dir: Path) -> list[str]:
    index = run_dir / "results" / "index.jsonl"
    if not index.exists():
        return []
    return [json.loads(line)["id"] for line in index.read_text().splitlines() if line.strip()]


def state(run_dir: Path) -> dict:
    return json.loads((run_dir / ".boltz-run.json").read_text())


def finished_prediction(run_dir: Path) -> bool:
    run_id = state(run_dir)["remote"]["run_id"]
    files = run_dir / "outputs" / "files"
    return (run_dir / "outputs" / "archive.tar.gz").is_file() and any(files.rglob(f"{run_id}_predicted.cif"))


def finished_screen(run_dir: Path, count: int = 3) -> bool:
    ids = index_ids(run_dir)
    return (
        len(ids) == count
        and len(set(ids)) == count
        and all((run_dir / "results" / i / "metadata.json").is_file() for i in ids)
        and all(any((run_dir / "results" / i / "files").rglob(f"{i}_predicted.cif")) for i in ids)
        and state(run_dir)["pending"] is None
    )


def main() -> None:
    emulator = Emulator()
    work = Path(tempfile.mkdtemp(prefix="boltz-run-dirs-"))
    try:
        client = boltz_api.Boltz(api_key=emulator.key, base_url=emulator.url)
        exp = client.experiments

        # Rust starts, the SDK finishes.
        for kind, start, finished in [
            ("prediction", lambda name: exp.start_structure_and_binding(**PREDICTION, root_dir=work, name=name, quiet=True), finished_prediction),
            ("screen", lambda name: exp.start_small_molecule_library_screen(**SCREEN, root_dir=work, name=name, quiet=True), finished_screen),
            ("big-screen", lambda name: exp.start_small_molecule_library_screen(**BIG_SCREEN, root_dir=work, name=name, quiet=True), lambda d: finished_screen(d, 45)),
        ]:
            name = f"rust-{kind}"
            check(rust(emulator, "start", kind, work / name) == "left running", f"Rust leaves the {kind} running")
            if kind == "big-screen":
                done = len(index_ids(work / name))
                check(0 < done < 45, f"Rust left the big screen part-way ({done} of 45 results)")
            before = emulator.jobs()
            check(start(name) == work / name, f"the SDK's start reuses the Rust {kind} directory")
            check(emulator.jobs() == before, f"the SDK recognises the Rust {kind} request: no second job")
            exp.wait_and_download(run_dir=work / name, quiet=True, poll_interval_seconds=0.2)
            check(finished(work / name), f"the SDK finished the Rust {kind} directory")

        # The SDK starts, Rust finishes.
        name = "sdk-prediction"
        exp.start_structure_and_binding(**PREDICTION, root_dir=work, name=name, quiet=True)
        before = emulator.jobs()
        check(rust(emulator, "run", "prediction", work / name).endswith("Succeeded"), "Rust finishes the SDK prediction")
        check(emulator.jobs() == before, "Rust recognises the SDK prediction request: no second job")
        check(finished_prediction(work / name), "the SDK prediction directory is complete")

        name = "sdk-screen"
        exp.start_small_molecule_library_screen(**SCREEN, root_dir=work, name=name, quiet=True)
        emulator.control("faults", {"method": "GET", "path": "/files/*/results/*/archive.tar.gz", "times": 1, "action": {"kind": "status", "status": 404}})
        try:
            exp.wait_and_download(run_dir=work / name, quiet=True, poll_interval_seconds=0.2)
            check(False, "the SDK stops at the failed archive")
        except Exception as e:  # the SDK raises httpx's error as it is
            print(f"ok: the SDK stopped mid-page ({type(e).__name__})")
        check(state(work / name)["pending"] is not None, "the SDK left a page in progress")
        before = emulator.jobs()
        check(rust(emulator, "run", "screen", work / name).endswith("Succeeded"), "Rust finishes the SDK screen")
        check(emulator.jobs() == before, "Rust recognises the SDK screen request: no second job")
        check(finished_screen(work / name), "the SDK screen directory is complete, each result once")

        # What Rust finished, the SDK finds finished.
        for name, finished in [("sdk-prediction", finished_prediction), ("sdk-screen", finished_screen)]:
            downloads, lines = emulator.downloads(), index_ids(work / name)
            exp.wait_and_download(run_dir=work / name, quiet=True, poll_interval_seconds=0.2)
            check(emulator.downloads() == downloads and index_ids(work / name) == lines, f"the SDK finds {name} finished")

        # A run started elsewhere, downloaded by ID: both clients name its directory alike, and the
        # SDK finds what Rust downloaded finished.
        started = client.small_molecule.library_screen.start(**SCREEN)
        out = rust(emulator, "download", started.id, work).splitlines()
        check(out[-1].endswith("Succeeded"), "Rust downloads a run by its ID")
        downloads = emulator.downloads()
        sdk_dir = exp.download_results(id=started.id, root_dir=work, quiet=True, poll_interval_seconds=0.2)
        check(str(sdk_dir) == out[0], f"the SDK names the directory as Rust does ({sdk_dir.name})")
        check(emulator.downloads() == downloads and finished_screen(sdk_dir), "the SDK finds the downloaded run finished")

        # And a directory Rust finishes from scratch with `finish` (wait_and_download's twin).
        name = "sdk-finish"
        exp.start_small_molecule_library_screen(**SCREEN, root_dir=work, name=name, quiet=True)
        check(rust(emulator, "finish", "-", work / name).endswith("Succeeded"), "Rust's finish_run finishes an SDK directory")
        check(finished_screen(work / name), "the finished directory is complete")
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
