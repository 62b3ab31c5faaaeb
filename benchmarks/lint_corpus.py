"""The issue's name for the lint benchmark: lints ../shared/corpus with jupyter-mlops and ruff.

Same as `benchmarks/lint_speed.py` (see there and benchmarks/README.md).
Run:  .venv/bin/python benchmarks/lint_corpus.py [--repeat 3] [--no-ruff]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lint_speed import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
