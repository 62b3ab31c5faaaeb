"""The jupyter-mlops language server (work in progress)."""
