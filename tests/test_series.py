"""Series audits of the fixture's removal series, each with the findings its
builder says a correct audit must produce."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import demo_tree

from memdie_audit.cli import main

# What each variant produces, rule by rule: the builder's expectations plus
# the consequences a reviewer also wants to see (a kept mask references the
# deleted bit, so it is a leftover use and breaks the build from then on).
RULES = {
    "clean": {"stale-comment": 1},
    "forgot-arch": {"leftover-definition": 1, "stale-comment": 1},
    # The flag inside the leftover mask belongs to the leftover-mask finding.
    # An unused leftover mask breaks no build: cpp never expands it.
    "kept-mask": {"leftover-mask": 1, "stale-comment": 1},
    "bisect-break": {"bisect-break": 1, "stale-comment": 1},
    "duplicate-bit": {"duplicate-bit": 1, "renumbered-flag": 1, "stale-comment": 1},
    # One cause, one finding: the most specific rule at a site carries the rest.
    "reintroduced": {"reintroduced": 1, "stale-comment": 1},
    "asm-only": {"bisect-break": 1, "stale-comment": 1},
    "merge": {"merge-commit": 1, "stale-comment": 1},
    "flawed": {"leftover-definition": 1, "leftover-mask": 1,
               "dangling-reference": 1, "bisect-break": 1, "reintroduced": 1,
               "duplicate-bit": 1, "mask-mismatch": 1, "bit-range": 1, "renumbered-flag": 2,
               "stale-comment": 1},
}


def audit(kernel, variant: str, capsys, *extra: str) -> tuple[int, dict]:
    status = main([str(kernel.path), "--series", kernel.revrange(variant), "--format", "json",
                   *extra])
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress output when stderr is not a terminal
    return status, json.loads(captured.out)


@pytest.mark.parametrize("variant", sorted(demo_tree.SERIES))
def test_each_series_gets_exactly_its_findings(kernel, capsys, variant: str) -> None:
    status, report = audit(kernel, variant, capsys)
    commits = tuple(c["sha"] for c in report["commits"])
    assert demo_tree.SERIES[variant].unmatched(report["findings"], commits) == []
    assert Counter(f["rule"] for f in report["findings"]) == RULES[variant]
    errors = report["summary"]["errors"]
    assert status == (1 if errors else 0)
    assert (report["mode"], report["base"]) == ("series", kernel.base)
    assert report["rev"] == kernel.heads[variant]
    assert commits == tuple(kernel.commits[variant])


def test_clean_series_passes_but_not_with_fail_on_warning(kernel, capsys) -> None:
    assert audit(kernel, "clean", capsys)[0] == 0
    assert audit(kernel, "clean", capsys, "--fail-on", "warning")[0] == 1


def test_bisect_break_names_first_and_repairing_commit_arches_and_sites(kernel, capsys) -> None:
    _, report = audit(kernel, "bisect-break", capsys)
    shas = kernel.commits["bisect-break"]
    (broken,) = [f for f in report["findings"] if f["rule"] == "bisect-break"]
    assert broken["commit"] == shas[0]
    message = broken["message"]
    assert f"from {shas[0][:12]} to {shas[2][:12]}" in message
    assert f"repaired by {shas[3][:12]}" in message
    assert "alpha" in message and "more arches" in message
    per_commit = {c["sha"]: [f["rule"] for f in c["findings"]] for c in report["commits"]}
    assert per_commit[shas[0]] == ["bisect-break"]


def test_findings_name_the_commit_that_introduced_them(kernel, capsys) -> None:
    _, report = audit(kernel, "flawed", capsys)
    shas = kernel.commits["flawed"]
    introduced = {f["rule"]: shas.index(f["commit"]) + 1 for f in report["findings"]
                  if f["commit"] and f["rule"] != "bisect-break"}
    assert introduced == {"reintroduced": 5, "duplicate-bit": 6, "mask-mismatch": 7,
                          "bit-range": 8}
    assert all(f in report["findings"] for c in report["commits"] for f in c["findings"])


def test_renumbered_flags_say_old_and_new_bit(kernel, capsys) -> None:
    _, report = audit(kernel, "flawed", capsys)
    moved = sorted(f["message"] for f in report["findings"] if f["rule"] == "renumbered-flag")
    assert moved == ["TIF_IO_BITMAP moved from bit 22 to bit 21",
                     "TIF_RESTORE_RSE moved from bit 21 to bit 33"]


def test_merge_is_followed_on_its_first_parent(kernel, capsys) -> None:
    _, report = audit(kernel, "merge", capsys)
    merges = [c for c in report["commits"] if c["merge"]]
    assert len(merges) == 1 and len(report["commits"]) == 4
    (note,) = [f for f in report["findings"] if f["rule"] == "merge-commit"]
    assert note["severity"] == "note" and note["commit"] == merges[0]["sha"]


def test_what_each_commit_removed(kernel, capsys) -> None:
    _, report = audit(kernel, "clean", capsys)
    last = report["commits"][-1]
    assert last["removed"]["definition"] == 32  # as the real series: 32 flag headers
    assert last["removed"]["mask"] == 4  # arc, avr32, tile, um
    assert last["added"] == {}


def test_text_report_has_a_section_per_commit_and_the_verdict(kernel, capsys) -> None:
    status = main([str(kernel.path), "--series", kernel.revrange("flawed")])
    out = capsys.readouterr().out
    assert status == 1
    for number, sha in enumerate(kernel.commits["flawed"], 1):
        assert f"commit {number}/8 {sha[:12]} " in out
    assert "mm/vmscan.c:" in out and "[reintroduced]" in out
    assert "verdict: NOT clean" in out
    assert out.splitlines()[-1] == "total: 8 errors, 3 warnings, 0 notes"


def test_progress_on_a_terminal_only(kernel) -> None:
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "memdie_audit", str(kernel.path), "--series",
                           kernel.revrange("flawed"), "--format", "json"],
                          stdout=subprocess.DEVNULL, stderr=follower, timeout=120)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 1
    assert b"[1/8]" in shown and b"[8/8]" in shown
