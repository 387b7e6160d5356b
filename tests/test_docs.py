"""The documents made from the code (docs/rules.md, the man page) are
committed, and must be what the code generates now: a rule added, renamed
or reworded without regenerating them fails here.

Regenerate with ``python -m memdie_audit.docs`` (or, like the goldens,
``MEMDIE_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py``).
"""

from __future__ import annotations

import os
import re
import shutil
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


def _rendered_man_page() -> str:
    """docs/memdie-audit.1 as a reader sees it: ``man -l`` (man-db), else
    groff's man macros; either must render it without a warning."""
    page = str(DOCS / "memdie-audit.1")
    env = {**os.environ, "MANWIDTH": "100", "MAN_KEEP_FORMATTING": "", "LC_ALL": "C.UTF-8"}
    if shutil.which("man"):
        command = ["man", "--warnings=w", "-l", page]
    elif shutil.which("groff"):
        command = ["groff", "-man", "-Tutf8", "-ww", "-rLL=100n", page]
    else:
        pytest.fail("neither man (man-db) nor groff is installed: .ci/run installs man-db")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    # Overstrike, should a formatter leave it: bold is "X\bX", underline "_\bX".
    return re.sub(r".\x08", "", done.stdout)


def _cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "memdie_audit", *args], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "100"}, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_man_page_renders_every_option_and_rule() -> None:
    rendered = _rendered_man_page()
    assert rendered.startswith("MEMDIE-AUDIT(1)") and "\nEXIT STATUS\n" in rendered

    def shown(word: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", rendered) is not None

    for command in ((), ("fix",), ("atlas",), ("demo",), ("watch",)):
        options = {o for line in _cli(*command, "--help").splitlines()
                   if line.startswith("  -")
                   for o in re.findall(r"--?[A-Za-z0-9][\w-]*", re.split(r"\s{2,}",
                                                                        line.strip())[0])}
        assert "--help" in options and (command or {"--series", "--mbox"} <= options), options
        missing = sorted(o for o in options if not shown(o))
        assert not missing, f"memdie-audit {' '.join(command)}: options not in the man page: " \
                            f"{missing}"
    rules = [line.split()[0] for line in _cli("--list-rules").splitlines()]
    assert rules == list(RULES)
    assert not [r for r in rules if not shown(r)], "rules missing from the man page"
    for status in ("0", "1", "2", "3", "130"):
        assert re.search(rf"^ +{status} +\S", rendered, re.M), f"exit status {status}"
