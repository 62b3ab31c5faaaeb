"""Garbage collection for an editor server: no full collections while the user types.

The server keeps thousands of parsed cells alive (the analysis cache). Python's automatic full
collection traverses every live object, so on a large notebook it would stop a keystroke's
re-lint for 100-200 ms at random. Young generations are still collected as usual (they are
cheap and free short-lived cycles promptly); full collections wait until the editor has been
quiet for a moment, or until so much has been promoted that waiting longer would cost memory.
Objects alive at start-up (modules, protocol classes) are frozen: they are never garbage.
"""

from __future__ import annotations

import asyncio
import gc
import logging

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.5
# Young collections between full ones before one is forced even while busy. A cold lint of a
# 300-cell notebook runs about 70 of them, so this allows dozens of such lints back to back.
MAX_PENDING = 5_000
_NO_AUTOMATIC_FULL = 1 << 30


class IdleCollector:
    def __init__(self, idle_seconds: float = IDLE_SECONDS, max_pending: int = MAX_PENDING) -> None:
        self.idle_seconds = idle_seconds
        self.max_pending = max_pending
        self._timer: asyncio.TimerHandle | None = None
        self.full_collections = 0

    def install(self) -> None:
        """Freeze what start-up created and take full collections off the automatic path."""
        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _NO_AUTOMATIC_FULL)

    def pause(self) -> bool:
        """No collection while a message is handled; returns whether collection was on.

        What a lint allocates is mostly long-lived (parsed cells, findings): collecting midway
        would only scan it again and again. `resume` looks at it once, after the reply is out."""
        was = gc.isenabled()
        gc.disable()
        return was

    def resume(self, was_enabled: bool) -> None:
        if was_enabled:
            gc.enable()
            gc.collect(0)
        self.activity()

    def activity(self) -> None:
        """Called after each message: postpone the full collection until the editor is quiet."""
        if gc.get_count()[2] >= self.max_pending:
            self.collect()
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(self.idle_seconds, self.collect)

    def collect(self) -> None:
        self._timer = None
        if gc.get_count()[2] == 0:
            return  # nothing was promoted since the last full collection
        # Unfrozen so that objects frozen earlier which became cyclic garbage are found too.
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self.full_collections += 1
        log.debug("full collection: %d unreachable objects", found)


__all__ = ["IdleCollector"]
