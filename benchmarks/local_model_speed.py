"""Speed of the local models: kept for the references to this file; the measurement lives in
rag.bench_local and runs as `rag bench --mode local [--size 0.5b|1.5b] [--runs N]`.

    .venv/bin/python benchmarks/local_model_speed.py --size 0.5b --runs 1
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rag.cli import main  # noqa: E402

sys.exit(main(["bench", "--mode", "local", *sys.argv[1:]]))
