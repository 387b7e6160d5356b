"""The fixture builder itself: the tree has the kernel's shape, the base is
consistent, every series variant carries the flaw it promises, and building
is quick and reproducible.

A small independent reader of flag headers (``_flag_table``) checks the bit
layouts, so these tests do not lean on the analyzer they exist to test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import demo_tree

from memdie_audit.demo_tree import (
    SERIES,
    Expect,
    SeriesSpec,
)

# The benchmark padding lives with the benchmarks, outside the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from padding import pad_tree  # noqa: E402

SYM = ("TIF_MEMDIE", "_TIF_MEMDIE")
GENERIC = "include/asm-generic/thread_info_tif.h"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def grep_hits(repo: Path, rev: str | None = None) -> list[str]:
    """``path:line:text`` of every ``git grep -w`` hit of the symbol."""
    args = ["grep", "-n", "-I", "-w", "-e", SYM[0], "-e", SYM[1]] + ([rev] if rev else [])
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          errors="replace")
    out = proc.stdout.splitlines()
    return [line.split(":", 1)[1] for line in out] if rev else out


def show(repo: Path, rev: str, path: str) -> str:
    return git(repo, "show", f"{rev}:{path}")


@pytest.fixture(scope="module")
def repo(kernel) -> demo_tree.FixtureRepo:
    """The session's shared build, every variant: these tests only read it."""
    return kernel


# -- an independent reader of flag headers ------------------------------------

_DEFINE = re.compile(r"^#\s*define\s+(_?TIF_\w+)\s+(.*)$")
# (1<<TIF_X), +(1 << TIF_X), (1UL << TIF_X), BIT(TIF_X), _BITUL(TIF_X), (_AC(1,UL) << TIF_X)
_SHIFT = re.compile(
    r"^\+?\(?\s*(?:1U?L?\s*<<|BIT\(|_BITUL\(|\(_AC\(1,\s*UL\)\s*<<)\s*(TIF_\w+)\)*$")


def _flag_table(text: str) -> tuple[dict, dict]:
    """(bits, masks): name -> list of (value, context); context is a tuple of
    (block id, branch) pairs, so exclusive #if/#else arms can be told apart."""
    bits: dict[str, list] = {}
    masks: dict[str, list] = {}
    stack: list[list[int]] = []
    blocks = 0
    lines = text.replace("\\\n", " ").splitlines()
    for raw in lines:
        line = re.sub(r"/\*.*?\*/|//.*$", "", raw).strip()
        if re.match(r"#\s*if", line):
            blocks += 1
            stack.append([blocks, 0])
        elif re.match(r"#\s*(else|elif)", line):
            stack[-1][1] += 1
        elif re.match(r"#\s*endif", line):
            stack.pop()
        elif m := _DEFINE.match(line):
            name, value = m.group(1), m.group(2).strip()
            ctx = tuple(tuple(s) for s in stack)
            if name.startswith("TIF_") and re.fullmatch(r"0x[0-9a-fA-F]+|\d+", value) \
                    and not name.endswith("MASK"):
                bits.setdefault(name, []).append((int(value, 0), ctx))
            elif name.startswith("_TIF_") and (s := _SHIFT.match(value)):
                masks.setdefault(name, []).append((s.group(1), ctx))
    return bits, masks


def _exclusive(a: tuple, b: tuple) -> bool:
    return any(x[0] == y[0] and x[1] != y[1] for x, y in zip(a, b, strict=False))


def _problems(text: str, width: int) -> list[str]:
    bits, masks = _flag_table(text)
    out = []
    flat = [(n, v, c) for n, defs in bits.items() for v, c in defs]
    for i, (n1, v1, c1) in enumerate(flat):
        if v1 >= width:
            out.append(f"bit-range {n1}={v1}")
        for n2, v2, c2 in flat[i + 1:]:
            if v1 == v2 and not _exclusive(c1, c2):
                out.append(f"duplicate-bit {n1}/{n2}={v1}")
    for mask, defs in masks.items():
        for shifted, _ in defs:
            if shifted != mask[1:]:
                out.append(f"mask-mismatch {mask}<<{shifted}")
    return out


# -- the base tree ------------------------------------------------------------

