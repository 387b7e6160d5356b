"""The bugs cross-arch flag series ship where references and roles are
concerned (work-mask, dead-guard, pasted names, asm-offsets masks): each
case of ``data/bugs/refs/`` is a small series whose audit must give
exactly its expected findings; every bug has a clean twin that gives none."""

from __future__ import annotations

from pathlib import Path

import pytest

from memdie_audit.api import audit_series, audit_tree
from memdie_audit.demo_tree.bug_series_refs import BuiltCase, build_case, case_names, case_spec
from memdie_audit.kernel.paths import arch_of


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltCase]:
    root = tmp_path_factory.mktemp("refs")
    return {name: build_case(root / name, name) for name in case_names()}


@pytest.mark.parametrize("name", case_names())
def test_series_gives_exactly_its_findings(cases: dict[str, BuiltCase], name: str) -> None:
    case = cases[name]
    audit = audit_series(case.path, case.revrange, case.spec.symbol or (), cache=False,
                         changed="--changed-flags" in case.spec.args,
                         **({"intent": case.spec.intent} if case.spec.intent else {}))
    assert sorted((f.rule, f.path, f.line) for f in audit.findings) == sorted(case.spec.expected)
    if case.spec.intents is not None:
        assert audit.intent == case.spec.intents


def test_every_bug_has_a_clean_twin() -> None:
    """``<family>-<bug>`` is judged beside ``<family>-clean``, which expects nothing."""
    names = case_names()
    for name in names:
        family = name.rsplit("-", 1)[0]
        assert f"{family}-clean" in names, name
        assert bool(case_spec(name).expected) == (not name.endswith("-clean")), name


def test_work_mask_of_a_tree_names_the_arches_that_hold_the_flag(
        cases: dict[str, BuiltCase]) -> None:
    case = cases["work-mask-forgotten"]
    audit = audit_tree(case.path, "TIF_TASK_WORK", rev=case.head, cache=False)
    by_path = {f.path: f for f in audit.findings if f.rule == "work-mask"}
    alpha = by_path["arch/alpha/include/asm/thread_info.h"]
    assert alpha.arch == "alpha" and list(alpha.arches) == ["arm", "mips", "powerpc", "sh"]
    assert "_TIF_WORK_MASK of alpha leaves out TIF_TASK_WORK" in alpha.message
    assert by_path["arch/mips/kernel/entry.S"].line == 8


def test_work_mask_is_silent_where_no_flag_is_new(cases: dict[str, BuiltCase]) -> None:
    """The signal flags themselves, and a flag no exit mask holds, give nothing."""
    case = cases["work-mask-forgotten"]
    for flag in ("TIF_SIGPENDING", "TIF_SYSCALL_TRACE", "TIF_SINGLESTEP"):
        audit = audit_tree(case.path, flag, rev=case.head, cache=False)
        assert not [f for f in audit.findings if f.rule == "work-mask"], flag


def test_user_mode_linux_builds_its_x86_half() -> None:
    assert arch_of("arch/x86/um/signal.c") == "um"
    assert arch_of("arch/x86/kernel/signal.c") == "x86"
    assert arch_of("arch/um/kernel/process.c") == "um"


def test_dead_guard_carries_the_leftover_uses_it_replaces(cases: dict[str, BuiltCase]) -> None:
    case = cases["dead-guard-left"]
    audit = audit_series(case.path, case.revrange, "TIF_POLLWAIT", cache=False)
    um = next(f for f in audit.findings if f.path == "arch/x86/um/signal.c")
    assert "lines 6-7" in um.message and "(um)" in um.message
    assert any(r.message.startswith("leftover-use") for r in um.related)


def test_a_flag_whose_header_changes_around_it_is_untouched(cases: dict[str, BuiltCase]) -> None:
    """The series adds TIF_TASK_WORK to headers that also define TIF_SINGLESTEP."""
    case = cases["work-mask-forgotten"]
    audit = audit_series(case.path, case.revrange, "TIF_SINGLESTEP", cache=False)
    assert audit.intent == {"TIF_SINGLESTEP": "untouched"} and audit.findings == []


