"""Classification of single tokens, one kernel idiom per case."""

import pytest

from memdie_audit.kernel.model import Kind
from memdie_audit.kernel.occurrences import scan_file


def kinds(path: str, source: str | bytes, symbol: str = "TIF_MEMDIE") -> list[tuple]:
    data = source.encode() if isinstance(source, str) else source
    return [(o.token, o.kind, o.function, o.line, o.column)
            for o in scan_file(path, data, symbol)]


def test_bit_and_mask_definitions_and_the_use_inside_the_mask() -> None:
    found = kinds("arch/arc/include/asm/thread_info.h",
                  "#define TIF_MEMDIE\t16\t/* OOM victim */\n"
                  "#define _TIF_MEMDIE\t(1<<TIF_MEMDIE)\n")
    assert found == [("TIF_MEMDIE", Kind.DEFINITION, None, 1, 9),
                     ("_TIF_MEMDIE", Kind.MASK, None, 2, 9),
                     ("TIF_MEMDIE", Kind.USE, None, 2, 25)]


def test_flag_api_calls_comments_and_strings_inside_a_function() -> None:
    source = (
        "/* callers check TIF_MEMDIE first */\n"
        "static bool victim(struct task_struct *p)\n{\n"
        "\tif (test_tsk_thread_flag(p, TIF_MEMDIE)) // TIF_MEMDIE set\n"
        "\t\tpr_debug(\"TIF_MEMDIE on %d\\n\", p->pid);\n"
        "\treturn unlikely(test_thread_flag(TIF_MEMDIE));\n}\n")
    assert [(t, k, f) for t, k, f, _, _ in kinds("mm/oom_kill.c", source)] == [
        ("TIF_MEMDIE", Kind.COMMENT, None),
        ("TIF_MEMDIE", Kind.USE, "victim"),
        ("TIF_MEMDIE", Kind.COMMENT, "victim"),
        ("TIF_MEMDIE", Kind.STRING, "victim"),
        ("TIF_MEMDIE", Kind.USE, "victim"),
    ]


def test_comment_spanning_lines_after_a_define() -> None:
    found = kinds("arch/x/include/asm/thread_info.h",
                  "#define TIF_MEMDIE 18 /* set for the\n * TIF_MEMDIE victim */\n")
    assert [k for _, k, *_ in found] == [Kind.DEFINITION, Kind.COMMENT]


def test_composite_mask_across_continuation_lines_with_a_comment_inside() -> None:
    source = ("#define _TIF_WORK_MASK (_TIF_SIGPENDING | \\\n"
              "\t_TIF_MEMDIE | /* TIF_MEMDIE too */ \\\n\t0x10)\n")
    found = kinds("arch/x/include/asm/thread_info.h", source)
    assert [(t, k) for t, k, *_ in found] == [("_TIF_MEMDIE", Kind.USE),
                                              ("TIF_MEMDIE", Kind.COMMENT)]


def test_ifdef_of_the_flag_is_a_guarded_use() -> None:
    occurrences = scan_file("kernel/exit.c", b"#ifdef TIF_MEMDIE\nint x;\n#endif\n"
                            b"#if defined(_TIF_MEMDIE)\n#endif\n", "TIF_MEMDIE")
    assert [(o.kind, o.guarded) for o in occurrences] == [(Kind.USE, True), (Kind.USE, True)]
    assert not any(o.is_reference for o in occurrences)


def test_asm_offsets_define_generates_a_definition() -> None:
    source = "void foo(void)\n{\n\tDEFINE(_TIF_MEMDIE, (1 << TIF_MEMDIE));\n}\n"
    found = kinds("arch/c6x/kernel/asm-offsets.c", source)
    assert [(t, k) for t, k, *_ in found] == [("_TIF_MEMDIE", Kind.MASK),
                                              ("TIF_MEMDIE", Kind.USE)]


def test_token_in_c_that_does_not_parse_falls_back_lexically() -> None:
    source = ("int f(void)\n{\n\treturn x ((( ] TIF_MEMDIE ;;; }}} @@\n"
              "/* TIF_MEMDIE in a comment */\n")
    occurrences = scan_file("mm/broken.c", source.encode(), "TIF_MEMDIE")
    assert [(o.kind, o.fallback) for o in occurrences] == [(Kind.USE, True),
                                                           (Kind.COMMENT, False)]


@pytest.mark.parametrize(("arch", "line", "kind"), [
    ("arm", "\ttst\tr1, #_TIF_MEMDIE\t@ TIF_MEMDIE check\n", [Kind.USE, Kind.COMMENT]),
    ("sparc", "\tandcc\t%l0, _TIF_MEMDIE, %g0\t! TIF_MEMDIE\n", [Kind.USE, Kind.COMMENT]),
    ("x86", "\ttestl $_TIF_MEMDIE, %ecx\t# TIF_MEMDIE\n", [Kind.USE, Kind.COMMENT]),
    ("parisc", "\tldi _TIF_MEMDIE, %r1 ; TIF_MEMDIE\n", [Kind.USE, Kind.COMMENT]),
])
def test_assembly_uses_and_the_arch_line_comment(arch: str, line: str, kind: list) -> None:
    path = f"arch/{arch}/kernel/entry.S"
    source = "#include <asm/thread_info.h>\n/* entry: TIF_MEMDIE */\n" + line
    assert [k for _, k, *_ in kinds(path, source)] == [Kind.COMMENT, *kind]