def test_tree_has_a_flag_header_per_arch(repo: demo_tree.FixtureRepo) -> None:
    headers = git(repo.path, "ls-files", "arch/*/include/asm/thread_info*.h").split()
    with_bits = [h for h in headers if _flag_table((repo.path / h).read_text())[0]]
    assert len(with_bits) >= 30
    assert "arch/sparc/include/asm/thread_info_32.h" in with_bits
    assert "arch/sparc/include/asm/thread_info_64.h" in with_bits
    assert "arch/sparc/include/asm/thread_info.h" not in with_bits  # dispatch only
    assert len(headers) == 33  # as in Linux 4.9: 31 arches, sparc's three
    assert not (repo.path / GENERIC).exists()  # the generic bits came years after 4.9
    assert all((repo.path / f"arch/{a}/Kconfig").is_file() for a in repo.arches)


def test_grep_finds_the_flag_everywhere_the_real_tree_has_it(repo: demo_tree.FixtureRepo) -> None:
    tops = {hit.split("/", 1)[0] for hit in grep_hits(repo.path)}
    assert {"mm", "kernel", "arch", "Documentation", "fs", "include"} <= tops
    files = set(git(repo.path, "grep", "-l", "-w", "-e", SYM[0], "-e", SYM[1]).split())
    total = len(git(repo.path, "ls-files").split())
    assert len(files) / total < 0.15  # candidates are a small fraction


def test_arch_facts_match_the_headers(repo: demo_tree.FixtureRepo) -> None:
    # The arches of 4.9, each on its own header: riscv, loongarch and the
    # generic TIF bits came later (the modern era has them).
    assert len(repo.arches) == 31 and not {"riscv", "loongarch"} & set(repo.arches)
    assert not [a for a, f in repo.arches.items() if f.generic_bits]
    for arch, facts in repo.arches.items():
        kconfig = (repo.path / f"arch/{arch}/Kconfig").read_text()
        assert ("select HAVE_GENERIC_TIF_BITS" in kconfig) == facts.generic_bits
        for path, bit in facts.memdie_bit.items():
            assert _flag_table((repo.path / path).read_text())[0]["TIF_MEMDIE"][0][0] == bit
        own = [h for h in facts.headers if h != GENERIC]
        defines_own = any("TIF_MEMDIE" in _flag_table((repo.path / h).read_text())[0] for h in own)
        assert defines_own != facts.generic_bits, arch
    with_mask = {a for a, f in repo.arches.items() if f.has_mask and not f.generic_bits}
    assert with_mask == {"arc", "avr32", "tile", "um"}
    assert repo.arches["x86"].memdie_bit == {"arch/x86/include/asm/thread_info.h": 20}
    assert repo.arches["ia64"].flags_width == 32


def test_every_mask_idiom_and_layout_quirk_is_present(repo: demo_tree.FixtureRepo) -> None:
    text = "\n".join((repo.path / h).read_text() for a in repo.arches.values() for h in a.headers)
    for idiom in (r"\(1<<TIF_", r"\(1 << TIF_", r"\+\(1 << TIF_", r"\(1UL << TIF_",
                  r"\bBIT\(TIF_", r"_BITUL\(TIF_",
                  r"#define TIF_\w+\s+0x[0-9a-f]+",  # hex bit numbers
                  r"#define TIF_WORK_MASK",  # composite without the underscore
                  r"& ~\(", r"0x[0-9A-Fa-f]+ &\s*\\\n", r"#if defined\(CONFIG_", r"#ifdef CONFIG_",
                  r"#define TIF_32BIT TIF_32BIT_REGS", r"____cacheline_aligned_in_smp",
                  r"__u32 flags;", r"unsigned int\s+flags;", r"/\* [^*\n]+\n\s+\* [^\n]*\*/"):
        assert re.search(idiom, text), idiom


def test_base_tree_is_consistent(repo: demo_tree.FixtureRepo) -> None:
    shared = 0
    for facts in repo.arches.values():
        texts = {h: (repo.path / h).read_text() for h in facts.headers}
        for header, text in texts.items():
            assert _problems(text, facts.widths.get(header, 32)) == [], header
            bits = _flag_table(text)[0]
            values = [v for defs in bits.values() for v, _ in defs]
            shared += len(values) - len(set(values))
        if facts.generic_bits:  # the arch's bits must not overlap the generic ones
            assert _problems("\n".join(texts.values()), facts.flags_width) == []
    assert shared == 1  # powerpc: one bit, two exclusive #if arms


