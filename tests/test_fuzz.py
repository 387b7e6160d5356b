"""The command line on mutated kernel trees and mutated mboxes.

Each seed (``random.Random(seed)``, so every run sees the same inputs)
damages a clone of the fixture kernel: bytes flipped, inserted and deleted,
NULs, CRLF, lone CRs, a 100 kB line, deep parentheses, 200 nested ``#if``,
unbalanced ``#endif``, binary files, symlinks, renames, mode changes, a
submodule entry. Every way of reading that tree (working tree, ``--rev``,
``--series``, the series mailed and read back with ``--mbox``, a plain copy
with symlink loops and a FIFO) must end with status 0, 1 or 2, at most one
line on stderr, no traceback, and, when it audits, exactly the tokens
``git grep -w`` finds; the readings of one commit must agree with each other.
Mailed series are damaged too and must leave the repository and TMPDIR as
they were.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import commit_all, demo_tree, git, make_repo
from conftest import repo_state as state
from mutate import FILE_MUTATIONS, MBOX_MUTATIONS, fragments, git_tokens, plain_tokens

from memdie_audit.cli import main

# MEMDIE_FUZZ_SEEDS=100:400 explores other seeds (by hand; CI runs the defaults).
_FIRST, _, _LAST = os.environ.get("MEMDIE_FUZZ_SEEDS", "").partition(":")
TREE_SEEDS = range(int(_FIRST or 0), int(_LAST or 48))
MBOX_SEEDS = range(int(_FIRST or 0), int(_LAST or 40))
SYMBOLS = ("TIF_MEMDIE", "TIF_MEMDIE", "TIF_MEMDIE", "TIF_SIGPENDING", "TIF_NEED_RESCHED")
# Seeds that find a known bug: seed -> reason (the bug's own test is below).
KNOWN_TREE_FAILURES: dict[int, str] = {}
KNOWN_MBOX_FAILURES: dict[int, str] = {}

RUNS: Counter[str] = Counter()  # generated inputs run, by mode, for the summary line
STATUSES: Counter[tuple[str, int]] = Counter()


@pytest.fixture(scope="module")
def pristine(kernel):
    """The shared fixture kernel (the clean series is the one mailed); only
    ever cloned or read."""
    return kernel


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    print(f"\nfuzz inputs run: {sum(RUNS.values())} {dict(sorted(RUNS.items()))}; "
          f"statuses: {dict(sorted(STATUSES.items()))}")


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private TMPDIR, to see what a run leaves behind."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return scratch


def run_cli(capsys, mode: str, args: list[str], problems: list[str]) -> tuple[int, dict | None]:
    """Run main() in-process; record anything a user must never see."""
    RUNS[mode] += 1
    try:
        status = main([*args, "--format", "json"] if "--format" not in args else args)
    except BaseException as err:  # main() must never raise
        capsys.readouterr()
        problems.append(f"{mode}: main() raised {type(err).__name__}: {err}")
        return -1, None
    out, err = capsys.readouterr()
    STATUSES[mode, status] += 1
    if status not in (0, 1, 2):
        problems.append(f"{mode}: exit status {status}")
    if "Traceback" in err or err.count("\n") > 1:
        problems.append(f"{mode}: stderr is not one line: {err[:300]!r}")
    if status == 2 and not err.startswith("memdie-audit: error: "):
        problems.append(f"{mode}: status 2 without its error line: {err[:300]!r}")
    report = None
    if status in (0, 1) and "--format" not in args:
        try:
            report = json.loads(out)
        except ValueError as bad:
            problems.append(f"{mode}: output is not JSON: {bad}")
    return status, report


def compare(mode: str, report: dict | None, expected: set[tuple[str, int, int]],
            problems: list[str]) -> None:
    if report is None:
        return
    if report["occurrences"] is None:
        # Not computed: only for a series that cannot touch the flag.
        if set(report["intent"].values()) != {"untouched"}:
            problems.append(f"{mode}: no occurrences, though the intent is {report['intent']}")
        return
    got = {(o["path"], o["line"], o["column"]) for o in report["occurrences"]}
    if got != expected:
        problems.append(f"{mode}: occurrences differ from git grep -w: "
                        f"missing {sorted(expected - got)[:5]}, extra {sorted(got - expected)[:5]}")
    if report["summary"]["occurrences"] != len(report["occurrences"]):
        problems.append(f"{mode}: summary.occurrences is not the number of occurrences")


# --- damage to a tree -----------------------------------------------------------------------


class Damage:
    """Mutations of a clone, each logged so a failure names what was done."""

    def __init__(self, repo: Path, rng: random.Random) -> None:
        self.repo, self.rng = repo, rng
        self.log: list[str] = []
        self.gitlinks: list[tuple[str, str]] = []
        self.counter = 0

    def tracked(self) -> list[str]:
        return [p for p in git(self.repo, "ls-files", "-z").split("\0")
                if p and (self.repo / p).is_file() and not (self.repo / p).is_symlink()]

    def target(self) -> str:
        """A file worth damaging: usually a flag header or a file that uses the flag."""
        files = self.tracked()
        hot = [p for p in files if "thread_info" in p or p.endswith((".S", ".c")) and (
            b"TIF_" in (self.repo / p).read_bytes())]
        return self.rng.choice(hot if hot and self.rng.random() < 0.85 else files)

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def content(self) -> None:
        path = self.target()
        mutation = self.rng.choice(FILE_MUTATIONS)
        full = self.repo / path
        full.write_bytes(mutation(self.rng, full.read_bytes()))
        self.log.append(f"{mutation.__name__} {path}")

    def binary_file(self) -> None:
        path = self.rng.choice([self.fresh("arch/x86/kernel/blob") + ".bin",
                                self.fresh("mm/blob") + ".c",
                                self.fresh("arch/arm/include/asm/thread_info_blob") + ".h"])
        data = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(10, 3000)))
        data = data[:5] + b"\x00TIF_MEMDIE\x00_TIF_MEMDIE(" + data[5:] + b"\xff\xfe TIF_MEMDIE"
        self.write(path, data)
        self.log.append(f"binary {path}")

    def symlink(self) -> None:
        files = self.tracked()
        source = self.rng.choice([p for p in files if "thread_info" in p])
        choice = self.rng.randrange(3)
        if choice == 0:  # a new flag-header path that is a link
            link = self.repo / source.replace("thread_info", self.fresh("thread_info_link"))
            os.symlink(os.path.basename(source), link)
        elif choice == 1:  # a file that uses the flag turns into a link
            link = self.repo / self.target()
            link.unlink()
            os.symlink("../TIF_MEMDIE.h", link)
        else:  # a link whose target text holds the flag, to nowhere
            link = self.repo / self.fresh("mm/TIF_MEMDIE-link")
            os.symlink("TIF_MEMDIE _TIF_MEMDIE", link)
        self.log.append(f"symlink {link.relative_to(self.repo)}")

    def rename(self) -> None:
        old = self.target()
        arch = self.rng.choice(["x86", "arm", "fuzzarch", "sparc"])
        new = self.rng.choice([f"arch/{arch}/include/asm/{self.fresh('thread_info_moved')}.h",
                               f"mm/{self.fresh('moved')}.c", f"{old}.orig",
                               f"Documentation/{self.fresh('moved')}.txt"])
        (self.repo / new).parent.mkdir(parents=True, exist_ok=True)
        git(self.repo, "mv", old, new)
        self.log.append(f"rename {old} -> {new}")

    def mode_change(self) -> None:
        path = self.target()
        (self.repo / path).chmod(0o755)
        self.log.append(f"chmod +x {path}")

    def delete(self) -> None:
        path = self.target()
        (self.repo / path).unlink()
        self.log.append(f"delete {path}")

    def kconfig(self) -> None:
        arch = self.rng.choice(["x86", "arm", "riscv", "sparc"])
        path = self.repo / "arch" / arch / "Kconfig"
        text = path.read_bytes() if path.exists() else b""
        if b"HAVE_GENERIC_TIF_BITS" in text:
            text = text.replace(b"select HAVE_GENERIC_TIF_BITS", b"# no generic bits")
        else:
            text += b"config X86\n\tselect HAVE_GENERIC_TIF_BITS\n"
        self.write(str(path.relative_to(self.repo)), text)
        self.log.append(f"kconfig {arch}")

    def odd_paths(self) -> None:
        body = b"void f(void)\n{\n\tclear_thread_flag(TIF_MEMDIE);\n}\n" + fragments(self.rng, 10)
        path = self.rng.choice(["mm/space name.c", "arch/x86/include/asm/thread_info.h.d/x.h",
                                "-rf.c", "arch/x86/include/asm/thread_info_empty.h"])
        self.write(path, b"" if "empty" in path else body)
        self.log.append(f"odd path {path}")

    def submodule(self) -> None:
        """A gitlink, added to the index of the last commit only (git add -A
        would stage its removal, the work tree having no repository there)."""
        sha = self.rng.choice([git(self.repo, "rev-parse", "master").strip(), "1" * 40])
        path = self.rng.choice(["drivers/fuzz-sub", "arch/x86/include/asm/thread_info_sub.h",
                                "mm/TIF_MEMDIE"])
        self.gitlinks.append((sha, path))
        self.log.append(f"gitlink {path} -> {sha[:8]}")

    def write(self, path: str, data: bytes) -> None:
        full = self.repo / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(data)

    def commit(self, message: str) -> None:
        git(self.repo, "add", "-A")
        for sha, path in self.gitlinks:
            git(self.repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},{path}")
        git(self.repo, "commit", "-q", "--allow-empty", "--no-verify", "-m", message)


STRUCTURAL: tuple[Callable[[Damage], None], ...] = (
    Damage.binary_file, Damage.symlink, Damage.rename, Damage.mode_change, Damage.delete,
    Damage.kconfig, Damage.odd_paths)


def damaged_clone(pristine, root: Path, seed: int) -> tuple[Path, Damage]:
    """A clone with 1-3 damaging commits on branch scratch, and maybe more
    damage left uncommitted in the work tree."""
    rng = random.Random(seed)
    repo = root / "linux"
    subprocess.run(["git", "clone", "-q", str(pristine.path), str(repo)], check=True)
    git(repo, "checkout", "-q", "-b", "scratch")
    damage = Damage(repo, rng)
    commits = rng.randint(1, 3)
    for number in range(commits):
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.6:
                damage.content()
            else:
                rng.choice(STRUCTURAL)(damage)
        if number == commits - 1 and rng.random() < 0.25:
            damage.submodule()
        damage.commit(f"fuzz {seed}.{number}: {'; '.join(damage.log[-3:])}")
    if rng.random() < 0.5:
        damage.content()
        damage.log.append("(uncommitted)")
    return repo, damage


def plain_copy(repo: Path, root: Path, rng: random.Random) -> Path:
    """The scratch commit as a tarball would unpack it, plus symlink loops."""
    plain = root / "plain"
    plain.mkdir()
    archive = subprocess.run(["git", "-C", str(repo), "archive", "scratch"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(plain)], input=archive, check=True)
    os.symlink("loop", plain / "loop")
    os.symlink("../..", plain / "arch" / "up")
    os.symlink("b", plain / "mm" / "a")
    os.symlink("a", plain / "mm" / "b")
    if rng.random() < 0.5:
        (plain / "kernel" / "fifo-TIF_MEMDIE").unlink(missing_ok=True)
        os.mkfifo(plain / "kernel" / "fifo-TIF_MEMDIE")
    return plain


def links_in(repo: Path, rev: str) -> set[str]:
    """Paths of symlinks and gitlinks in a commit: git grep reads neither."""
    out = git(repo, "ls-tree", "-r", "-z", rev)
    return {entry.split("\t", 1)[1] for entry in out.split("\0")
            if entry.startswith(("120000 ", "160000 "))}


def same_tree(mode: str, report: dict | None, plain: dict | None, links: set[str],
              problems: list[str]) -> None:
    """One commit read two ways gives one inventory: ``report`` against the
    plain copy's (symlinks and gitlinks are no flag headers in either)."""
    if report is None or plain is None or report["occurrences"] is None:
        return  # no inventory: a series that cannot touch the flag (checked in compare)
    tables = report["flag_tables"]
    if tables != plain["flag_tables"]:
        problems.append(f"{mode}: flag tables differ from the plain copy's: "
                        f"{[t['path'] for t in tables if t not in plain['flag_tables']][:3]} vs "
                        f"{[t['path'] for t in plain['flag_tables'] if t not in tables][:3]}")
    if report["occurrences"] != plain["occurrences"]:
        extra = [o for o in report["occurrences"] if o not in plain["occurrences"]]
        problems.append(f"{mode}: occurrences differ from the plain copy's: {extra[:3]}")
    if report["mode"] == "tree" and report["findings"] != plain["findings"]:
        problems.append(f"{mode}: findings differ from the plain copy's")


