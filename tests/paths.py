"""Where the tests find the project's files and the shared benchmark data."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = Path(os.environ.get("RAG_SHARED_DIR", ROOT.parent / "shared"))
