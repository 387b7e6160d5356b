"""A treewide series, read as one change: four arches move onto the
generic TIF bits over seven commits (the fixture builder's era 6.17),
about fifty flags change, and the one real bug is a flag left on a generic
bit until a later commit repairs it. Audited with --changed-flags."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import demo_tree

from memdie_audit.api import audit_series
from memdie_audit.cli import main
from memdie_audit.report import writer

SPEC = demo_tree.ERAS["6.17"].series["generic-bits"]
LOONGARCH = "arch/loongarch/include/asm/thread_info.h"
# Each arch's renumbering: (arch, how many of its own flags move).
RENUMBERED = {"x86": 11, "s390": 7, "loongarch": 13, "riscv": 2}


@pytest.fixture(scope="module")
def audit(generic_bits):
    return audit_series(generic_bits.path, generic_bits.revrange("generic-bits"), [],
                        changed=True)


def _json(audit) -> dict:
    out = io.StringIO()
    writer("json")(audit, out)
    return json.loads(out.getvalue())


def _text(audit, **options) -> list[str]:
    out = io.StringIO()
    writer("text")(audit, out, **options)
    return out.getvalue().splitlines()


def test_the_series_gives_exactly_its_one_bug_and_one_renumbering_note_per_arch(
        audit, generic_bits) -> None:
    report = _json(audit)
    shas = tuple(c["sha"] for c in report["commits"])
    assert SPEC.unmatched(report["findings"], shas) == []
    assert SPEC.unwanted(report["findings"], shas) == []
    found = sorted((f["rule"], f["severity"], f["arch"]) for f in report["findings"])
    assert found == sorted([("duplicate-bit", "error", "loongarch")]
                           + [("renumbered-flag", "note", a) for a in RENUMBERED])
    notes = {f["arch"]: f for f in report["findings"] if f["rule"] == "renumbered-flag"}
    assert {a: len(f["related"]) for a, f in notes.items()} == RENUMBERED
    assert "TIF_SSBD: bit 6 -> 17" in {r["message"] for r in notes["x86"]["related"]}


def test_the_duplicate_bit_names_the_commit_that_repairs_it(audit) -> None:
    report = _json(audit)
    clash = next(f for f in report["findings"] if f["rule"] == "duplicate-bit")
    shas = [c["sha"] for c in report["commits"]]
    assert clash["path"] == LOONGARCH and clash["commit"] == shas[4]
    assert clash["window"] == {"first": 5, "last": 6, "first_sha": shas[4], "last_sha": shas[5],
                               "repaired_by": 7, "repaired_sha": shas[6]}
    assert f"from commit 5/7 ({shas[4][:12]}, \"loongarch: use the generic TIF bits\") " \
           f"until 7/7 ({shas[6][:12]}) repairs it" in clash["message"]
    # still an error: a bisection through commits 5 and 6 hits it
    assert clash["severity"] == "error"


def test_json_keeps_every_flags_intent(audit) -> None:
    report = _json(audit)
    assert len(report["symbols"]) == 50
    assert report["intent"]["TIF_NOTIFY_RESUME"] == "move"
    assert report["intent"]["TIF_SSBD"] == "renumber"
    assert report["intent"]["TIF_SECCOMP"] == "remove"


def test_text_puts_the_finding_first_and_stays_short(audit) -> None:
    lines = _text(audit)
    assert len(lines) <= 150
    first = next(i for i, line in enumerate(lines) if "[duplicate-bit]" in line)
    assert first < 6
    assert not any(line.startswith("intent of ") for line in lines)
    assert ("  loongarch, riscv, s390, x86 move onto the generic TIF bits: 12 common flags now "
            "come from the generic header; 33 arch flags renumbered; s390 drops 4 flags "
            "(no users left)") in lines
    assert " ! 10  USEDSIMD                 -> g:RESTORE_SIGMASK" in lines


def test_verbose_text_gives_every_flag(audit) -> None:
    lines = _text(audit, verbose=True)
    assert sum(line.startswith("intent of ") for line in lines) == 50
    assert "TIF_NOHZ:" in lines  # each flag's arch table


def test_one_flag_still_shows_its_intent(generic_bits, tmp_path: Path) -> None:
    out = tmp_path / "nohz.txt"
    assert main([str(generic_bits.path), "--series", generic_bits.revrange("generic-bits"),
                 "--symbol", "TIF_NOHZ", "-o", str(out)]) == 1
    assert "intent: renumbers TIF_NOHZ in 1 flag header; references 1 -> 1" in \
        out.read_text().splitlines()


def test_html_is_one_small_page_with_sections_only_for_flags_with_findings(audit) -> None:
    out = io.StringIO()
    writer("html")(audit, out)
    page = out.getvalue()
    assert len(page.encode()) <= 1_500_000
    assert page.index('id="findings"') < page.index('id="layouts"')
    assert 'id="matrix-TIF_RESTORE_SIGMASK"' in page
    assert 'id="matrix-TIF_NOHZ"' not in page and "<code>TIF_NOHZ</code>: renumbers" in page
    assert '<tr class="collision"><th scope="row">!10</th>' in page


def test_one_walk_gives_each_flag_what_its_own_audit_gives(generic_bits) -> None:
    """The flags walked together come out as each walked alone."""
    flags = ["TIF_FIXADE", "TIF_RESTORE_SIGMASK", "TIF_SECCOMP"]
    together = audit_series(generic_bits.path, generic_bits.revrange("generic-bits"), flags)
    for part in together.per_symbol:
        alone = audit_series(generic_bits.path, generic_bits.revrange("generic-bits"),
                             part.symbol)
        assert [str(f) for f in part.findings] == [str(f) for f in alone.findings]
        assert part.intent_lines == alone.intent_lines
        assert part.head.occurrences == alone.head.occurrences


def test_sarif_names_the_repair(audit) -> None:
    out = io.StringIO()
    writer("sarif")(audit, out)
    results = json.loads(out.getvalue())["runs"][0]["results"]
    clash = next(r for r in results if r["ruleId"] == "duplicate-bit")
    shas = [c.sha for c in audit.commits]
    assert clash["properties"]["window"] == {"first": shas[4], "last": shas[5],
                                             "repairedBy": shas[6]}
    assert "until 7/7" in clash["message"]["text"]


def test_a_flag_renumbered_alone_is_told_by_its_intent_line_only(tmp_path: Path) -> None:
    """x86 moves TIF_SSBD (audited alone): its own move is the intent, not
    a renumbered-flag finding; flags audited together share one note."""
    repo = demo_tree.build_repo(tmp_path / "linux", series=("modern-ssbd-clash",), era="modern")
    alone = audit_series(repo.path, repo.revrange("modern-ssbd-clash"), "TIF_SSBD")
    assert alone.intent == {"TIF_SSBD": "renumber"}
    assert not [f for f in alone.findings if f.rule == "renumbered-flag"]