@pytest.mark.parametrize("seed", [
    pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=KNOWN_TREE_FAILURES[s]))
    if s in KNOWN_TREE_FAILURES else s for s in TREE_SEEDS])
def test_damaged_tree(pristine, tmp_path: Path, scratch_tmp: Path, capsys, seed: int) -> None:
    repo, damage = damaged_clone(pristine, tmp_path, seed)
    rng = random.Random(seed + 1000)
    symbol = rng.choice(SYMBOLS)
    common = ["--symbol", symbol]
    problems: list[str] = []
    at_head = git_tokens(repo, "scratch", symbol)
    reports = {}

    _, report = run_cli(capsys, "worktree", [str(repo), *common], problems)
    compare("worktree", report, git_tokens(repo, None, symbol), problems)
    if not git(repo, "status", "--porcelain", "--untracked-files=no"):
        reports["worktree"] = report  # nothing uncommitted: the same tree as scratch

    status, reports["rev"] = run_cli(capsys, "rev", [str(repo), "--rev", "scratch", *common],
                                     problems)
    compare("rev", reports["rev"], at_head, problems)
    fmt = rng.choice(["text", "sarif", "html"])
    written = tmp_path / f"report.{fmt}"
    other, _ = run_cli(capsys, f"rev-{fmt}", [str(repo), "--rev", "scratch", *common, "--format",
                                              fmt, "-o", str(written)], problems)
    if other != status or status in (0, 1) and not written.read_text(encoding="utf-8"):
        problems.append(f"rev-{fmt}: status {other} (json: {status}) or an empty report")

    status, reports["series"] = run_cli(capsys, "series", [str(repo), "--series",
                                                           "master..scratch", *common], problems)
    compare("series", reports["series"], at_head, problems)

    # The same damaged commits, mailed: binary patches, symlinks, gitlinks, CRLF, NULs.
    mailed = tmp_path / "series.mbx"
    mailed.write_bytes(demo_tree.format_patch(repo, git(repo, "rev-parse", "master").strip(),
                                              "scratch"))
    # state() runs git status, which may rewrite an index whose entries are
    # racily clean (a same-size edit in the second of the commit): settle it first.
    state(repo)
    before = state(repo)
    by_mail, reports["mbox-of-series"] = run_cli(
        capsys, "mbox-of-series", [str(repo), "--mbox", str(mailed), *common], problems)
    compare("mbox-of-series", reports["mbox-of-series"], at_head, problems)
    if by_mail != status:
        problems.append(f"mbox-of-series: status {by_mail}, --series gave {status}")
    if state(repo) != before:
        problems.append("mbox-of-series: the repository changed")
    if any(scratch_tmp.iterdir()):
        problems.append(f"mbox-of-series: left in TMPDIR: {list(scratch_tmp.iterdir())}")

    plain = plain_copy(repo, tmp_path, rng)
    _, at_plain = run_cli(capsys, "plain", [str(plain), *common], problems)
    compare("plain", at_plain, plain_tokens(plain, symbol), problems)
    links = links_in(repo, "scratch")
    for mode, report in reports.items():
        same_tree(mode, report, at_plain, links if mode == "rev" else set(), problems)
    assert not problems, "\n".join([f"seed {seed}: " + "; ".join(damage.log), *problems])


