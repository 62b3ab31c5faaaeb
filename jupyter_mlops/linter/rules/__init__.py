"""Every rule module; importing this package registers the rules."""

from . import dependencies, execution, maintainability, ml, notebook_calls, portability, security  # noqa: F401