def test_a_pasted_call_is_a_use_that_names_its_macro(cases: dict[str, BuiltCase]) -> None:
    case = cases["pasted-name-clean"]
    audit = audit_tree(case.path, "TIF_SYSCALL_TAPE", rev=case.head, cache=False)
    pasted = [o for o in audit.head.all_occurrences() if o.via]
    assert sorted((o.path, o.line, o.via, o.guarded) for o in pasted) == [
        ("kernel/ptrace_tape.c", 7, "set_syscall_work", True),
        ("kernel/tape.c", 6, "test_syscall_work", False)]
    assert all(o.unless == {"GENERIC_ENTRY"} for o in pasted)
    assert audit.findings == []


def test_changed_flags_and_the_fast_path_see_a_pasted_call(cases: dict[str, BuiltCase],
                                                           tmp_path: Path) -> None:
    """A series whose only change is a call of a pasting macro changes that flag."""
    import shutil
    import subprocess

    from memdie_audit.kernel.changed import changed_flags
    from memdie_audit.sources.commits import touches_flag

    repo = tmp_path / "pasted"
    shutil.copytree(cases["pasted-name-clean"].path, repo)
    (repo / "kernel" / "step.c").write_text(
        "void step(void)\n{\n\tif (test_syscall_work(SINGLESTEP))\n\t\treturn;\n}\n")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "step"], check=True)
    assert changed_flags(repo, "HEAD~1", "HEAD") == ["TIF_SINGLESTEP"]
    assert touches_flag(repo, "HEAD~1", "HEAD", "TIF_SINGLESTEP")
    assert not touches_flag(repo, "HEAD~1", "HEAD", "TIF_SIGPENDING")


def test_json_and_text_name_the_pasting_macro(cases: dict[str, BuiltCase], capsys) -> None:
    import json

    import jsonschema

    from memdie_audit.cli import main

    case = cases["pasted-name-clean"]
    assert main([str(case.path), "--rev", case.head, "--symbol", "TIF_SYSCALL_TAPE",
                 "--format", "json", "--no-cache"]) == 0
    report = json.loads(capsys.readouterr().out)
    via = [o for o in report["occurrences"] if "via" in o]
    assert [(o["path"], o["via"]) for o in via] == [
        ("kernel/ptrace_tape.c", "set_syscall_work"), ("kernel/tape.c", "test_syscall_work")]
    schema = json.loads((Path(__file__).parents[1] / "memdie_audit" / "schema"
                         / "audit.schema.json").read_text())
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert main([str(case.path), "--rev", case.head, "--symbol", "TIF_SYSCALL_TAPE",
                 "--no-cache"]) == 0
    assert "(through test_syscall_work)" in capsys.readouterr().out


def test_changed_flags_takes_no_composite_mask_for_a_flag(cases: dict[str, BuiltCase],
                                                          tmp_path: Path) -> None:
    """A new use of a composite mask whose name is no bit's is no flag; a
    new test of a flag no header defines is one (the break to report)."""
    import shutil
    import subprocess

    from memdie_audit.kernel.changed import changed_flags

    repo = tmp_path / "composite"
    shutil.copytree(cases["work-mask-clean"].path, repo)
    header = repo / "arch" / "arm" / "include" / "asm" / "thread_info.h"
    composite = "#define _TIF_WORK_SYSCALL\t(_TIF_SYSCALL_TRACE)\n\n"
    header.write_text(header.read_text().replace("#endif /* _ASM_ARM",
                                                 composite + "#endif /* _ASM_ARM"))
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", "arm: a composite"], check=True)
    (repo / "kernel" / "exit.c").write_text(
        "int f(unsigned long flags)\n{\n\treturn (flags & _TIF_WORK_SYSCALL) ||\n"
        "\t\ttest_thread_flag(TIF_LONG_GONE) || (flags & _TIF_ALLWORK_MASK);\n}\n")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "exit"], check=True)
    assert changed_flags(repo, "HEAD~1", "HEAD") == ["TIF_LONG_GONE"]
