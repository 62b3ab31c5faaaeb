"""The jupyter-mlops language server: production hazards of notebooks, live in the editor.

A thin door over the lint engine (`jupyter_mlops`): LSP 3.17 notebook sync for editors that
speak it (VS Code), plus percent-format scripts, `.ipynb` JSON and jupyterlab-lsp's virtual
notebook documents as plain text documents.
"""

from jupyter_mlops._version import __version__

__all__ = ["__version__"]
