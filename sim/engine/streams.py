"""Named, seeded random streams.

Every decision point draws from its own stream, named for what it decides
(``mycert/ack/botnet-1``, ``channel/email/mycert>thaicert/latency``), and each
stream's numbers are derived from the run seed and the name alone. A what-if variant
that changes one actor therefore leaves every other actor's draws as they were
(common random numbers), and the same seed always gives the same run.

A stream's numbers come in blocks of eight: block ``k`` of stream ``name`` in a run
seeded ``seed`` is ``blake2b(f"{seed}\\x00{name}\\x00".encode() + k.to_bytes(8, "big"))``
(64 bytes), read as eight big-endian 64-bit words; each word ``w`` gives the number
``(w >> 11) / 2**53``, uniform on [0, 1) with 53 random bits, as ``random.random()``
gives. A stream costs one hash per eight numbers, and nothing to set up: a drill
draws from about a hundred streams, most of them once or twice, and seeding a
Mersenne Twister for each (a 2.5 KB state) cost more than the whole of its draws.
The distributions (log-normal, uniform, triangular, exponential, weighted choice) are
``random.Random``'s own, drawing from these numbers.
"""

from __future__ import annotations

from hashlib import blake2b as _blake2b
from random import Random as _Random
from struct import Struct

_words = Struct(">8Q").unpack
_SCALE = 2.0 ** -53
_INDEX = tuple(k.to_bytes(8, "big") for k in range(64))


class Stream:
    """One named stream: ``random()`` and the distributions of ``random.Random``
    that draw only from it."""

    __slots__ = ("_base", "_blocks", "_next")

    def __init__(self, base: _blake2b) -> None:
        #: the hash of the seed and the name, to be finished with a block's index
        self._base = base
        self._blocks = 0
        #: numbers of the current block not drawn yet, the next one last
        self._next: list[float] = []

    def random(self) -> float:
        """The next number of the stream, uniform on [0, 1)."""
        pending = self._next
        if not pending:
            self._fill()
        return pending.pop()

    def _fill(self) -> None:
        k = self._blocks
        self._blocks = k + 1
        h = self._base.copy()
        h.update(_INDEX[k] if k < 64 else k.to_bytes(8, "big"))
        w0, w1, w2, w3, w4, w5, w6, w7 = _words(h.digest())
        s = _SCALE
        self._next[:] = ((w7 >> 11) * s, (w6 >> 11) * s, (w5 >> 11) * s, (w4 >> 11) * s,
                         (w3 >> 11) * s, (w2 >> 11) * s, (w1 >> 11) * s, (w0 >> 11) * s)

    # the distributions, as random.Random draws them from random()
    uniform = _Random.uniform
    triangular = _Random.triangular
    normalvariate = _Random.normalvariate
    lognormvariate = _Random.lognormvariate
    expovariate = _Random.expovariate
    choices = _Random.choices


class Streams:
    """A family of independent streams derived from one seed."""

    __slots__ = ("_prefix", "_streams", "get", "seed")

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, Stream] = {}
        #: the stream of a name already drawn from, or None (the cheap look-up)
        self.get = self._streams.get
        # the run seed's part of every stream's hash, hashed once
        self._prefix = _blake2b(f"{self.seed}\x00".encode()).copy

    def __call__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            base = self._prefix()
            base.update(f"{name}\x00".encode())
            stream = self._streams[name] = Stream(base)
        return stream

    def names(self) -> list[str]:
        """Names of the streams drawn from so far, sorted."""
        return sorted(self._streams)