def test_hash_is_an_immediate_on_arm_and_a_directive_in_cpp() -> None:
    source = ("#if defined(CONFIG_X) && !defined(TIF_MEMDIE)\n#endif\n"
              "\ttst r1, #TIF_MEMDIE\n")
    found = kinds("arch/arm/kernel/entry-common.S", source)
    assert [k for _, k, *_ in found] == [Kind.USE, Kind.USE]


def test_docs_and_kconfig_are_doc() -> None:
    assert [k for _, k, *_ in kinds("Documentation/vm/oom.txt", "TIF_MEMDIE marks a victim\n")
            ] == [Kind.DOC]


def test_bytes_that_are_not_utf8_nul_crlf_and_long_lines_lose_nothing() -> None:
    source = (b"/* Author: Fran\xe7ois */\r\n"
              b"int a = \x00 1;\r\n"
              b"static void f(void) { clear_thread_flag(TIF_MEMDIE); }\r\n"
              + b"int b" + b" " * 100_000 + b"= TIF_MEMDIE;\n")
    occurrences = scan_file("mm/odd.c", source, "TIF_MEMDIE")
    assert [(o.line, o.column) for o in occurrences] == [(3, 41), (4, 100_008)]
    assert len(occurrences[1].text) <= 400
    assert "\r" not in occurrences[0].text


def test_word_rule_is_git_greps() -> None:
    source = "int TIF_MEMDIEX, XTIF_MEMDIE, __TIF_MEMDIE, TIF_MEMDIE_2, é TIF_MEMDIE;\n"
    column = source.encode().rindex(b"TIF_MEMDIE") + 1  # columns count bytes, as git's do
    assert [(t, c) for t, _, _, _, c in kinds("mm/w.c", source)] == [("TIF_MEMDIE", column)]


@pytest.mark.parametrize("source", [
    b"void f(void) " + b"{" * 5000 + b" clear_thread_flag(TIF_MEMDIE); " + b"}" * 5000 + b"\n",
    b"int f(void) { return " + b"(" * 5000 + b"TIF_MEMDIE" + b")" * 5000 + b"; }\n",
])
def test_code_nested_deeper_than_any_kernel_is_read_lexically(source: bytes) -> None:
    (o,) = scan_file("mm/deep.c", source, "TIF_MEMDIE")
    assert (o.kind, o.fallback) == (Kind.USE, True)


def test_assembly_occurrences_have_no_function_and_keep_their_ifdef_guard() -> None:
    found = scan_file("arch/riscv/kernel/entry.S", (
        b"#ifdef TIF_MEMDIE\n"
        b"\tandi t0, s1, _TIF_MEMDIE\n"
        b"#endif\n"
        b"\tandi t1, s1, _TIF_MEMDIE\n"), "TIF_MEMDIE")
    # The #ifdef itself and the use inside its block only exist where the
    # flag does; the use after #endif needs a definition.
    assert [(o.kind, o.function, o.guarded) for o in found] == [
        (Kind.USE, None, True), (Kind.USE, None, True), (Kind.USE, None, False)]
    assert [o.is_reference for o in found] == [False, False, True]


@pytest.mark.parametrize("opening, closing", [
    ("#if defined(CONFIG_X) && defined(TIF_MEMDIE)", "#endif"),
    ("#ifndef TIF_MEMDIE\nint none;\n#else", "#endif"),
])
def test_uses_in_blocks_that_need_the_flag_are_guarded(opening: str, closing: str) -> None:
    found = scan_file("kernel/x.c", f"{opening}\nint v = TIF_MEMDIE;\n{closing}\n"
                      "int w = TIF_MEMDIE;\n".encode(), "TIF_MEMDIE")
    uses = [o for o in found if o.text.startswith("int")]
    assert [o.guarded for o in uses] == [True, False]


def test_an_occurrence_knows_the_config_options_around_it() -> None:
    from memdie_audit.kernel.occurrences import scan_file

    data = (b"#ifdef CONFIG_A\nint a = TIF_X;\n"
            b"#if IS_ENABLED(CONFIG_B) && defined(CONFIG_C)\nint b = TIF_X;\n"
            b"#elif 1\nint c = TIF_X;\n#endif\n#endif\n"
            b"#ifndef CONFIG_D\nint d = TIF_X;\n#else\nint e = TIF_X;\n#endif\n"
            b"#if defined(CONFIG_E) || defined(CONFIG_F)\nint f = TIF_X;\n#endif\n")
    found = scan_file("kernel/x.c", data, "TIF_X")
    assert [sorted(o.configs) for o in found] == [
        ["A"], ["A", "B", "C"], ["A"], [], ["D"], []]