def test_users_sit_in_named_functions_and_parse(repo: demo_tree.FixtureRepo) -> None:
    tree_sitter = pytest.importorskip("tree_sitter")
    tsc = pytest.importorskip("tree_sitter_c")
    parser = tree_sitter.Parser(tree_sitter.Language(tsc.language()))
    api = set()
    for path in git(repo.path, "grep", "-l", "-w", SYM[0], "--", "*.c", "*.h").split():
        data = (repo.path / path).read_bytes()
        assert 30 <= data.count(b"\n") <= 200, path
        api |= set(re.findall(rb"(\w+thread_flag)\((?:[\w()]+, )?TIF_MEMDIE", data))
        tree = parser.parse(data)
        for node in _leaves(tree.root_node):
            if node.text not in (b"TIF_MEMDIE", b"_TIF_MEMDIE"):
                continue
            line = node.start_point[0] + 1
            hostile = path == demo_tree.HOSTILE_PATH and line == demo_tree.hostile_line()
            assert _under_error(node) == hostile, f"{path}:{line}"
            if path.endswith(".c") and not hostile:
                assert _function_of(node), f"{path}:{line} is outside any function"
    assert {b"test_thread_flag", b"test_tsk_thread_flag", b"test_and_set_tsk_thread_flag",
            b"clear_thread_flag", b"set_tsk_thread_flag", b"clear_tsk_thread_flag",
            b"test_ti_thread_flag"} <= api


def _leaves(node: Any) -> Iterator[Any]:
    if node.child_count == 0:
        yield node
    for child in node.children:
        yield from _leaves(child)


def _function_of(node: Any) -> bytes | None:
    while node is not None and node.type != "function_definition":
        node = node.parent
    if node is None:
        return None
    declarator = node.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    return declarator.child_by_field_name("declarator").text if declarator else None


def _under_error(node: Any) -> bool:
    while node is not None:
        if node.type == "ERROR":
            return True
        node = node.parent
    return False


def test_byte_level_quirks(repo: demo_tree.FixtureRepo) -> None:
    freezer = (repo.path / "kernel/freezer.c").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        freezer.decode("utf-8")
    assert b"TIF_MEMDIE" in freezer
    cpuset = (repo.path / "kernel/cpuset.c").read_bytes()
    assert b"TIF_MEMDIE" in cpuset and cpuset.count(b"\r\n") == cpuset.count(b"\n")


def test_assembly_uses_masks_bit_numbers_and_line_comments(repo: demo_tree.FixtureRepo) -> None:
    asm = [h for h in grep_hits(repo.path) if h.split(":", 1)[0].endswith(".S")]
    mask_users = {h.split("/")[1] for h in asm if re.search(r"\b_TIF_MEMDIE\b", h)}
    assert len(mask_users) >= 2
    assert any("#TIF_MEMDIE" in h for h in asm)
    assert any(re.search(r"\t@ .*TIF_MEMDIE", h) for h in asm)  # arm line comment
    assert any(re.search(r"\S\s+# .*TIF_MEMDIE", h) for h in asm)  # x86 '#' after code


def test_write_tree_writes_the_base_commit(repo: demo_tree.FixtureRepo, tmp_path: Path) -> None:
    facts = demo_tree.write_tree(tmp_path)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(git(repo.path, "ls-files").split())
    assert all((tmp_path / p).read_bytes() == (repo.path / p).read_bytes() for p in written)
    assert facts == repo.arches


# -- the series ---------------------------------------------------------------

def test_each_variant_is_a_branch_with_its_commits(repo: demo_tree.FixtureRepo) -> None:
    assert git(repo.path, "rev-parse", "master").strip() == repo.base
    for name, spec in demo_tree.SERIES.items():
        head = git(repo.path, "rev-parse", f"series/{name}").strip()
        assert head == repo.heads[name]
        first_parent = git(repo.path, "rev-list", "--first-parent", "--reverse",
                           repo.revrange(name)).split()
        assert tuple(first_parent) == repo.commits[name]
        subjects = [git(repo.path, "log", "-1", "--format=%s", c).strip() for c in first_parent]
        assert tuple(subjects) == spec.subjects
        merges = git(repo.path, "rev-list", "--merges", repo.revrange(name)).split()
        assert len(merges) == (1 if name == "merge" else 0)
    assert len(demo_tree.SERIES["clean"].subjects) == 4
    assert len(demo_tree.SERIES["flawed"].subjects) == 8


def test_clean_series_leaves_only_the_stale_comment(repo: demo_tree.FixtureRepo) -> None:
    for name in ("clean", "merge", "bisect-break"):
        hits = grep_hits(repo.path, repo.heads[name])
        assert [h.split(":")[0] for h in hits] == [demo_tree.STALE_PATH], name
    base = {h: _flag_table(show(repo.path, repo.base, h))[0] for a in repo.arches.values()
            for h in a.headers}
    for header, bits in base.items():
        after = _flag_table(show(repo.path, repo.heads["clean"], header))[0]
        bits.pop("TIF_MEMDIE", None)
        assert after == bits, header  # the bit is freed, nothing else moves