# --- damage to a mailed series ---------------------------------------------------------------


@pytest.fixture(scope="module")
def mailed(pristine) -> bytes:
    return demo_tree.format_patch(pristine.path, pristine.base, pristine.heads["clean"])


@pytest.fixture(scope="module")
def pristine_state(pristine) -> str:
    return state(pristine.path)


@pytest.mark.parametrize("seed", [
    pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MBOX_FAILURES[s]))
    if s in KNOWN_MBOX_FAILURES else s for s in MBOX_SEEDS])
def test_damaged_mbox(pristine, mailed: bytes, pristine_state: str, scratch_tmp: Path,
                      tmp_path: Path, capsys, seed: int) -> None:
    rng = random.Random(seed)
    data, log = mailed, []
    for _ in range(rng.randint(1, 3)):
        mutation = rng.choice(MBOX_MUTATIONS)
        data = mutation(rng, data) if data else data
        log.append(mutation.__name__)
    target = tmp_path / "damaged.mbx"
    target.write_bytes(data)
    extra = ["--base", "master"] if rng.random() < 0.3 else []
    problems: list[str] = []
    status, report = run_cli(capsys, "mbox", [str(pristine.path), "--mbox", str(target), *extra],
                             problems)
    if report is not None and report["mode"] != "series":
        problems.append(f"mbox: mode {report['mode']}")
    if state(pristine.path) != pristine_state:
        problems.append("mbox: the repository changed")
    left = sorted(p.name for p in scratch_tmp.iterdir() if p.name.startswith("memdie-audit-"))
    if left:
        problems.append(f"mbox: left behind in TMPDIR: {left}")
    assert not problems, "\n".join([f"seed {seed}: {log} {extra}", *problems])


