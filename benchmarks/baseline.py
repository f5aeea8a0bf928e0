"""The engine of an earlier release, taken from a git ref, next to the current one in one process.

    from baseline import load_engine_at

    with load_engine_at("HEAD~5") as old:
        with old.active():
            loaded = old.load_scenario(old.resolve_scenario_arg(None))
            events = old.Engine(loaded, seed=0).run()

``load_engine_at(ref)`` extracts the ``sim/`` and ``scenarios/`` packages of ``ref`` with
``git archive`` into a temporary directory and imports them there, under their own names,
while the current ``sim`` and ``scenarios`` modules are set aside; afterwards the current
modules are back in ``sys.modules`` exactly as they were, and the old ones are reachable
only through the returned :class:`Baseline`. It unpacks as
``Engine, load_scenario, resolve_scenario_arg``.

Old code looks modules up by name when it runs, not only when it is imported: function-level
imports, and ``importlib.resources`` for the bundled scenarios and the regional library.
Call old code inside ``with old.active():``, which puts the old modules (and the temporary
directory) in place for the duration and the current ones back afterwards. Each engine must
load its scenario with its own loader, since the scenario format may differ between
releases. The temporary directory is removed when the ``with load_engine_at(...)`` block
ends; old code that reads files must run before then.
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("sim", "scenarios")


def _ours(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PACKAGES)


def _take_modules() -> dict[str, ModuleType]:
    """Remove every ``sim``, ``sim.*``, ``scenarios``, ``scenarios.*`` entry from sys.modules."""
    return {name: sys.modules.pop(name) for name in [n for n in sys.modules if _ours(n)]}


@dataclass
class Baseline:
    """The engine and scenario loader of one git ref, imported apart from the current ones."""

    ref: str
    commit: str
    root: Path
    Engine: type
    load_scenario: Callable[..., Any]
    resolve_scenario_arg: Callable[[str | None], Path]
    modules: dict[str, ModuleType] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.Engine, self.load_scenario, self.resolve_scenario_arg))

    @contextmanager
    def active(self) -> Iterator[Baseline]:
        """The old modules in sys.modules (and the old tree first on sys.path) for the duration."""
        current = _take_modules()
        sys.modules.update(self.modules)
        sys.path.insert(0, str(self.root))
        try:
            yield self
        finally:
            sys.path.remove(str(self.root))
            self.modules.update(_take_modules())
            sys.modules.update(current)


def resolve_commit(ref: str, repo: Path = REPO) -> str:
    """The full sha of the commit ``ref`` names; raises ``ValueError`` if it names none."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True, text=True,
        )
    except FileNotFoundError as e:
        raise ValueError("git is not installed") from e
    if done.returncode != 0:
        raise ValueError(f"{ref!r} is not a commit in {repo}")
    return done.stdout.strip()


def _extract(commit: str, repo: Path, into: Path) -> None:
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", commit, *PACKAGES],
                             capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)


@contextmanager
def load_engine_at(ref: str, repo: Path = REPO) -> Iterator[Baseline]:
    """``sim.engine.Engine``, ``scenarios.load_scenario`` and ``scenarios.resolve_scenario_arg``
    as they were at ``ref`` (a tag, branch, ``HEAD~5``, a sha), for the duration of the block."""
    commit = resolve_commit(ref, repo)
    with tempfile.TemporaryDirectory(prefix="drill-baseline-") as tmp:
        root = Path(tmp)
        _extract(commit, repo, root)
        importlib.invalidate_caches()
        current = _take_modules()
        sys.path.insert(0, str(root))
        try:
            engine_module = importlib.import_module("sim.engine")
            scenarios = importlib.import_module("scenarios")
            old = Baseline(ref=ref, commit=commit, root=root, Engine=engine_module.Engine,
                           load_scenario=scenarios.load_scenario,
                           resolve_scenario_arg=scenarios.resolve_scenario_arg)
        finally:
            sys.path.remove(str(root))
            old_modules = _take_modules()
            sys.modules.update(current)
        old.modules = old_modules
        try:
            yield old
        finally:
            sys.path_importer_cache.pop(str(root), None)