def test_broken_variants_show_their_flaw(repo: demo_tree.FixtureRepo) -> None:
    def files_at(name: str) -> set[str]:
        return {h.split(":")[0] for h in grep_hits(repo.path, repo.heads[name])}

    sparc64, um = "arch/sparc/include/asm/thread_info_64.h", "arch/um/include/asm/thread_info.h"
    assert files_at("forgot-arch") == {demo_tree.STALE_PATH, sparc64}
    assert files_at("kept-mask") == {demo_tree.STALE_PATH, um}
    assert "#define _TIF_MEMDIE" in show(repo.path, repo.heads["kept-mask"], um)
    assert files_at("reintroduced") == {demo_tree.STALE_PATH, "mm/vmscan.c"}
    assert files_at("asm-only") == {demo_tree.STALE_PATH, "arch/avr32/kernel/entry-avr32b.S"}
    asm_commit = repo.commits["asm-only"][2]
    touched = git(repo.path, "show", "--format=", "--name-only", asm_commit).split()
    assert touched and all(p.endswith(".S") for p in touched)
    assert files_at("flawed") == {demo_tree.STALE_PATH, sparc64, um, "mm/vmscan.c",
                                  "arch/avr32/kernel/entry-avr32b.S"}


def test_bisect_break_deletes_definitions_before_users(repo: demo_tree.FixtureRepo) -> None:
    first, *_, last = repo.commits["bisect-break"]
    at_first = grep_hits(repo.path, first)
    assert not any(re.search(r"#\s*define _?TIF_MEMDIE", h) for h in at_first)
    assert any(h.startswith("mm/") for h in at_first)
    assert [h.split(":")[0] for h in grep_hits(repo.path, last)] == [demo_tree.STALE_PATH]


@pytest.mark.parametrize("name, header, expected", [
    ("duplicate-bit", "arch/x86/include/asm/thread_info.h",
     ["duplicate-bit TIF_POLLING_NRFLAG/TIF_IO_BITMAP=21"]),
    ("flawed", "arch/parisc/include/asm/thread_info.h",
     ["mask-mismatch _TIF_SECCOMP<<TIF_SYSCALL_TRACEPOINT"]),
    ("flawed", "arch/ia64/include/asm/thread_info.h", ["bit-range TIF_RESTORE_RSE=33"]),
])
def test_layout_errors_appear_where_promised(repo: demo_tree.FixtureRepo, name: str, header: str,
                                             expected: list[str]) -> None:
    arch = header.split("/")[1]
    width = repo.arches[arch].widths[header]
    assert _problems(show(repo.path, repo.base, header), width) == []
    assert _problems(show(repo.path, repo.heads[name], header), width) == expected


def test_expectations_name_real_paths_and_commits(repo: demo_tree.FixtureRepo) -> None:
    files = set(git(repo.path, "ls-files").split())
    for name, spec in demo_tree.SERIES.items():
        assert spec.expected and spec.description
        for e in spec.expected:
            assert e.path is None or e.path in files, (name, e)
            assert e.commit is None or 1 <= e.commit <= len(repo.commits[name]), (name, e)
            assert e.arch is None or e.arch in repo.arches


def test_expect_matching_rules(repo: demo_tree.FixtureRepo) -> None:
    shas = repo.commits["flawed"]
    e = demo_tree.Expect("reintroduced", "mm/vmscan.c", None, 5)
    assert e.matches({"rule": "reintroduced", "path": "mm/vmscan.c", "commit": 5})
    assert e.matches({"rule": "reintroduced", "path": "mm/vmscan.c", "commit": shas[4]}, shas)
    assert not e.matches({"rule": "reintroduced", "path": "mm/vmscan.c", "commit": shas[3]}, shas)
    assert not e.matches({"rule": "reintroduced", "path": "mm/vmscan.c", "commit": None})
    leftover = demo_tree.Expect("leftover-use", "mm/vmscan.c", None, 5)
    assert leftover.matches({"rule": "leftover-use", "path": "mm/vmscan.c", "commit": None})
    missing = demo_tree.SERIES["clean"].unmatched([{"rule": "leftover-use",
                                                     "path": demo_tree.STALE_PATH}])
    assert missing == list(demo_tree.SERIES["clean"].expected)


