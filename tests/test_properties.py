"""Generated input for the three readers everything else rests on: the flag
expression evaluator, the flag-header reader and the token scanner.

Expected values come from the generated structure (an expression tree, a
header layout, the positions where the symbol was spliced in), never from
the code under test. Runs are derandomized so CI sees the same inputs every
time; set MEMDIE_RANDOM_PROPERTIES=1 to explore new ones.
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
import re
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from mutate import C_FRAGMENTS, word_tokens

from memdie_audit.kernel.flagexpr import Unevaluable, evaluate
from memdie_audit.kernel.flagtable import read_flag_table
from memdie_audit.kernel.model import Kind
from memdie_audit.kernel.occurrences import scan_file
from memdie_audit.result import Severity
from memdie_audit.rules import header_findings as table_findings


def budget(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None,
                    derandomize=not os.environ.get("MEMDIE_RANDOM_PROPERTIES"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# --- the flag-expression evaluator ------------------------------------------------------

BINARY_PREC = {"*": 10, "+": 9, "-": 9, "<<": 8, ">>": 8, "&": 6, "^": 5, "|": 4}
BINARY_OPS = {"*": operator.mul, "+": operator.add, "-": operator.sub, "<<": operator.lshift,
              ">>": operator.rshift, "&": operator.and_, "^": operator.xor, "|": operator.or_}
UNARY_PREC, ATOM_PREC = 11, 12
SHIFT_HELPERS = ("BIT", "_BITUL", "BIT_ULL", "_BITULL")
IDENTITY_HELPERS = ("UL", "ULL", "_UL", "_ULL")
SUFFIXES = ("", "U", "u", "L", "l", "UL", "ul", "uL", "LU", "lu", "ULL", "ull", "LL", "LLU")
SPACES = ("", "", " ", "\t", "  ", " \t ")


@dataclass(frozen=True)
class Expr:
    """A node of a C integer expression: ``kind`` is lit, name, unary, binary,
    paren, shift (BIT-like helper), identity (UL-like helper) or ac (_AC)."""

    kind: str
    text: str = ""  # literal spelling, name, operator or helper
    value: int = 0  # literal value
    args: tuple[Expr, ...] = ()


def value_of(e: Expr, env: dict[str, int]) -> int:
    """What C computes (Python ints: no overflow, shifts kept small)."""
    if e.kind in ("lit", "ac"):
        return e.value
    if e.kind == "name":
        return env[e.text]
    values = [value_of(a, env) for a in e.args]
    if e.kind == "unary":
        return {"-": -values[0], "+": values[0], "~": ~values[0]}[e.text]
    if e.kind == "binary":
        a, b = values
        return BINARY_OPS[e.text](a, b)
    if e.kind == "shift":
        return 1 << values[0]
    return values[0]  # paren, identity


def precedence(e: Expr) -> int:
    if e.kind == "binary":
        return BINARY_PREC[e.text]
    return UNARY_PREC if e.kind == "unary" else ATOM_PREC


def tokens_of(e: Expr) -> list[str]:
    """C tokens with the fewest parentheses C precedence needs."""
    def wrapped(child: Expr, needs: bool) -> list[str]:
        inner = tokens_of(child)
        return ["(", *inner, ")"] if needs else inner

    if e.kind in ("lit", "name"):
        return [e.text]
    if e.kind == "unary":
        return [e.text, *wrapped(e.args[0], precedence(e.args[0]) < UNARY_PREC)]
    if e.kind == "binary":
        left, right = e.args
        p = BINARY_PREC[e.text]
        return [*wrapped(left, precedence(left) < p), e.text,
                *wrapped(right, precedence(right) <= p)]
    if e.kind == "paren":
        return ["(", *tokens_of(e.args[0]), ")"]
    if e.kind == "ac":
        return ["_AC", "(", e.text.split(",")[0], ",", e.text.split(",")[1], ")"]
    return [e.text, "(", *tokens_of(e.args[0]), ")"]  # shift, identity


def names_in(e: Expr) -> set[str]:
    found = {e.text} if e.kind == "name" else set()
    for a in e.args:
        found |= names_in(a)
    return found


@st.composite
def rendered(draw: st.DrawFn, e: Expr) -> str:
    """The tokens joined by random white space, never gluing ``- -`` into ``--``."""
    tokens = tokens_of(e)
    gaps = draw(st.lists(st.sampled_from(SPACES), min_size=len(tokens) + 1,
                         max_size=len(tokens) + 1))
    text = gaps[0] + tokens[0]
    for before, gap, token in zip(tokens[:-1], gaps[1:-1], tokens[1:], strict=True):
        if not gap and token[0] in "+-" and before[-1] == token[0]:
            gap = " "
        text += gap + token
    return text + gaps[-1]


@st.composite
def literals(draw: st.DrawFn, values: st.SearchStrategy[int], suffix: bool = True) -> Expr:
    value = draw(values)
    spelling = draw(st.sampled_from(["dec", "hex", "HEX", "oct"]))
    text = {"dec": str(value), "hex": f"0x{value:x}", "HEX": f"0X{value:X}",
            "oct": f"0{value:o}"}[spelling]
    return Expr("lit", text + (draw(st.sampled_from(SUFFIXES)) if suffix else ""), value)


NAMES = st.from_regex(r"\A(?:TIF|_TIF|CONFIG|X|Y)_[A-Z0-9_]{1,10}\Z", fullmatch=True)
# Names stand for bit numbers: small, so any of them can be a shift count.
ENVIRONMENTS = st.dictionaries(NAMES, st.integers(0, 31), min_size=1, max_size=6)


def shift_counts(names: list[str]) -> st.SearchStrategy[Expr]:
    """Expressions whose value is in 0..62, so C and Python agree on the shift."""
    leaf = st.one_of(literals(st.integers(0, 31)),
                     st.sampled_from(names).map(lambda n: Expr("name", n)))
    return st.one_of(
        leaf, leaf.map(lambda e: Expr("paren", args=(e,))),
        st.builds(lambda a, b: Expr("binary", "+", args=(a, b)), leaf, leaf))


PLACEHOLDERS = tuple(f"@{i}" for i in range(8))  # no C name: cannot meet a real one


def renamed(e: Expr, names: dict[str, str]) -> Expr:
    if e.kind == "name":
        return replace(e, text=names[e.text])
    return replace(e, args=tuple(renamed(a, names) for a in e.args)) if e.args else e


@functools.cache
def over_placeholders(count: int) -> st.SearchStrategy[Expr]:
    names = list(PLACEHOLDERS[:count])
    counts = shift_counts(names)
    ac = st.builds(lambda lit, suffix: Expr("ac", f"{lit.text},{suffix}", lit.value),
                   literals(st.integers(0, 2**16), suffix=False),
                   st.sampled_from(["UL", "ULL", " UL", "U"]))
    leaves = st.one_of(
        literals(st.one_of(st.integers(0, 64), st.integers(0, 2**40))),
        st.sampled_from(names).map(lambda n: Expr("name", n)),
        ac,
        st.builds(lambda h, c: Expr("shift", h, args=(c,)), st.sampled_from(SHIFT_HELPERS),
                  counts),
        st.builds(lambda h, c: Expr("identity", h, args=(c,)),
                  st.sampled_from(IDENTITY_HELPERS), literals(st.integers(0, 2**20), False)),
    )

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(lambda op, c: Expr("unary", op, args=(c,)), st.sampled_from("-+~"),
                      children),
            st.builds(lambda op, a, b: Expr("binary", op, args=(a, b)),
                      st.sampled_from(["*", "+", "-", "|", "&", "^"]), children, children),
            st.builds(lambda op, a, b: Expr("binary", op, args=(a, b)),
                      st.sampled_from(["<<", ">>"]), children, counts),
            children.map(lambda c: Expr("paren", args=(c,))),
            st.builds(lambda h, c: Expr("shift", h, args=(c,)),
                      st.sampled_from(SHIFT_HELPERS), counts),
        )

    return st.recursive(leaves, extend, max_leaves=14)


def expressions(names: list[str]) -> st.SearchStrategy[Expr]:
    """Expressions over ``names``. The recursive strategy is built once per
    number of names, over placeholders renamed after drawing: hypothesis spends
    more time checking a freshly built recursive strategy than drawing from it."""
    placeholders = PLACEHOLDERS[:len(names)]
    return over_placeholders(len(names)).map(
        lambda tree: renamed(tree, dict(zip(placeholders, names, strict=True))))


EXPRESSIONS_RUN = budget(400)


def test_generated_spelling_follows_c_precedence() -> None:
    """The generator's renderer, checked by hand: parentheses only where C needs them."""
    one, two, three = (Expr("lit", str(n), n) for n in (1, 2, 3))
    name = Expr("name", "TIF_X")
    cases = [
        (Expr("binary", "<<", args=(one, Expr("binary", "+", args=(two, three)))), "1<<2+3"),
        (Expr("binary", "-", args=(one, Expr("binary", "-", args=(two, three)))), "1-(2-3)"),
        (Expr("binary", "-", args=(Expr("binary", "-", args=(one, two)), three)), "1-2-3"),
        (Expr("unary", "-", args=(Expr("unary", "-", args=(name,)),)), "--TIF_X"),
        (Expr("unary", "~", args=(Expr("binary", "|", args=(one, name)),)), "~(1|TIF_X)"),
        (Expr("shift", "BIT", args=(name,)), "BIT(TIF_X)"),
        (Expr("ac", "1,UL", 1), "_AC(1,UL)"),
    ]
    env = {"TIF_X": 5}
    for tree, text in cases:
        assert "".join(tokens_of(tree)) == text
        assert evaluate(" ".join(tokens_of(tree)), env.get) == value_of(tree, env), text