def test_the_undamaged_mbox_audits(pristine, mailed: bytes, scratch_tmp: Path, tmp_path: Path,
                                   capsys) -> None:
    """The mutations start from a series that audits: damage is what fails."""
    target = tmp_path / "clean.mbx"
    target.write_bytes(mailed)
    problems: list[str] = []
    status, report = run_cli(capsys, "mbox", [str(pristine.path), "--mbox", str(target)],
                             problems)
    assert (status, problems) == (0, [])
    assert len(report["commits"]) == 4
    assert {(o["path"], o["line"], o["column"]) for o in report["occurrences"]} == \
        git_tokens(pristine.path, pristine.heads["clean"], "TIF_MEMDIE")


# --- regressions found by the generators ---------------------------------------------------


@pytest.mark.parametrize("define", [b"#define TIF_MEMDIE\t08\n",
                                    b"#define TIF_MEMDIE 3\n#define _TIF_MEMDIE BIT(-1)\n"])
def test_header_with_values_c_rejects_is_audited(tmp_path: Path, capsys, define: bytes) -> None:
    header = tmp_path / "arch" / "x86" / "include" / "asm" / "thread_info.h"
    header.parent.mkdir(parents=True)
    header.write_bytes(define)
    problems: list[str] = []
    status, _ = run_cli(capsys, "regression", [str(tmp_path)], problems)
    assert status in (0, 1) and problems == []


