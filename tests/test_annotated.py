"""Kernel idioms with the verdict written beside them.

Each file under ``fixtures/annotated/`` sits at the path it would have in a
kernel tree; a line that holds a token of the flag ends with ``expect:`` and
what the scanner must call each token on it, in column order, and a line of
a flag header where a table rule must report names that rule (see the
folder's README.md). The reader sees case and verdict together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from memdie_audit.kernel.flagtable import read_flag_table
from memdie_audit.kernel.model import Kind, Occurrence
from memdie_audit.kernel.occurrences import scan_file
from memdie_audit.kernel.paths import is_flag_header
from memdie_audit.rules import header_findings as table_findings

SYMBOL = "TIF_MEMDIE"
ROOT = Path(__file__).parent / "fixtures" / "annotated"
FILES = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
               if p.is_file() and p.name != "README.md")
HEADERS = [p for p in FILES if is_flag_header(p)]

KINDS = {"definition", "mask", "use", "guard", "comment", "string", "doc"}
TABLE_RULES = {"duplicate-bit", "mask-mismatch", "bit-range"}
EXPECT = re.compile(r"expect:\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)")
TOKEN = re.compile(rf"(?<![A-Za-z0-9_])_?{SYMBOL}(?![A-Za-z0-9_])")


def annotations(path: str) -> dict[int, list[str]]:
    """Line number → the words of its ``expect:`` annotation."""
    found = {}
    text = (ROOT / path).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        marks = list(EXPECT.finditer(line))
        if not marks:
            continue
        assert len(marks) == 1, f"{path}:{number}: one annotation per line"
        assert not TOKEN.search(line[marks[0].start():]), \
            f"{path}:{number}: the annotation must not name the flag"
        words = [w.strip() for w in marks[0].group(1).split(",")]
        unknown = set(words) - KINDS - TABLE_RULES
        assert not unknown, f"{path}:{number}: unknown annotation {sorted(unknown)}"
        found[number] = words
    return found


def kind_word(occurrence: Occurrence) -> str:
    if occurrence.kind is Kind.USE and occurrence.guarded:
        return "guard"
    return str(occurrence.kind)


def mismatches(path: str, expected: dict[int, list[str]], got: dict[int, list[str]]) -> list[str]:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return [f"{path}:{n}: expected {expected.get(n, [])}, got {got.get(n, [])}: "
            f"{lines[n - 1].strip()}"
            for n in sorted(set(expected) | set(got)) if expected.get(n, []) != got.get(n, [])]


def test_the_fixtures_are_there_and_annotated() -> None:
    assert len(FILES) >= 6 and len(HEADERS) >= 3, FILES
    for path in FILES:
        assert annotations(path), f"{path} has no annotation"


@pytest.mark.parametrize("path", FILES)
def test_every_token_has_the_annotated_kind(path: str) -> None:
    expected = {n: [w for w in words if w in KINDS] for n, words in annotations(path).items()}
    expected = {n: words for n, words in expected.items() if words}
    got: dict[int, list[str]] = defaultdict(list)
    occurrences = scan_file(path, (ROOT / path).read_bytes(), SYMBOL)
    for occurrence in occurrences:
        got[occurrence.line].append(kind_word(occurrence))
    assert mismatches(path, expected, got) == []
    # The fixtures are well-formed C: every kind comes from a parse, not a guess.
    assert [str(o) for o in occurrences if o.fallback] == []


@pytest.mark.parametrize("path", HEADERS)
def test_table_rules_report_the_annotated_lines(path: str) -> None:
    table = read_flag_table(path, (ROOT / path).read_bytes())
    # Every bit and mask is computed: a rule that stays silent has checked.
    assert [f.name for f in (*table.bits, *table.masks) if f.value is None] == []
    expected = {n: [w for w in words if w in TABLE_RULES]
                for n, words in annotations(path).items()}
    expected = {n: words for n, words in expected.items() if words}
    got: dict[int, list[str]] = defaultdict(list)
    for finding in table_findings(table):
        assert finding.path == path
        got[finding.line].append(finding.rule)
    assert mismatches(path, expected, got) == []


# What the fixtures must keep covering: the kernel's ways of writing the flag.
IDIOMS = {
    "(1<<TIF_X)": r"\(1<<TIF_\w+\)",
    "(1 << TIF_X)": r"\(1 << TIF_\w+\)",
    "(1UL << TIF_X)": r"\(1UL << TIF_\w+\)",
    "BIT(TIF_X)": r"\bBIT\(TIF_\w+\)",
    "_BITUL(TIF_X)": r"\b_BITUL\(TIF_\w+\)",
    "_AC(1,UL) << TIF_X": r"_AC\(1, ?UL\) << TIF_\w+",
    "a composite mask over continued lines": r"_TIF_\w+ \|[^\n]*\\\n[^\n]*_TIF_MEMDIE",
    "#ifdef CONFIG_ around flags": r"#ifdef CONFIG_\w+\n#define TIF_",
    "test_thread_flag()": r"\btest_thread_flag\(TIF_MEMDIE\)",
    "test_tsk_thread_flag()": r"\btest_tsk_thread_flag\(\w+, TIF_MEMDIE\)",
    "#ifdef TIF_X": r"#ifdef TIF_MEMDIE\b",
    "defined(_TIF_X)": r"defined\(_TIF_MEMDIE\)",
    "an asm _TIF_X mask": r"\$_TIF_MEMDIE\b",
    "an asm #TIF_X immediate": r"#TIF_MEMDIE\b",
}


@pytest.mark.parametrize("idiom", IDIOMS)
def test_the_fixtures_cover_the_kernel_idiom(idiom: str) -> None:
    assert any(re.search(IDIOMS[idiom], (ROOT / p).read_text(encoding="utf-8")) for p in FILES)


def test_every_kind_and_table_rule_is_annotated_somewhere() -> None:
    used = {w for p in FILES for words in annotations(p).values() for w in words}
    assert used == (KINDS - {"doc"}) | TABLE_RULES