@EXPRESSIONS_RUN
@given(env=ENVIRONMENTS, data=st.data())
def test_evaluator_computes_what_c_computes(env: dict[str, int], data) -> None:
    tree = data.draw(expressions(sorted(env)), label="tree")
    text = data.draw(rendered(tree), label="text")
    assert evaluate(text, env.get) == value_of(tree, env)


@EXPRESSIONS_RUN
@given(env=ENVIRONMENTS, data=st.data())
def test_an_unknown_name_is_unevaluable(env: dict[str, int], data) -> None:
    tree = data.draw(expressions(sorted(env)), label="tree")
    used = names_in(tree)
    if not used:
        used = {min(env)}
        tree = Expr("binary", data.draw(st.sampled_from(["|", "+", "*"])),
                    args=(tree, Expr("name", min(env))))
    missing = data.draw(st.sampled_from(sorted(used)), label="missing")
    text = data.draw(rendered(tree), label="text")
    known = {name: value for name, value in env.items() if name != missing}
    with pytest.raises(Unevaluable):
        evaluate(text, known.get)


EXPRESSION_PIECES = ("(", ")", "<<", ">>", "|", "&", "^", "~", "!", "-", "+", "*", "/", "%",
                     ",", "&&", "||", "?", ":", "0", "1", "7", "0x", "0x1f", "1UL", "u", "L",
                     "0b", "0b101", "TIF_A", "TIF_B", "UNKNOWN", "_AC(", "_AC(1,UL)", "UL(",
                     "ULL(", "BIT(", "_BITUL(", "BIT_ULL(", "defined", "sizeof", " ", "\t",
                     "\n", "\r", "\x00", "\\", "'a'", '"', "1.5", "é", "\u0663", "\ufffd",
                     "99999999999999999999999")


