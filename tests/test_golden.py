"""Golden outputs: text, JSON and SARIF of the demo tree and every series
variant, compared byte for byte after the volatile parts (the repository's
temporary path, the tool's version) are replaced by placeholders.

The text report is each series' reviewable golden. The JSON and SARIF
goldens hold what no other golden pins (see ``goldens.py``): the fixture
tree's flag tables and arch sets once, in ``tables.json``, and each series'
tables as their difference from those.

A change of output must be deliberate: regenerate with
``MEMDIE_UPDATE_GOLDEN=1 python3 -m pytest tests/test_golden.py`` in the
commit that changes the behaviour, and read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import demo_tree
from goldens import tables, trimmed_json, trimmed_sarif

from memdie_audit import __version__
from memdie_audit.cli import main

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MEMDIE_UPDATE_GOLDEN") == "1"
FORMATS = {"text": "txt", "json": "json", "sarif": "sarif"}
VARIANTS = ("clean", "forgot-arch", "kept-mask", "bisect-break", "duplicate-bit",
            "reintroduced", "asm-only", "merge", "flawed")


def _stable(text: str, tree: Path, mbox: Path | None = None) -> str:
    if mbox is not None:
        text = text.replace(str(mbox), "<mbox>")
    text = text.replace(str(tree), "<tree>").replace(tree.as_uri(), "<tree-uri>")
    return text.replace(f'"{__version__}"', '"<version>"').replace(
        f"memdie-audit {__version__}", "memdie-audit <version>")


def _run(args: list[str], out: Path) -> None:
    assert main([*args, "-o", str(out)]) in (0, 1)


def _compare(name: str, actual: str) -> None:
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden output {golden.name}: run with MEMDIE_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8"), f"{name} differs from its golden output"


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _check(name: str, produced: Path, tree: Path, mbox: Path | None = None,
           base: dict[str, Any] | None = None, whole: bool = False) -> None:
    actual = _stable(produced.read_text(encoding="utf-8", errors="surrogateescape"), tree, mbox)
    if name.endswith(".json"):
        actual = _dump(trimmed_json(json.loads(actual), base))
    elif name.endswith(".sarif") and not whole:
        actual = _dump(trimmed_sarif(json.loads(actual)))
    _compare(name, actual)


@pytest.fixture(scope="module")
def base_tables(kernel, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The fixture tree's flag tables and arches, as ``--rev BASE --format
    json`` gives them: what the JSON goldens are compared with."""
    out = tmp_path_factory.mktemp("tables") / "tree.json"
    _run([str(kernel.path), "--rev", kernel.base, "--format", "json"], out)
    return tables(json.loads(_stable(out.read_text(encoding="utf-8"), kernel.path)))


def test_the_fixture_trees_tables_match_golden(base_tables) -> None:
    _compare("tables.json", _dump(base_tables))


@pytest.mark.parametrize("fmt", FORMATS)
def test_tree_audit_matches_golden(kernel, base_tables, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    _run([str(kernel.path), "--rev", kernel.base, "--format", fmt], out)
    _check(f"tree.{FORMATS[fmt]}", out, kernel.path, base=base_tables, whole=True)


@pytest.mark.parametrize("variant", VARIANTS)
def test_series_audit_matches_golden(kernel, base_tables, tmp_path: Path, variant: str) -> None:
    for fmt, suffix in FORMATS.items():
        out = tmp_path / f"out.{suffix}"
        _run([str(kernel.path), "--series", kernel.revrange(variant), "--format", fmt], out)
        _check(f"series-{variant}.{suffix}", out, kernel.path, base=base_tables)


@pytest.mark.parametrize("variant", ("clean", "flawed"))
def test_mbox_audit_matches_golden(kernel, base_tables, tmp_path: Path, variant: str) -> None:
    mailed = tmp_path / f"{variant}.mbx"
    mailed.write_bytes(demo_tree.format_patch(kernel.path, kernel.base, kernel.heads[variant]))
    for fmt, suffix in FORMATS.items():
        out = tmp_path / f"out.{suffix}"
        _run([str(kernel.path), "--mbox", str(mailed), "--format", fmt], out)
        _check(f"mbox-{variant}.{suffix}", out, kernel.path, mailed, base=base_tables)


def test_a_trimmed_golden_still_sees_every_change_of_a_table(base_tables) -> None:
    """The JSON goldens keep only the tables' difference from tables.json:
    any change of a flag, mask, line, width or arch set must still show."""
    import copy

    def trimmed(doc: dict[str, Any]) -> str:
        return _dump(trimmed_json({**doc, "commits": [], "findings": []}, base_tables))

    same = trimmed(base_tables)
    assert json.loads(same)["flag_tables"] == {"same as tables.json": len(
        base_tables["flag_tables"])}
    tables_, arches = "flag_tables", "arches"
    changes = [
        lambda d: d[tables_][0]["flags"][-1].update(line=d[tables_][0]["flags"][-1]["line"] + 1),
        lambda d: d[tables_][3]["masks"][0].update(value=0),
        lambda d: d[tables_][5]["flags"].pop(2),
        lambda d: d[tables_][7].update(width=64),
        lambda d: d[tables_].pop(),
        lambda d: d[tables_].reverse(),
        lambda d: d[arches][1]["flags"][0].update(bit=40),
        lambda d: d[arches][2]["switches"].append("HAVE_TIF_X"),
        lambda d: d[arches][4]["masks"].append({"name": "_TIF_X", "value": 1}),
    ]
    for number, change in enumerate(changes):
        changed = copy.deepcopy(base_tables)
        change(changed)
        assert trimmed(changed) != same, f"change {number} does not show"


def test_treewide_series_matches_golden(generic_bits, tmp_path: Path) -> None:
    """Four arches onto the generic bits, ~50 flags: the text and the page
    a reviewer reads as one change."""
    for fmt, suffix in (("text", "txt"), ("html", "html")):
        out = tmp_path / f"out.{suffix}"
        _run([str(generic_bits.path), "--series", generic_bits.revrange("generic-bits"),
              "--changed-flags", "--format", fmt], out)
        _check(f"series-generic-bits.{suffix}", out, generic_bits.path)
