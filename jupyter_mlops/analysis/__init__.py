"""Per-cell and cross-cell analysis of notebooks."""

from .cell import CellAnalysis, CellCache, analyse_cell_source
from .notebook import FlowIssue, NotebookAnalysis

__all__ = ["CellAnalysis", "CellCache", "FlowIssue", "NotebookAnalysis", "analyse_cell_source"]