@budget(600)
@given(st.one_of(st.text(max_size=60),
                 st.lists(st.sampled_from(EXPRESSION_PIECES), max_size=30).map("".join)))
@example("(" * 5000 + "1" + ")" * 5000)
@example("~-" * 3000 + "1")
@example("1 << 1023 << 1023 << 1023")
def test_evaluate_raises_nothing_but_unevaluable(text: str) -> None:
    try:
        evaluate(text, {"TIF_A": 3, "TIF_B": 1000}.get)
    except Unevaluable:
        pass


@pytest.mark.parametrize("expr", ["\u0663", "1 << \u0663", "0x1 | \uff13"])
def test_digits_c_does_not_know_are_unevaluable(expr: str) -> None:
    with pytest.raises(Unevaluable):
        evaluate(expr, {}.get)


@budget(100)
@given(st.from_regex(r"\A0[0-9]{1,6}\Z", fullmatch=True), st.sampled_from(["", "UL", "U"]))
@example("08", "")
def test_leading_zero_literals_are_octal_or_unevaluable(digits: str, suffix: str) -> None:
    if not digits.strip("01234567"):
        assert evaluate(digits + suffix, {}.get) == int(digits, 8)
    else:
        with pytest.raises(Unevaluable):
            evaluate(digits + suffix, {}.get)


@budget(150)
@given(st.one_of(st.integers(-64, 1100), st.sampled_from([-(2**63), 2**63, 2**64, 2**70,
                                                          2**1023])),
       st.sampled_from(SHIFT_HELPERS))
@example(-1, "BIT")
def test_bit_helpers_take_the_counts_a_shift_takes(count: int, helper: str) -> None:
    """``BIT(n)`` is ``1 << n``: the same value, the same refusal."""
    def outcome(text: str) -> int | str:
        try:
            return evaluate(text, {}.get)
        except Unevaluable:
            return "unevaluable"

    assert outcome(f"{helper}({count})") == outcome(f"(1 << ({count}))")


@pytest.mark.parametrize("expr", ["BIT(BIT(63))", "_BITUL(1 << 1023)", "BIT(-1)", "BIT(0 - 1)"])
def test_bit_of_a_huge_or_negative_count_is_unevaluable(expr: str) -> None:
    with pytest.raises(Unevaluable):
        evaluate(expr, {}.get)