HEADER = b"#define TIF_MEMDIE 4\n#define _TIF_MEMDIE (1 << TIF_MEMDIE)\n"
USER = b"void f(void)\n{\n\tclear_thread_flag(TIF_MEMDIE);\n}\n"


def test_series_forgets_the_table_of_a_deleted_header(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", {"arch/a/include/asm/thread_info.h": HEADER,
                                      "arch/b/include/asm/thread_info.h": HEADER,
                                      "mm/oom_kill.c": USER})
    git(repo, "rm", "-q", "arch/b/include/asm/thread_info.h")
    commit_all(repo, "drop arch b's header")
    problems: list[str] = []
    _, series = run_cli(capsys, "regression", [str(repo), "--series", "HEAD~1..HEAD"], problems)
    _, tree = run_cli(capsys, "regression", [str(repo), "--rev", "HEAD"], problems)
    assert problems == []
    assert [t["path"] for t in series["flag_tables"]] == [t["path"] for t in tree["flag_tables"]]


def test_rev_reads_no_symlink_or_gitlink_as_a_flag_header(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", {"arch/a/include/asm/thread_info.h": HEADER,
                                      "mm/oom_kill.c": USER})
    os.symlink("thread_info.h", repo / "arch/a/include/asm/thread_info_32.h")
    commit_all(repo, "a link")
    git(repo, "update-index", "--add", "--cacheinfo",
        f"160000,{git(repo, 'rev-parse', 'HEAD').strip()},arch/a/include/asm/thread_info_64.h")
    git(repo, "commit", "-q", "-m", "a gitlink")
    problems: list[str] = []
    _, at_rev = run_cli(capsys, "regression", [str(repo), "--rev", "HEAD"], problems)
    _, at_work = run_cli(capsys, "regression", [str(repo)], problems)
    assert problems == []
    assert [t["path"] for t in at_rev["flag_tables"]] == \
        [t["path"] for t in at_work["flag_tables"]] == ["arch/a/include/asm/thread_info.h"]


def test_plain_reference_agrees_with_git_grep(pristine, tmp_path: Path) -> None:
    """The word rule used for plain copies finds what git grep -w finds."""
    plain = tmp_path / "plain"
    plain.mkdir()
    archive = subprocess.run(["git", "-C", str(pristine.path), "archive", pristine.base],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(plain)], input=archive, check=True)
    for symbol in ("TIF_MEMDIE", "TIF_SIGPENDING"):
        assert plain_tokens(plain, symbol) == git_tokens(pristine.path, pristine.base, symbol)
        assert plain_tokens(plain, symbol) == git_tokens(plain, None, symbol, no_index=True)
