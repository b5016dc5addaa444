"""The official Python SDK's half of scripts/compare-runs.sh: the same small-molecule library
screen as examples/run_screen.rs, run with `client.experiments.run_small_molecule_library_screen`.

Usage: BOLTZ_BASE_URL=… BOLTZ_API_KEY=… python scripts/sdk_run_screen.py <n> <root>
Prints one JSON line: the results in the index and the seconds the run took.
"""

import json
import os
import sys
import time
from pathlib import Path

import boltz_api


def main() -> None:
    n, root = int(sys.argv[1]), Path(sys.argv[2])
    client = boltz_api.Boltz(api_key=os.environ["BOLTZ_API_KEY"], base_url=os.environ["BOLTZ_BASE_URL"])
    molecules = [{"smiles": "C" * (1 + i % 9), "id": f"mol-{i}"} for i in range(n)]
    target = {"entities": [{"type": "protein", "value": "MKTAYIAKQRQISFVKSHFSRQ", "chain_ids": ["A"]}]}
    started = time.monotonic()
    run_dir = client.experiments.run_small_molecule_library_screen(
        molecules=molecules, target=target, root_dir=root, name="sdk", quiet=True, poll_interval_seconds=1.0
    )
    seconds = time.monotonic() - started
    results = len((Path(run_dir) / "results" / "index.jsonl").read_text().splitlines())
    print(json.dumps({"client": "sdk", "results": results, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
