"""Every rule module; importing this package registers the rules."""

from . import execution  # noqa: F401