# --- the flag-header reader ----------------------------------------------------------------

MASK_IDIOMS = ("(1<<{b})", "(1 << {b})", "+(1 << {b})", "(1UL << {b})", "BIT({b})",
               "_BITUL({b})", "(_AC(1,UL) << {b})", "(_AC(1, UL) << {b})", "(1ULL << {b})",
               "BIT_ULL({b})")
# (path, type of thread_info.flags or None for no struct) -> width of the flags word
WIDTHS = {
    ("arch/x86/include/asm/thread_info.h", "unsigned long"): 64,
    ("arch/x86/include/asm/thread_info.h", "__u32"): 32,
    ("arch/x86/include/asm/thread_info.h", None): 64,
    ("arch/arm/include/asm/thread_info.h", "unsigned long"): 32,
    ("arch/arm/include/asm/thread_info.h", None): 32,
    ("arch/powerpc/include/asm/thread_info.h", "unsigned int"): 32,
    ("arch/sparc/include/asm/thread_info_32.h", "unsigned long"): 32,
    ("arch/sparc/include/asm/thread_info_64.h", "unsigned long"): 64,
    ("arch/riscv/include/asm/thread_info.h", "__u64"): 64,
    ("include/asm-generic/thread_info_tif.h", None): 32,
}
# The narrowest kernel of the arch: x86 builds i386, whose unsigned long has 32 bits.
NARROWEST = {key: 32 if key[0].startswith("arch/x86/") and key[1] != "__u64" else width
             for key, width in WIDTHS.items()}
INT_MASKS = {"(1<<{b})", "(1 << {b})", "+(1 << {b})"}
COMMENT_WORDS = ("OOM", "victim", "signal pending", "TIF_FAKE", "#define TIF_BOGUS 7", "don't",
                 "\"quoted", "(1 << 3)", "x", "/", "*", "->", "@", "|", "&&", "/* again",
                 "_TIF_MEMDIE")
FLAG_NAMES = st.from_regex(r"\ATIF_[A-Z][A-Z0-9_]{0,10}\Z", fullmatch=True).filter(
    lambda n: not n.endswith("_MASK"))


@dataclass
class Flag:
    name: str
    scope: tuple[tuple[int, int], ...]  # (block, branch) of every #if around it
    condition: str | None
    bit: int = 0
    bit_spelling: str = "dec"
    mask: str | None = None  # the mask's expression template ({b}: the bit's name)
    mask_near: bool = False  # right after the bit (same condition) or in the mask section
    define: str = "#define "
    comment: str = ""


@dataclass
class Block:
    number: int
    directives: list[str]  # "#ifdef CONFIG_X", "#elif ...", "#else"
    branches: list[list[Flag | Block]] = field(default_factory=list)


@dataclass
class Layout:
    path: str
    field_type: str | None
    width: int
    guard: bool
    struct_first: bool
    crlf: bool
    items: list[Flag | Block]
    flags: list[Flag]  # in text order
    composite: list[str]  # flag names whose masks _TIF_WORK_MASK ORs, in order
    composite_literal: int | None
    composite_breaks: list[int]


def exclusive(a: Flag, b: Flag) -> bool:
    """In different branches of one #if block: never both in one build."""
    branch = dict(a.scope)
    return any(block in branch and branch[block] != n for block, n in b.scope)


