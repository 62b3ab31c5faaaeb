"""Productionise: turn a notebook into a tested, versioned Python package.

planning (stages, signatures, parameters) -> codegen (libcst rewriting, templates) ->
capture (papermill run of the notebook) -> writing (three-way merge, versions) -> checking
(the generated tests in a fresh process).
"""

from .errors import Cancelled, Problem, ProductioniseError
from .model import (
                    Artifact,
                    Conflict,
                    DroppedLine,
                    FunctionInfo,
                    Parameter,
                    ProductionisePlan,
                    ProductioniseResult,
                    Stage,
                    StageParam,
                    TestOutcome,
)
from .runner import plan, productionise

__all__ = ["Artifact", "Cancelled", "Conflict", "DroppedLine", "FunctionInfo", "Parameter", "Problem", "ProductioniseError", "ProductionisePlan", "ProductioniseResult",
           "Stage", "StageParam", "TestOutcome", "plan", "productionise"]
