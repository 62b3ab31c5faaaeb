"""Secrets never reach the ledger: every payload passes through the linter's secret detection
(known credential formats, credential-named keys, passwords in URLs and connection strings)."""

from __future__ import annotations

from typing import Any

from ..linter.secrets import mask_payload, mask_secrets as mask_text


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON value with secrets masked: by format anywhere, and by name for the
    values of credential-named keys (`{"db_password": "hunter22"}`)."""
    return mask_payload(value)


__all__ = ["mask_secrets", "mask_text"]