@st.composite
def comments(draw: st.DrawFn) -> str:
    words = st.lists(st.sampled_from(COMMENT_WORDS), min_size=1, max_size=4).map(" ".join)
    return draw(st.one_of(
        st.just(""),
        words.map(lambda w: f"\t/* {w} */"),
        words.map(lambda w: f"\t// {w}"),
        st.tuples(words, words).map(lambda w: f"\t/* {w[0]}\n\t\t\t\t\t * {w[1]} */"),
        st.just("\t/* was:\n#define TIF_BOGUS\t9\n */"),
        st.tuples(words, words).map(lambda w: f" /* {w[0]} */ /* {w[1]} */"),
    ))


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    path, field_type = draw(st.sampled_from(sorted(WIDTHS, key=str)))
    width = WIDTHS[path, field_type]
    names = draw(st.lists(FLAG_NAMES, min_size=1, max_size=10, unique=True), label="names")
    configs = iter(f"CONFIG_{c}{n}" for n in range(100) for c in "ABCDEFGH")
    queue = list(names)
    flags: list[Flag] = []
    blocks = itertools.count(1)

    def flag(scope: tuple, conditions: list[str]) -> Flag:
        f = Flag(queue.pop(0), scope, " && ".join(conditions) if conditions else None,
                 bit_spelling=draw(st.sampled_from(["dec", "hex", "paren", "oct"])),
                 mask=draw(st.none() | st.sampled_from(MASK_IDIOMS)),
                 mask_near=draw(st.booleans()),
                 define=draw(st.sampled_from(["#define ", "#define\t", "# define ", " #define "])),
                 comment=draw(comments()))
        flags.append(f)
        return f

    def block(scope: tuple, conditions: list[str], depth: int) -> Block:
        number = next(blocks)
        config = next(configs)
        first, condition = draw(st.sampled_from([
            (f"#ifdef {config}", f"defined({config})"),
            (f"#ifndef {config}", f"!defined({config})"),
            (f"#if defined({config})", f"defined({config})"),
            (f"#if {config}_LEVEL > 2", f"{config}_LEVEL > 2"),
            (f"#ifdef {config} /* why */", f"defined({config})"),
        ]))
        shape = draw(st.sampled_from(["if", "else", "elif", "elif-else"]))
        directives, conds = [first], [condition]
        if "elif" in shape:
            other = next(configs)
            directives.append(f"#elif defined({other})")
            conds.append(f"defined({other})")
        if shape.endswith("else"):
            directives.append("#else")
        b = Block(number, directives)
        for n in range(len(directives)):
            here = [f"!({c})" for c in conds[:n]] + ([conds[n]] if n < len(conds) else [])
            b.branches.append(items(scope + ((number, n),), conditions + [" && ".join(here)],
                                    depth + 1))
        return b

    def items(scope: tuple, conditions: list[str], depth: int) -> list[Flag | Block]:
        found: list[Flag | Block] = []
        for _ in range(draw(st.integers(0, 3 if scope else 6))):
            if not queue:
                break
            if depth < 2 and draw(st.integers(0, 3)) == 3:
                found.append(block(scope, conditions, depth))
            else:
                found.append(flag(scope, conditions))
        return found

    top = items((), [], 0)
    while queue:
        top.append(flag((), []))
    bits = draw(st.lists(st.integers(0, NARROWEST[path, field_type] - 1), min_size=len(flags),
                         max_size=len(flags),
                         unique=True), label="bits")
    for f, bit in zip(flags, bits, strict=True):
        f.bit = bit
        if f.mask in INT_MASKS and bit >= 32:
            f.mask = "(1UL << {b})"  # a consistent header shifts a long that far
    # Flags in exclusive branches may share a bit: that is no duplicate.
    for f in flags:
        partners = [g for g in flags if exclusive(f, g)]
        if partners and draw(st.integers(0, 2)) == 0:
            g = draw(st.sampled_from(partners))
            if not any(h is not f and not exclusive(f, h) and h.bit == g.bit for h in flags):
                f.bit = g.bit
    with_masks = [f.name for f in flags if f.mask]
    composite = draw(st.lists(st.sampled_from(with_masks), unique=True)) if with_masks else []
    crlf = draw(st.integers(0, 5)) == 0
    breaks = draw(st.lists(st.booleans(), min_size=len(composite) + 1,
                           max_size=len(composite) + 1))
    return Layout(path, field_type, width, draw(st.booleans()), draw(st.booleans()), crlf, top,
                  flags, composite, draw(st.none() | st.integers(0, 0xFFFF)),
                  [i for i, b in enumerate(breaks) if b])


def bit_text(f: Flag) -> str:
    return {"dec": str(f.bit), "hex": hex(f.bit), "paren": f"({f.bit})",
            "oct": f"0{f.bit:o}" if f.bit else "0"}[f.bit_spelling]


@dataclass
class Rendered:
    text: str
    bits: dict[str, tuple[int, int, str | None, int]]  # name -> bit, line, condition, column
    masks: dict[str, tuple[int, int, str | None]]  # name -> value, line, condition


def mask_value(layout: Layout, f: Flag) -> int:
    target = re.fullmatch(r"\(1 << (\d+)\)", f.mask or "")
    return 1 << int(target.group(1)) if target else 1 << f.bit


