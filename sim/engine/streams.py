"""Named, seeded random streams.

Every decision point draws from its own stream, named for what it decides
(``mycert/ack/botnet-1``, ``channel/email/mycert>thaicert/latency``), and each
stream's seed is derived from the run seed and the name alone. A what-if variant
that changes one actor therefore leaves every other actor's draws as they were
(common random numbers), and the same seed always gives the same run.
"""

from __future__ import annotations

import random
from hashlib import blake2b as _blake2b


class Streams:
    """A family of independent ``random.Random`` streams derived from one seed."""

    __slots__ = ("_streams", "seed")

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, random.Random] = {}

    def __call__(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = random.Random(int.from_bytes(
                _blake2b(f"{self.seed}\x00{name}".encode(), digest_size=8).digest(), "big"))
        return stream

    def names(self) -> list[str]:
        """Names of the streams drawn from so far, sorted."""
        return sorted(self._streams)
