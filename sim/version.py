"""The product's version, in one place: the ``version`` of ``pyproject.toml``.

An installed copy reads it from the package metadata, which the build took from
pyproject.toml; a source tree (a clone run with ``python -m sim.cli``, installed or
not) reads pyproject.toml itself. This module imports only the
standard library, so ``drill --version`` stays quick.
"""

from __future__ import annotations

from pathlib import Path

DISTRIBUTION = "acid-drill"
#: what a copy without metadata or pyproject.toml reports
UNKNOWN = "unknown"


def _from_source_tree() -> str | None:
    """The version in the pyproject.toml beside this package, when it is ours."""
    import tomllib

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        with pyproject.open("rb") as fh:
            project = tomllib.load(fh).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if project.get("name") != DISTRIBUTION:
        return None
    version = project.get("version")
    return version if isinstance(version, str) and version else None


def _installed() -> str | None:
    """The version in the installed package's metadata."""
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def product_version() -> str:
    """The acid-drill version, as ``pyproject.toml`` declares it.

    A source tree's own pyproject.toml comes first, so that a checkout whose
    version was changed since it was last installed does not report the old
    metadata; everywhere else (a wheel, an sdist install) it is the metadata.
    """
    return _from_source_tree() or _installed() or UNKNOWN