def render(layout: Layout) -> Rendered:
    lines: list[str] = []
    out = Rendered("", {}, {})

    def emit(text: str) -> int:
        lines.extend(text.split("\n"))
        return len(lines) - text.count("\n")

    def emit_mask(f: Flag, condition: str | None) -> None:
        name = "_" + f.name
        assert f.mask is not None
        line = emit(f"#define {name}\t\t{f.mask.format(b=f.name)}")
        out.masks[name] = (mask_value(layout, f), line, condition)

    def emit_items(found: list[Flag | Block]) -> None:
        for item in found:
            if isinstance(item, Flag):
                line = emit(f"{item.define}{item.name}\t\t{bit_text(item)}{item.comment}")
                out.bits[item.name] = (item.bit, line, item.condition, len(item.define) + 1)
                if item.mask and item.mask_near:
                    emit_mask(item, item.condition)
            else:
                for directive, branch in zip(item.directives, item.branches, strict=True):
                    emit(directive)
                    emit_items(branch)
                emit(f"#endif /* {item.directives[0].split()[-1]} */")

    def emit_struct() -> None:
        if layout.field_type:
            emit("struct thread_info {\n\tstruct task_struct\t*task;\n"
                 f"\t{layout.field_type}\t\tflags;\t\t/* low level flags */\n"
                 "\tint\t\t\tpreempt_count;\n};\n")

    guard = "_ASM_FUZZ_THREAD_INFO_H"
    if layout.guard:
        emit(f"#ifndef {guard}\n#define {guard}\n")
    emit("#include <linux/types.h>\n#define THREAD_SIZE\t\t8192")
    if layout.struct_first:
        emit_struct()
    emit_items(layout.items)
    emit("")
    for f in layout.flags:
        if f.mask and not f.mask_near:
            emit_mask(f, None)
    if layout.composite or layout.composite_literal is not None:
        parts = ["_" + name for name in layout.composite]
        if layout.composite_literal is not None:
            parts.append(hex(layout.composite_literal))
        text = "#define _TIF_WORK_MASK\t("
        for i, part in enumerate(parts):
            if i:
                text += " |"
                text += " /* more */ \\\n\t\t\t\t " if i in layout.composite_breaks else " "
            text += part
        line = emit(text + ")")
        by_name = {f.name: f for f in layout.flags}
        value = 0
        for name in layout.composite:
            value |= mask_value(layout, by_name[name])
        out.masks["_TIF_WORK_MASK"] = (value | (layout.composite_literal or 0), line, None)
    if not layout.struct_first:
        emit_struct()
    if layout.guard:
        emit(f"#endif /* {guard} */")
    out.text = "\n".join(lines) + "\n"
    if layout.crlf:
        out.text = out.text.replace("\n", "\r\n")
    return out


def expected_findings(layout: Layout, rendered_header: Rendered) -> list[tuple[str, int]]:
    """duplicate-bit, mask-mismatch and bit-range as DESIGN.md states them."""
    found = []
    for i, later in enumerate(layout.flags):
        if any(earlier.bit == later.bit and not exclusive(earlier, later)
               for earlier in layout.flags[:i]):
            found.append(("duplicate-bit", rendered_header.bits[later.name][1]))
        narrowest = NARROWEST.get((layout.path, layout.field_type), layout.width)
        if later.bit >= narrowest or (later.mask in INT_MASKS and later.bit >= 32):
            found.append(("bit-range", rendered_header.bits[later.name][1]))
        if later.mask and mask_value(layout, later) != 1 << later.bit:
            found.append(("mask-mismatch", rendered_header.masks["_" + later.name][1]))
    return sorted(found)


def read_back(layout: Layout, rendered_header: Rendered):
    table = read_flag_table(layout.path, rendered_header.text.encode())
    bits = {f.name: (f.value, f.line, f.condition, f.column) for f in table.bits}
    masks = {f.name: (f.value, f.line, f.condition) for f in table.masks}
    return table, bits, masks


@budget(250)
@given(layouts())
def test_flag_header_round_trips(layout: Layout) -> None:
    header = render(layout)
    table, bits, masks = read_back(layout, header)
    assert bits == header.bits, header.text
    assert masks == header.masks, header.text
    assert table.width == layout.width
    assert expected_findings(layout, header) == []
    assert problems(table) == [], header.text


def problems(table) -> list:
    """Errors and warnings of a header (a bit-31 int mask is a note: legal
    kernel practice)."""
    return [f for f in table_findings(table) if f.severity is not Severity.NOTE]


