"""Named, seeded random streams.

Every decision point draws from its own stream, named for what it decides
(``mycert/ack/botnet-1``, ``channel/email/mycert>thaicert/latency``), and each
stream's seed is derived from the run seed and the name alone. A what-if variant
that changes one actor therefore leaves every other actor's draws as they were
(common random numbers), and the same seed always gives the same run.
"""

from __future__ import annotations

import random
from _random import Random as _CRandom
from hashlib import blake2b as _blake2b

# ``random.Random(n)`` seeds through two Python-level calls (``__init__``, ``seed``)
# that only pass an int on to the C generator: a stream is made here with the C seed
# directly, which gives the very same state
_new = random.Random.__new__
_seed = _CRandom.seed
_Random = random.Random


class Streams:
    """A family of independent ``random.Random`` streams derived from one seed."""

    __slots__ = ("_prefix", "_streams", "get", "seed")

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, random.Random] = {}
        #: the stream of a name already drawn from, or None (the cheap look-up)
        self.get = self._streams.get
        # the run seed's part of every stream's hash, hashed once
        self._prefix = _blake2b(f"{self.seed}\x00".encode(), digest_size=8).copy

    def __call__(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = self._make(name)
        return stream

    def _make(self, name: str) -> random.Random:
        """The stream named ``name``: seeded with the first 8 bytes of
        ``blake2b(f"{seed}\\x00{name}")``, big-endian."""
        h = self._prefix()
        h.update(name.encode())
        stream = _new(_Random)
        _seed(stream, int.from_bytes(h.digest(), "big"))
        stream.gauss_next = None  # type: ignore[attr-defined]  # as Random.__init__ sets it
        return stream

    def names(self) -> list[str]:
        """Names of the streams drawn from so far, sorted."""
        return sorted(self._streams)
