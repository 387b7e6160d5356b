"""Golden outputs: text, JSON and SARIF of the demo tree and every series
variant, compared byte for byte after the volatile parts (the repository's
temporary path, the tool's version) are replaced by placeholders.

A change of output must be deliberate: regenerate with
``MEMDIE_UPDATE_GOLDEN=1 python3 -m pytest tests/test_golden.py`` in the
commit that changes the behaviour, and read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import demo_tree

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


def _check(name: str, produced: Path, tree: Path, mbox: Path | None = None) -> None:
    actual = _stable(produced.read_text(encoding="utf-8", errors="surrogateescape"), tree, mbox)
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden output {golden.name}: run with MEMDIE_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8"), f"{name} differs from its golden output"


@pytest.mark.parametrize("fmt", FORMATS)
def test_tree_audit_matches_golden(kernel, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    _run([str(kernel.path), "--rev", kernel.base, "--format", fmt], out)
    _check(f"tree.{FORMATS[fmt]}", out, kernel.path)


@pytest.mark.parametrize("variant", VARIANTS)
def test_series_audit_matches_golden(kernel, tmp_path: Path, variant: str) -> None:
    for fmt, suffix in FORMATS.items():
        out = tmp_path / f"out.{suffix}"
        _run([str(kernel.path), "--series", kernel.revrange(variant), "--format", fmt], out)
        _check(f"series-{variant}.{suffix}", out, kernel.path)


@pytest.mark.parametrize("variant", ("clean", "flawed"))
def test_mbox_audit_matches_golden(kernel, tmp_path: Path, variant: str) -> None:
    mailed = tmp_path / f"{variant}.mbx"
    mailed.write_bytes(demo_tree.format_patch(kernel.path, kernel.base, kernel.heads[variant]))
    for fmt, suffix in FORMATS.items():
        out = tmp_path / f"out.{suffix}"
        _run([str(kernel.path), "--mbox", str(mailed), "--format", fmt], out)
        _check(f"mbox-{variant}.{suffix}", out, kernel.path, mailed)


def test_treewide_series_matches_golden(generic_bits, tmp_path: Path) -> None:
    """Four arches onto the generic bits, ~50 flags: the text and the page
    a reviewer reads as one change."""
    for fmt, suffix in (("text", "txt"), ("html", "html")):
        out = tmp_path / f"out.{suffix}"
        _run([str(generic_bits.path), "--series", generic_bits.revrange("generic-bits"),
              "--changed-flags", "--format", fmt], out)
        _check(f"series-generic-bits.{suffix}", out, generic_bits.path)