@st.composite
def planted(draw: st.DrawFn) -> tuple[Layout, str]:
    """A consistent layout with one flaw planted: returns it and the flaw's rule."""
    layout = draw(layouts())
    flags = layout.flags
    rule = draw(st.sampled_from(["duplicate-bit", "mask-mismatch", "bit-range"]))
    if rule == "duplicate-bit":
        pairs = [(i, j) for j in range(len(flags)) for i in range(j)
                 if not exclusive(flags[i], flags[j]) and flags[i].bit != flags[j].bit]
        assume(pairs)
        i, j = draw(st.sampled_from(pairs))
        flags[j].bit = flags[i].bit
        if flags[j].mask in INT_MASKS and flags[j].bit >= 32:
            flags[j].mask = "(1UL << {b})"  # one flaw at a time: not an int overflow too
    elif rule == "mask-mismatch":
        masked = [f for f in flags if f.mask]
        assume(masked)
        f = draw(st.sampled_from(masked))
        wrong = draw(st.integers(0, 63).filter(lambda n: n != f.bit))
        f.mask = f"(1 << {wrong})"
    else:
        f = draw(st.sampled_from(flags))
        taken = {g.bit for g in flags if g is not f and not exclusive(f, g)}
        f.bit = draw(st.integers(NARROWEST[layout.path, layout.field_type], 255)
                     .filter(lambda n: n not in taken))
    return layout, rule


@budget(250)
@given(planted())
def test_planted_flaw_is_reported_exactly(case: tuple[Layout, str]) -> None:
    layout, rule = case
    header = render(layout)
    table, bits, masks = read_back(layout, header)
    assert (bits, masks) == (header.bits, header.masks), header.text
    expected = expected_findings(layout, header)
    assert expected and {r for r, _ in expected} == {rule}
    assert sorted((f.rule, f.line) for f in problems(table)) == expected, header.text


def test_shared_bit_in_exclusive_branches_reads_back() -> None:
    """One layout by hand, so a reader sees what the generator builds."""
    a = Flag("TIF_A", ((1, 0),), "defined(CONFIG_A)", bit=4, mask="BIT({b})", mask_near=True)
    b = Flag("TIF_B", ((1, 1),), "!(defined(CONFIG_A))", bit=4, mask="(1 << {b})")
    layout = Layout("arch/arm/include/asm/thread_info.h", "__u32", 32, True, True, False,
                    [Block(1, ["#ifdef CONFIG_A", "#else"], [[a], [b]])], [a, b], ["TIF_A"],
                    0x100, [1])
    header = render(layout)
    # guard (1-3), include and THREAD_SIZE (4-5), struct (6-11), #ifdef (12)
    assert header.bits == {"TIF_A": (4, 13, "defined(CONFIG_A)", 9),
                           "TIF_B": (4, 16, "!(defined(CONFIG_A))", 9)}
    assert read_back(layout, header)[1:] == (header.bits, header.masks)
    assert problems(read_back(layout, header)[0]) == []
    b2 = replace(b, scope=(), condition=None)
    assert expected_findings(replace(layout, flags=[a, b2]), header) == [("duplicate-bit", 16)]


def test_continuation_before_crlf_joins_the_define() -> None:
    header = b"#define TIF_A 1\r\n#define _TIF_WORK (1 | \\\r\n\t2)\r\n"
    table = read_flag_table("arch/x86/include/asm/thread_info.h", header)
    assert table.mask("_TIF_WORK").value == 3  # with \n line ends it is


# tree-sitter-c reads "/*" inside a "//" comment on a #define line as opening
# a block comment, and would lose the code up to the next "*/".
def test_line_comment_holding_slash_star_does_not_hide_the_flags_field() -> None:
    header = (b"#define TIF_A 1 // see /* below\n"
              b"struct thread_info {\n\tunsigned int flags; /* x */\n};\n")
    assert read_flag_table("arch/powerpc/include/asm/thread_info.h", header).width == 32


def test_line_comment_holding_slash_star_does_not_hide_a_use() -> None:
    source = (b"#define X 1 // old /* style\n"
              b"void f(void)\n{\n\tclear_thread_flag(TIF_MEMDIE);\n} /* end */\n")
    [use] = scan_file("mm/oom_kill.c", source, "TIF_MEMDIE")
    assert (use.kind, use.function) == (Kind.USE, "f")


# --- any bytes at all ------------------------------------------------------------------------

@st.composite
def c_like_bytes(draw: st.DrawFn) -> bytes:
    pieces = draw(st.lists(st.one_of(st.sampled_from(C_FRAGMENTS), st.binary(max_size=8)),
                           max_size=40))
    if draw(st.integers(0, 9)) == 0:  # a very long line
        filler = draw(st.sampled_from([b"a", b" ", b"/*", b"TIF_MEMDIE ", b"\\", b"\x00"]))
        pieces.insert(draw(st.integers(0, len(pieces))), filler * draw(st.integers(1, 30_000)))
    if draw(st.integers(0, 9)) == 0:  # deep nesting: scan time grows with its square
        pieces.insert(draw(st.integers(0, len(pieces))), b"(" * draw(st.integers(1, 3000)))
    return b"".join(pieces)


