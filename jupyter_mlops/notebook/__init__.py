"""Notebook model and readers."""

from .loader import load_notebook, notebook_from_json, parse_ipynb, parse_percent_script
from .model import Cell, Notebook, Output

__all__ = ["Cell", "Notebook", "Output", "load_notebook", "notebook_from_json", "parse_ipynb",
           "parse_percent_script"]
