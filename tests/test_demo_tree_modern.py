"""The demo tree's modern era (``build_repo(root, era="modern")``): a tree
with the shape of Linux v6.19 where thread-info flags are concerned, and the
series built on it with the findings a correct audit reports.

The shape tests read the tree with a small preprocessor of their own
(``_effective_bits``), so they do not lean on the analyzer. The last test
audits every series and holds the analyzer to the series' expectations;
where the analyzer does not meet them yet, it is an ``xfail(strict=True)``
that turns into a failure the day it does (then drop the mark).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from memdie_audit.cli import main
from memdie_audit.demo_tree import ERAS, FixtureRepo, build_repo, write_tree

MODERN = ERAS["modern"]
GENERIC = "include/asm-generic/thread_info_tif.h"
X86 = "arch/x86/include/asm/thread_info.h"
GENERIC_ARCHES = {"x86", "riscv", "s390", "loongarch"}
OWN_HEADER_ARCHES = {"alpha", "arc", "arm", "arm64", "csky", "hexagon", "m68k", "microblaze",
                     "mips", "nios2", "openrisc", "parisc", "powerpc", "sh", "sparc", "um",
                     "xtensa"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def grep_files(repo: FixtureRepo, rev: str, *args: str) -> list[str]:
    """Files of ``rev`` that ``git grep -l ARGS`` finds (none is no error)."""
    proc = subprocess.run(["git", "-C", str(repo.path), "grep", "-l", *args[:-1], rev, "--",
                           *args[-1:]], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return [line.split(":", 1)[1] for line in proc.stdout.splitlines()]


def show(repo: FixtureRepo, rev: str, path: str) -> str:
    return git(repo.path, "show", f"{rev}:{path}")


@pytest.fixture(scope="module")
def repo(modern) -> FixtureRepo:
    return modern


# -- a small preprocessor for flag headers ------------------------------------

_DEFINE = re.compile(r"^#\s*define\s+(_?TIF_\w+)\s+(.+)$")
_MASK = re.compile(r"^(?:BIT|_BITUL)\((TIF_\w+)\)$|^\(1U?L?\s*<<\s*(TIF_\w+)\)$")


def _effective_bits(texts: list[str], defined: set[str]) -> tuple[dict, dict, list]:
    """(bits, masks, duplicates) of headers read in order as one build sees
    them in the kernel: ``#ifdef X`` holds where X is ``__KERNEL__``, in
    ``defined`` or a ``HAVE_TIF_*`` #defined on the way; any other ``#if``
    holds. ``masks`` maps a mask to the flag it
    shifts; ``duplicates`` lists (flag, flag, bit) sharing a bit."""
    bits: dict[str, int] = {}
    masks: dict[str, str] = {}
    duplicates = []
    defined = {"__KERNEL__", *defined}
    for text in texts:
        stack: list[bool] = []
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)  # a comment may span lines
        for raw in text.replace("\\\n", " ").splitlines():
            line = re.sub(r"/\*.*?\*/|//.*$", "", raw).strip()
            if m := re.match(r"#\s*if(n?)def\s+(\w+)", line):
                stack.append((m.group(2) in defined) != bool(m.group(1)))
            elif re.match(r"#\s*if", line):
                stack.append(True)
            elif re.match(r"#\s*else", line):
                stack[-1] = not stack[-1]
            elif re.match(r"#\s*endif", line):
                stack.pop()
            elif not all(stack):
                continue
            elif m := re.match(r"#\s*define\s+(HAVE_TIF_\w+)$", line):
                defined.add(m.group(1))
            elif m := _DEFINE.match(line):
                name, value = m.group(1), m.group(2).strip()
                if name.startswith("TIF_") and value.isdigit():
                    clash = [n for n, b in bits.items() if b == int(value)]
                    duplicates += [(n, name, int(value)) for n in clash]
                    bits[name] = int(value)
                elif name.startswith("_TIF_") and (s := _MASK.match(value)):
                    masks[name] = s.group(1) or s.group(2)
    return bits, masks, duplicates


def _arch_texts(repo: FixtureRepo, arch: str, rev: str | None = None) -> list[list[str]]:
    """The flag headers one build of ``arch`` reads, per build variant
    (sparc: the 32- and the 64-bit header)."""
    facts = repo.arches[arch]
    own = [h for h in facts.headers if h != GENERIC]

    def read(path: str) -> str:
        return show(repo, rev, path) if rev else (repo.path / path).read_text()

    return [([read(GENERIC)] if facts.generic_bits else []) + [read(h)] for h in own]


def _effective(repo: FixtureRepo, arch: str, rev: str | None = None) -> list[tuple]:
    switches = set(repo.arches[arch].tif_switches)
    return [_effective_bits(texts, switches) for texts in _arch_texts(repo, arch, rev)]


# -- the base tree ------------------------------------------------------------

def test_arches_and_who_takes_the_generic_bits(repo: FixtureRepo) -> None:
    assert set(repo.arches) == GENERIC_ARCHES | OWN_HEADER_ARCHES
    for arch, facts in repo.arches.items():
        kconfig = (repo.path / f"arch/{arch}/Kconfig").read_text()
        assert ("select HAVE_GENERIC_TIF_BITS" in kconfig) == (arch in GENERIC_ARCHES), arch
        assert facts.generic_bits == (arch in GENERIC_ARCHES)
    defining = git(repo.path, "grep", "-l", "-E", r"#\s*define\s+TIF_MEMDIE\b").split()
    assert len(defining) == 19 and GENERIC in defining  # 18 arch headers + the generic one
    assert {p.split("/")[1] for p in defining if p.startswith("arch/")} == OWN_HEADER_ARCHES
    assert sorted(p for p in defining if p.startswith("arch/sparc/")) == [
        "arch/sparc/include/asm/thread_info_32.h", "arch/sparc/include/asm/thread_info_64.h"]


def test_generic_header_holds_the_shared_bits(repo: FixtureRepo) -> None:
    text = (repo.path / GENERIC).read_text()
    everything = {"HAVE_TIF_NEED_RESCHED_LAZY", "HAVE_TIF_POLLING_NRFLAG",
                  "HAVE_TIF_RESTORE_SIGMASK"}
    bits, masks, duplicates = _effective_bits([text], everything)
    assert bits == {"TIF_NOTIFY_RESUME": 0, "TIF_SIGPENDING": 1, "TIF_NOTIFY_SIGNAL": 2,
                    "TIF_MEMDIE": 3, "TIF_NEED_RESCHED": 4, "TIF_NEED_RESCHED_LAZY": 5,
                    "TIF_POLLING_NRFLAG": 6, "TIF_USER_RETURN_NOTIFY": 7, "TIF_UPROBE": 8,
                    "TIF_PATCH_PENDING": 9, "TIF_RESTORE_SIGMASK": 10, "TIF_RSEQ": 11}
    assert masks == {f"_{name}": name for name in bits} and duplicates == []
    assert set(_effective_bits([text], set())[0]) == set(bits) - {
        "TIF_NEED_RESCHED_LAZY", "TIF_POLLING_NRFLAG", "TIF_RESTORE_SIGMASK"}
    for name in bits:  # each bit is followed by its BIT() mask
        assert re.search(rf"define {name}\t+\d+\t// .+\n#\s*define _{name}\t+BIT\({name}\)\n",
                         text), name
    for optional in ("NEED_RESCHED_LAZY", "POLLING_NRFLAG", "RESTORE_SIGMASK"):
        assert re.search(rf"#ifdef HAVE_TIF_{optional}\n# define TIF_{optional}\t", text)
    assert "Bits 16-31 are reserved for arch-specific flags" in " ".join(text.split())


def test_generic_arches_pick_optional_bits_and_start_their_own_at_16(repo: FixtureRepo) -> None:
    switches = {a: repo.arches[a].tif_switches for a in GENERIC_ARCHES}
    assert switches["x86"] == ("HAVE_TIF_NEED_RESCHED_LAZY", "HAVE_TIF_POLLING_NRFLAG")
    assert switches["riscv"] == ("HAVE_TIF_NEED_RESCHED_LAZY", "HAVE_TIF_RESTORE_SIGMASK")
    for arch in GENERIC_ARCHES:
        (own,) = [h for h in repo.arches[arch].headers if h != GENERIC]
        text = (repo.path / own).read_text()
        include = text.index("#include <asm-generic/thread_info_tif.h>")
        assert all(text.index(f"#define {s}\n") < include for s in switches[arch])
        own_bits = _effective_bits([text], set())[0]
        assert own_bits and min(own_bits.values()) >= 16 and max(own_bits.values()) <= 31
        assert "TIF_MEMDIE" not in text
        ((bits, _, _),) = _effective(repo, arch)
        assert ("TIF_POLLING_NRFLAG" in bits) == ("HAVE_TIF_POLLING_NRFLAG" in switches[arch])
    assert repo.arches["x86"].memdie_bit == {GENERIC: 3}


def test_every_build_variant_sees_consistent_bits(repo: FixtureRepo) -> None:
    for arch, facts in repo.arches.items():
        for bits, masks, duplicates in _effective(repo, arch):
            assert duplicates == [], arch
            assert all(masks[f"_{n}"] == n for n in bits if f"_{n}" in masks), arch
            assert max(bits.values()) < min(facts.builds + (facts.flags_width,)), arch


def test_kconfig_says_which_kernels_an_arch_builds(repo: FixtureRepo) -> None:
    def option(arch: str) -> str:
        m = re.search(r"^config 64BIT\n((?:\t.*\n)+)", (repo.path / f"arch/{arch}/Kconfig")
                      .read_text(), re.M)
        return m.group(1).split("\n")[0].strip() if m else ""

    forms = {arch: option(arch) for arch in repo.arches}
    assert {a for a, f in forms.items() if f == "def_bool y"} == {"alpha", "arm64", "s390",
                                                                  "loongarch"}
    assert {a for a, f in forms.items() if f.startswith('bool "')} == {
        "x86", "mips", "parisc", "powerpc", "sparc", "um"}
    assert forms["riscv"] == "bool"
    assert "select 64BIT" in (repo.path / "arch/riscv/Kconfig").read_text()
    assert not forms["arm"] and not forms["m68k"]
    assert {a: f.builds for a, f in repo.arches.items() if len(f.builds) == 2} == {
        a: (32, 64) for a in ("x86", "mips", "parisc", "powerpc", "sparc", "um", "riscv")}


def test_fallbacks_and_idioms(repo: FixtureRepo) -> None:
    common = (repo.path / "include/linux/thread_info.h").read_text()
    assert re.search(r"#ifndef TIF_NEED_RESCHED_LAZY\n#define TIF_NEED_RESCHED_LAZY\s+"
                     r"TIF_NEED_RESCHED\n#define _TIF_NEED_RESCHED_LAZY\s+_TIF_NEED_RESCHED\n"
                     r"#endif", common)
    assert re.search(r"#ifndef TIF_RSEQ\n# define TIF_RSEQ\s+TIF_NOTIFY_RESUME\n"
                     r"# define _TIF_RSEQ\s+_TIF_NOTIFY_RESUME\n#endif", common)
    headers = "\n".join((repo.path / p).read_text() for f in repo.arches.values()
                        for p in f.headers if p != GENERIC)
    for idiom in (r"\(1 << TIF_", r"\(1<<TIF_", r"_BITUL\(TIF_", r"\bBIT\(TIF_"):
        assert re.search(idiom, headers), idiom
    mips = (repo.path / "arch/mips/include/asm/thread_info.h").read_text()
    assert re.search(r"#define TIF_SYSCALL_TRACE\s+31\b", mips)
    assert "#define _TIF_SYSCALL_TRACE\t(1<<TIF_SYSCALL_TRACE)" in mips
    assert repo.arches["mips"].field_types == {"arch/mips/include/asm/thread_info.h":
                                               "unsigned long"}


def test_polling_users_in_common_code_are_guarded(repo: FixtureRepo) -> None:
    hits = git(repo.path, "grep", "-l", "-w", "TIF_POLLING_NRFLAG", "--", "kernel", "include/linux",
               "mm").split()
    assert hits == ["include/linux/sched/idle.h", "kernel/sched/idle.c"]
    for path in hits:
        depth, guarded = 0, []
        for line in (repo.path / path).read_text().splitlines():
            if line.startswith("#if"):
                guarded.append(line == "#ifdef TIF_POLLING_NRFLAG")
            elif line.startswith("#else"):
                guarded[-1] = False
            elif line.startswith("#endif"):
                guarded.pop()
            elif re.search(r"\w+\(.*\bTIF_POLLING_NRFLAG\b", line):
                depth += 1
                assert any(guarded), f"{path}: {line}"
        assert depth >= 1


def test_flag_users_parse_before_and_after_each_series(repo: FixtureRepo) -> None:
    tree_sitter = pytest.importorskip("tree_sitter")
    tsc = pytest.importorskip("tree_sitter_c")
    parser = tree_sitter.Parser(tree_sitter.Language(tsc.language()))
    flags = r"\b_?TIF_(MEMDIE|POLLING_NRFLAG|SSBD|IO_BITMAP|NOTIFY_WORK)\b"
    seen = set()
    for rev in (repo.base, *repo.heads.values()):
        for path in grep_files(repo, rev, "-E", flags, "*.[ch]"):
            if path.startswith("arch/") and "/include/asm/" in path or path == GENERIC:
                continue  # flag headers: read by the shape tests above
            seen.add(path)
            tree = parser.parse(show(repo, rev, path).encode())
            assert not tree.root_node.has_error, f"{path} at {rev[:12]}"
    assert {"mm/oom_kill.c", "kernel/sched/idle.c", "arch/riscv/kernel/idle.c",
            "kernel/notify_work.c", "kernel/notify/work.c", "include/linux/notify_work.h"} <= seen


def test_write_tree_writes_the_modern_base(repo: FixtureRepo, tmp_path: Path) -> None:
    facts = write_tree(tmp_path, era="modern")
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(git(repo.path, "ls-files").split())
    assert all((tmp_path / p).read_bytes() == (repo.path / p).read_bytes() for p in written)
    assert facts == repo.arches


# -- the series ---------------------------------------------------------------

def test_each_series_is_a_linear_branch_with_its_subjects(repo: FixtureRepo) -> None:
    assert set(repo.heads) == set(MODERN.series) and repo.era == "modern"
    for name, spec in MODERN.series.items():
        shas = git(repo.path, "rev-list", "--reverse", repo.revrange(name)).split()
        assert tuple(shas) == repo.commits[name]
        assert git(repo.path, "rev-list", "--merges", repo.revrange(name)) == ""
        subjects = tuple(git(repo.path, "log", "-1", "--format=%s", c).strip() for c in shas)
        assert subjects == spec.subjects and spec.description
    assert len(repo.commits["modern-clean"]) == 3


def _touched(repo: FixtureRepo, sha: str) -> set[str]:
    return set(git(repo.path, "show", "--format=", "--name-only", sha).split())


def test_removal_converts_users_then_drops_19_definitions(repo: FixtureRepo) -> None:
    first, users_done, last = repo.commits["modern-clean"]
    users = set(grep_files(repo, repo.base, "-w", "TIF_MEMDIE", ":!arch"))
    assert {"mm/oom_kill.c", "kernel/cgroup/cpuset.c", "include/linux/oom.h"} <= users
    assert grep_files(repo, first, "-w", "TIF_MEMDIE", ":!arch") == sorted(
        users - {"kernel/cgroup/cpuset.c"})
    assert grep_files(repo, users_done, "-w", "TIF_MEMDIE", ":!arch") == [GENERIC]
    defining = set(grep_files(repo, repo.base, "-w", "TIF_MEMDIE", ":(glob)**/thread_info*.h"))
    assert _touched(repo, last) == defining and len(defining) == 19
    assert grep_files(repo, last, "-w", "-e", "TIF_MEMDIE", "-e", "_TIF_MEMDIE", ".") == []
    for arch in repo.arches:  # bit 3 and the arch bits are freed, nothing moves
        for before, after in zip(_effective(repo, arch, repo.base), _effective(repo, arch, last),
                                 strict=True):
            assert after[0] == {n: b for n, b in before[0].items() if n != "TIF_MEMDIE"}, arch
    kept = repo.heads["modern-forgot-generic"]
    left = git(repo.path, "grep", "-n", "-w", "-e", "TIF_MEMDIE", "-e", "_TIF_MEMDIE", kept)
    assert [line.split(":")[1] for line in left.splitlines()] == [GENERIC, GENERIC]


def test_other_series_change_one_thing_each(repo: FixtureRepo) -> None:
    (polls,) = repo.commits["modern-polling-riscv"]
    assert _touched(repo, polls) == {"arch/riscv/kernel/idle.c"}
    assert "set_thread_flag(TIF_POLLING_NRFLAG)" in show(repo, polls, "arch/riscv/kernel/idle.c")
    ((riscv_bits, _, _),) = _effective(repo, "riscv", polls)
    assert "TIF_POLLING_NRFLAG" not in riscv_bits

    (clash,) = repo.commits["modern-ssbd-clash"]
    assert _touched(repo, clash) == {X86}
    ((_, _, duplicates),) = _effective(repo, "x86", clash)
    assert duplicates == [("TIF_NEED_RESCHED", "TIF_SSBD", 4)]

    (moved,) = repo.commits["modern-io-bitmap-40"]
    assert _touched(repo, moved) == {X86}
    ((bits, masks, _),) = _effective(repo, "x86", moved)
    assert bits["TIF_IO_BITMAP"] == 40 > min(repo.arches["x86"].builds)
    assert "#define _TIF_IO_BITMAP\t\t(1 << TIF_IO_BITMAP)" in show(repo, moved, X86)

    (asm,) = repo.commits["modern-ifdef-asm"]
    assert _touched(repo, asm) == {"arch/riscv/kernel/entry.S"}
    entry = show(repo, asm, "arch/riscv/kernel/entry.S")
    block = entry[entry.index("#ifdef TIF_SSBD"):entry.index("#endif")]
    assert "_TIF_SSBD" in block
    ((riscv_bits, _, _),) = _effective(repo, "riscv", asm)
    assert "TIF_SSBD" not in riscv_bits and "TIF_SSBD" in _effective(repo, "x86")[0][0]


def test_expectations_name_real_paths_commits_and_flags(repo: FixtureRepo) -> None:
    for name, spec in MODERN.series.items():
        files = set(git(repo.path, "ls-files", "--with-tree", repo.heads[name]).split())
        assert spec.expected or spec.no_errors or spec.absent, name
        for e in (*spec.expected, *spec.absent):
            assert e.path is None or e.path in files, (name, e)
            assert e.commit is None or 1 <= e.commit <= len(repo.commits[name]), (name, e)
            assert e.arch is None or e.arch in {*repo.arches, "generic"}, (name, e)
        for symbol in spec.symbols:  # defined in the base, or added by the series
            assert any(grep_files(repo, rev, "-E", rf"#\s*define\s+{symbol}\b", ".")
                       for rev in (repo.base, repo.heads[name])), (name, symbol)
        assert {s for s, _ in spec.intent} <= set(spec.symbols), name


def test_build_is_reproducible_and_eras_are_checked(repo: FixtureRepo, tmp_path: Path) -> None:
    again = build_repo(tmp_path / "again", era="modern")
    assert (again.base, again.heads, again.commits) == (repo.base, repo.heads, repo.commits)
    with pytest.raises(ValueError, match="unknown era"):
        build_repo(tmp_path / "x", era="2.6")
    with pytest.raises(ValueError, match="unknown series: clean"):
        build_repo(tmp_path / "y", series=("clean",), era="modern")


# -- what the analyzer makes of the series ------------------------------------

# Series whose expectations the analyzer does not meet yet, and why: the
# build findings (first test) and everything (second test).
BUILD_NOT_YET: dict[str, str] = {}
NOT_YET: dict[str, str] = {**BUILD_NOT_YET}
REMOVAL_RULES = {"leftover-definition", "leftover-mask", "leftover-use", "reintroduced",
                 "stale-comment"}


def _marked(not_yet: dict[str, str]) -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, raises=AssertionError,
                                                       reason=not_yet[name]))
            if name in not_yet else name
            for name in MODERN.series]


def _audit(repo: FixtureRepo, capsys, name: str) -> tuple[int, dict, tuple[str, ...]]:
    spec = MODERN.series[name]
    symbols = [arg for symbol in spec.symbols for arg in ("--symbol", symbol)]
    status = main([str(repo.path), "--series", repo.revrange(name), *symbols,
                   "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    commits = tuple(c["sha"] for c in report["commits"])
    assert commits == repo.commits[name]
    return status, report, commits


@pytest.mark.parametrize("name", _marked(BUILD_NOT_YET))
def test_each_series_gets_what_it_must_and_no_wrong_build_finding(
        repo: FixtureRepo, capsys, name: str) -> None:
    spec = MODERN.series[name]
    status, report, commits = _audit(repo, capsys, name)
    assert spec.unmatched(report["findings"], commits) == []
    assert [(f["rule"], f["path"], f["line"]) for f in spec.unwanted(report["findings"], commits)
            if f["rule"] not in REMOVAL_RULES] == []
    assert status == (1 if report["summary"]["errors"] else 0)


@pytest.mark.parametrize("name", _marked(NOT_YET))
def test_audit_meets_the_series_expectations(repo: FixtureRepo, capsys, name: str) -> None:
    spec = MODERN.series[name]
    status, report, commits = _audit(repo, capsys, name)
    if spec.intent:
        assert report["intent"] == dict(spec.intent)
    assert spec.unmatched(report["findings"], commits) == []
    assert [(f["rule"], f["path"], f["line"]) for f in spec.unwanted(report["findings"],
                                                                     commits)] == []
    assert status == (1 if report["summary"]["errors"] else 0)