ANY_BYTES = st.one_of(st.binary(max_size=300), c_like_bytes())
HEADER_PATHS = ("arch/x86/include/asm/thread_info.h", "include/asm-generic/thread_info_tif.h",
                "arch/sparc/include/asm/thread_info_32.h")


@budget(300)
@given(ANY_BYTES, st.sampled_from(HEADER_PATHS), st.booleans())
@example(b"#if 1\n#if 2\n#endif\n#endif\n#endif\n#else\n#define TIF_A 1\n", HEADER_PATHS[0], False)
@example(b"/* #define TIF_A 1\n#define TIF_B 2", HEADER_PATHS[0], False)
@example(b"#define TIF_A \\\r\n 3\r#define TIF_B\x00 4\n\xff\xfe", HEADER_PATHS[1], True)
def test_flag_table_of_any_bytes(data: bytes, path: str, with_outer: bool) -> None:
    outer = {"TIF_SIGPENDING": 1, "_TIF_SIGPENDING": 2} if with_outer else None
    table = read_flag_table(path, data, outer)
    lines = data.count(b"\n") + 1
    for f in (*table.bits, *table.masks):
        assert 1 <= f.line <= lines
    list(table_findings(table))


@pytest.mark.parametrize("header", [b"#define TIF_X 08\n",
                                    b"#define TIF_X 3\n#define _TIF_X BIT(TIF_X - 4)\n"])
def test_flag_table_of_values_c_rejects(header: bytes) -> None:
    table = read_flag_table(HEADER_PATHS[0], header)
    assert all(f.value is None for f in table.masks if f.name == "_TIF_X")


SCAN_PATHS = ("mm/oom_kill.c", "arch/x86/include/asm/thread_info.h", "arch/arm/kernel/entry.S",
              "arch/x86/entry/entry_64.S", "arch/sparc/kernel/rtrap.S", "lib/foo.S",
              "Documentation/vm/oom.txt", "arch/x86/Kconfig", "rust/kernel/task.rs")
TOKENS = ("{s}", "_{s}", "x{s}", "{s}x", "__{s}", "{s}_", "\xe9{s}", "0{s}", "{s}(", "#{s}",
          "${s}", "\x00{s}\x00", "({s})")


def test_a_header_cannot_make_the_reader_build_huge_numbers() -> None:
    """Headers come from mboxes and trees: untrusted. Each line squares the
    last; at 18 lines the numbers have 2**17 * 1000 bits (fast, small), at
    24 the reader runs out of memory."""
    lines = [b"#define TIF_A0 (1 << 1000)"] + [
        b"#define TIF_A%d (TIF_A%d * TIF_A%d)" % (i, i - 1, i - 1) for i in range(1, 18)]
    table = read_flag_table(HEADER_PATHS[0], b"\n".join(lines) + b"\n")
    assert max(f.value.bit_length() for f in table.masks if f.value is not None) <= 4096


@st.composite
def spliced(draw: st.DrawFn) -> tuple[bytes, str]:
    symbol = draw(st.one_of(st.just("TIF_MEMDIE"),
                            st.from_regex(r"\ATIF_[A-Z0-9][A-Z0-9_]{0,8}\Z", fullmatch=True)))
    data = draw(ANY_BYTES)
    for _ in range(draw(st.integers(0, 8))):
        token = draw(st.sampled_from(TOKENS)).format(s=symbol)
        encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
        at = draw(st.integers(0, len(data)))
        data = data[:at] + token.encode(encoding) + data[at:]
    return data, symbol


@budget(400)
@given(spliced(), st.sampled_from(SCAN_PATHS))
@example((b"int TIF_MEMDIEX, XTIF_MEMDIE, __TIF_MEMDIE, \xc3\xa9TIF_MEMDIE;\r\n_TIF_MEMDIE",
          "TIF_MEMDIE"), "mm/w.c")
@example((b"/* TIF_MEMDIE" + b"(" * 3000 + b"\n#if TIF_MEMDIE\n", "TIF_MEMDIE"), "lib/foo.S")
def test_scan_finds_exactly_the_git_grep_words(case: tuple[bytes, str], path: str) -> None:
    data, symbol = case
    occurrences = scan_file(path, data, symbol)
    assert {(o.line, o.column) for o in occurrences} == word_tokens(data, symbol)
    assert len(occurrences) == len(word_tokens(data, symbol))
    for o in occurrences:
        assert o.token in (symbol, "_" + symbol) and o.kind in Kind and o.path == path
        assert "\n" not in o.text and len(o.text) <= 400
