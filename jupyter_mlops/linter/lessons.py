"""Turn a rule lesson's code examples into notebooks, so the examples can be run as tests.

Examples are percent-format scripts. A `# %%` marker may carry jupytext-style metadata that
sets what a saved notebook would hold: `execution_count=3`, `outputs=[{...}]`, `tags=[...]`,
`output_bytes=N` (an output of N bytes).
A first line `# notebook: NAME [language=LANG]` names the notebook file or its kernel language.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..notebook.loader import _outputs, parse_percent_script
from ..notebook.model import Notebook, Output

_HEADER = re.compile(r"^#\s*notebook:\s*(\S+)(?:\s+language=(\S+))?\s*$")


def example_notebook(code: str, default_path: str = "example.ipynb") -> Notebook:
    lines = code.split("\n")
    path, language = default_path, "python"
    if lines and (m := _HEADER.match(lines[0])):
        path, language = m.group(1), m.group(2) or "python"
        lines = lines[1:]
    nb = parse_percent_script("\n".join(lines), path)
    cells = []
    for cell in nb.cells:
        meta = dict(cell.metadata)
        count = meta.pop("execution_count", None)
        outputs = _outputs(meta.pop("outputs", None))
        # A lesson cannot hold a 2 MB plot: `output_bytes=N` stands for an output of N bytes.
        size = meta.pop("output_bytes", None)
        if isinstance(size, int):
            outputs.append(Output(output_type="display_data", size=size))
        cells.append(replace(cell, execution_count=count if isinstance(count, int) else None,
                             outputs=outputs, metadata=meta, id=f"example-{cell.index}"))
    return replace(nb, cells=cells, language=language, format="ipynb")
