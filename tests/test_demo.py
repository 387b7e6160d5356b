"""memdie-audit demo: the newcomer's first command."""

import re
from pathlib import Path

from memdie_audit.cli import main


def test_demo_builds_audits_and_keeps_reports(tmp_path: Path, capsys) -> None:
    assert main(["demo", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    commands = [line for line in out.splitlines() if line.startswith("$ memdie-audit")]
    assert len(commands) == 6
    assert commands[3].split()[2:5] == [str(tmp_path / "demo" / "linux-6.19"), "--series",
                                        "master..series/modern-clean"]
    assert out.count("(exit status 0)") == 3 and out.count("(exit status 1)") == 3
    assert out.count("verdict: clean") == 2 and out.count("verdict: NOT clean") == 3
    # The last series adds a flag but forgets m68k: judged as an addition,
    # with its one build break and the bit m68k has free.
    last = out.split(commands[-2], 1)[1].split(commands[-1], 1)[0]
    assert commands[-2].endswith("--symbol TIF_NOTIFY_WORK --html "
                                 f"{tmp_path / 'demo' / 'report-modern-add-missing-arch.html'}")
    assert "intent: adds TIF_NOTIFY_WORK to 18 flag headers" in last and "[leftover-" not in last
    assert re.search(r"kernel/notify_work\.c:\d+:\d+: error: build breaks .* on m68k: .*"
                     r"a free bit on each: m68k 0 \[bisect-break\]", last)
    # The treewide series: about fifty flags as one change, its one bug first.
    treewide = out.split(commands[-1], 1)[1]
    assert "--changed-flags --html" in commands[-1]
    assert treewide.splitlines()[1].startswith("50 flags: series ")
    assert "error: TIF_FIXADE and the generic TIF_RESTORE_SIGMASK share bit 10" in treewide
    for variant in ("clean", "flawed", "modern-clean", "modern-add-missing-arch",
                    "generic-bits"):
        page = (tmp_path / "demo" / f"report-{variant}.html").read_text()
        assert "Arch × commit" in page
    for tree in ("linux", "linux-6.19", "linux-6.17"):
        assert (tmp_path / "demo" / tree / ".git").is_dir()


def test_demo_in_a_temporary_directory_leaves_nothing(tmp_path: Path, capsys, monkeypatch):
    import tempfile
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert main(["demo"]) == 0
    assert "removed afterwards" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_demo_refuses_a_directory_with_files(tmp_path: Path, capsys) -> None:
    (tmp_path / "x").write_text("mine")
    assert main(["demo", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