def test_expect_checks_the_window_and_the_arches() -> None:
    e = Expect("bisect-break", "k.c", None, 1, last_bad=1, arches=("m68k", "arm"))
    found = {"rule": "bisect-break", "path": "k.c", "commit": 1, "arches": ["arm", "m68k"],
             "window": {"first": 1, "last": 1}}
    assert e.matches(found)
    assert not e.matches({**found, "window": {"first": 1, "last": 2}})
    assert not e.matches({**found, "window": None})
    assert not e.matches({**found, "arches": ["arm"]})
    assert Expect("bisect-break", "k.c", None, 1).matches({**found, "arches": []})


def test_a_spec_names_one_flag_or_several() -> None:
    one = SeriesSpec("x", "", (), symbol="TIF_SSBD")
    assert (one.symbol, one.symbols) == ("TIF_SSBD", ("TIF_SSBD",))
    both = SeriesSpec("y", "", (), symbols=("TIF_MEMDIE", "TIF_NOTIFY_WORK"))
    assert both.symbol == "TIF_MEMDIE" and replace(both, subjects=("s",)).symbols == both.symbols
    assert SERIES["clean"].symbols == ("TIF_MEMDIE",)


def test_absent_findings_and_no_errors() -> None:
    spec = SeriesSpec("x", "", (), absent=(Expect("dangling-reference", "a.S", None, None),))
    dangling = {"rule": "dangling-reference", "path": "a.S", "severity": "error"}
    elsewhere = {"rule": "dangling-reference", "path": "b.S", "severity": "error"}
    stale = {"rule": "stale-comment", "path": "c.c", "severity": "warning"}
    assert spec.unwanted([dangling, elsewhere, stale]) == [dangling]
    strict = replace(spec, no_errors=True)
    assert strict.unwanted([dangling, elsewhere, stale]) == [dangling, elsewhere]
    assert SERIES["clean"].unwanted([dangling, stale]) == []  # 4.9 specs forbid nothing


# -- building -----------------------------------------------------------------

def test_build_is_reproducible_and_ignores_user_config(
        repo: demo_tree.FixtureRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = tmp_path / "gitconfig"
    hostile.write_text("[core]\n\tautocrlf = true\n[init]\n\tdefaultBranch = trunk\n"
                       "[commit]\n\tgpgsign = true\n")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile))
    again = demo_tree.build_repo(tmp_path / "again")
    assert (again.base, again.heads, again.commits) == (repo.base, repo.heads, repo.commits)
    assert git(again.path, "status", "--porcelain") == ""
    git(again.path, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "later")


def test_extra_files_join_the_base_commit(repo: demo_tree.FixtureRepo, tmp_path: Path) -> None:
    extra = (("drivers/extra/one.c", b"int one;\n"), ("Documentation/extra.txt", b"two\n"))
    padded = demo_tree.build_repo(tmp_path / "padded", series=("clean",), extra_files=iter(extra))
    assert show(padded.path, padded.base, "drivers/extra/one.c") == "int one;\n"
    files = set(git(padded.path, "ls-files").split())
    assert files == set(git(repo.path, "ls-files").split()) | {p for p, _ in extra}
    diff = git(padded.path, "diff", "--name-only", padded.base, padded.heads["clean"])
    assert diff == git(repo.path, "diff", "--name-only", repo.base, repo.heads["clean"])
    with pytest.raises(ValueError, match="already in the demo tree"):
        demo_tree.build_repo(tmp_path / "clash", series=(), extra_files=[("mm/vmscan.c", b"")])


def test_unknown_series_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown series"):
        demo_tree.build_repo(tmp_path / "x", ["no-such-series"])


def test_format_patch_ends_with_base_commit(repo: demo_tree.FixtureRepo) -> None:
    mbox = demo_tree.format_patch(repo.path, repo.base, repo.heads["clean"])
    assert mbox.count(b"\nSubject: [PATCH ") == 4
    assert b"Subject: [PATCH 4/4] arch: get rid of TIF_MEMDIE" in mbox
    assert f"base-commit: {repo.base}".encode() in mbox
    assert demo_tree.format_patch(repo.path, repo.base, repo.heads["clean"]) == mbox


def test_pad_tree_is_deterministic_and_flag_free(tmp_path: Path) -> None:
    pad_tree(tmp_path / "a", files=400, megabytes=2, seed=7)
    pad_tree(tmp_path / "b", files=400, megabytes=2, seed=7)
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*")
         if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*")
         if p.is_file()}
    assert a == b and len(a) == 400
    assert len({p.parent for p in a}) >= 4
    size = sum(map(len, a.values()))
    assert 1.4e6 < size < 2.8e6
    assert not any(re.search(rb"\b_?TIF_MEMDIE\b", data) for data in a.values())
