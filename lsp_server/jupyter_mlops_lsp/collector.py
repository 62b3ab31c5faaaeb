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
# Objects frozen since the last full collection before one is forced even while busy: a cold
# lint of a 300-cell notebook leaves about 300,000, so dozens of those may run back to back.
MAX_GROWTH = 5_000_000
_NO_AUTOMATIC_FULL = 1 << 30


class IdleCollector:
    def __init__(self, idle_seconds: float = IDLE_SECONDS, max_growth: int = MAX_GROWTH) -> None:
        self.idle_seconds = idle_seconds
        self.max_growth = max_growth
        self._timer: asyncio.TimerHandle | None = None
        self._grown = 0  # objects frozen since the last full collection (net of those freed young)
        self.full_collections = 0

    def install(self) -> None:
        """Freeze what start-up created and take full collections off the automatic path."""
        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _NO_AUTOMATIC_FULL)

    def pause(self) -> bool:
        """No collection while a message is handled; returns whether collection was on."""
        was = gc.isenabled()
        gc.disable()
        return was

    def resume(self, was_enabled: bool) -> None:
        """After the reply is out. What a lint allocated is mostly long-lived (parsed cells,
        findings): it is frozen as it is, without a scan (freezing costs nothing), and looked at
        once by the next full collection."""
        if was_enabled:
            # The young generation's count is what it holds; gc.get_freeze_count() would walk
            # every frozen object to count them.
            self._grown += gc.get_count()[0]
            gc.freeze()
            gc.enable()
        self.activity()

    def activity(self) -> None:
        """Called after each message: postpone the full collection until the editor is quiet."""
        if self._grown > self.max_growth:
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
        if gc.get_count()[2] == 0 and self._grown == 0:
            return  # nothing new since the last full collection
        # Unfrozen so that frozen objects which became cyclic garbage are found too.
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self._grown = 0
        self.full_collections += 1
        log.debug("full collection: %d unreachable objects", found)


__all__ = ["IdleCollector"]
