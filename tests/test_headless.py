"""The engine and the scenario format never import a UI library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for pkg in ("sim", "scenarios")
    for p in (ROOT / pkg).rglob("*.py")
)


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_ui(module):
    code = (
        f"import {module}, sys\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_headless_commands_import_no_ui(tmp_path):
    journal = tmp_path / "j.journal.sqlite"
    code = (
        "import sys\n"
        "from sim.cli import main\n"
        f"main(['run', '--json', '--journal', {str(journal)!r}])\n"
        "main(['validate', 'acid-botnet'])\n"
        "main(['scenarios'])\n"
        "main(['lint', 'acid-botnet'])\n"
        "main(['explain', 'tutorial'])\n"
        "main(['schema'])\n"
        f"main(['report', {str(journal)!r}, '--format', 'html', '--runs', '0'])\n"
        f"main(['batch', 'tutorial', '-n', '2', '--jobs', '1', '--out', {str(tmp_path / 'b')!r}])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)
