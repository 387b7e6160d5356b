"""The documents made from the code (docs/rules.md, the man page) are
committed, and must be what the code generates now: a rule added, renamed
or reworded without regenerating them fails here.

Regenerate with ``python -m memdie_audit.docs`` (or, like the goldens,
``MEMDIE_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from memdie_audit import docs
from memdie_audit.rules import RULES, markdown_table

DOCS = Path(__file__).parent.parent / "docs"
UPDATE = os.environ.get("MEMDIE_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("name", docs.GENERATED)
def test_the_committed_document_is_what_the_code_generates(name: str) -> None:
    if UPDATE:
        docs.write(DOCS)
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == docs.GENERATED[name](), (
        f"docs/{name} is stale: regenerate it with `{docs.REGENERATE}` and commit it")


def test_the_rules_page_documents_every_rule() -> None:
    page = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert "\n## What it checks\n" in page and markdown_table() in page
    for rule in RULES.values():
        section = page.split(f"### `{rule.id}`\n")[1].split("\n### ")[0]
        assert f"**{rule.severity}**" in section and rule.markdown in section


def test_the_regenerate_command_names_a_stale_document(tmp_path: Path) -> None:
    def regenerate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "memdie_audit.docs", *args, str(tmp_path)],
                              capture_output=True, text=True)

    checked = regenerate("--check")
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [f"{tmp_path / n}: stale" for n in docs.GENERATED]
    assert regenerate().returncode == 0
    assert regenerate("--check").returncode == 0
    assert (tmp_path / "rules.md").read_text(encoding="utf-8") == (
        DOCS / "rules.md").read_text(encoding="utf-8")
