"""Where the tests find the project's files and the shared benchmark data."""

from pathlib import Path

from evals.common import shared_dir

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = shared_dir()  # one rule for where ../shared is (an empty RAG_SHARED_DIR means unset)
