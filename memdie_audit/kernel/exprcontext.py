"""Where a flag's token sits in its expression: the call it is an argument
of and which argument, the operators around it. Enough of C (and of an
assembler operand, which is a C expression after cpp) to tell a bit number
used as a mask from a mask used as a bit number, read from one line."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Helpers whose argument (by index) is a bit number.
_THREAD_FLAG = ("test", "set", "clear", "test_and_set", "test_and_clear", "update")
BIT_ARGUMENT: dict[str, int] = {
    **{f"{op}_thread_flag": 0 for op in _THREAD_FLAG},
    **{f"{op}_tsk_thread_flag": 1 for op in _THREAD_FLAG},
    **{f"{op}_ti_thread_flag": 1 for op in _THREAD_FLAG},
    **{f"{p}{op}_bit": 0 for p in ("", "__") for op in
       ("test", "set", "clear", "change", "test_and_set", "test_and_clear",
        "test_and_change")},
    **{name: 0 for name in ("BIT", "BIT_ULL", "_BITUL", "_BITULL", "BIT_U32", "BIT_U64")},
}
BITWISE = ("|=", "&=", "^=", "|", "&", "^", "~")
_NOT_CALLS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "defined"})
_IDENT_BEFORE = re.compile(r"([A-Za-z_]\w*)\s*$")


@dataclass(frozen=True)
class Context:
    """Where a token sits in its expression: the call it is an argument of
    (name, argument index, is the argument the bare token), and the
    operators just before and after it (enclosing parentheses skipped)."""

    call: str | None
    argument: int
    bare: bool
    before: str
    after: str


def context_of(text: str, start: int, end: int) -> Context:
    """The context of ``text[start:end]`` (0-based)."""
    i, opens, bare = start - 1, 0, True
    while i >= 0 and text[i] in " \t(":
        if text[i] == "(":
            m = _IDENT_BEFORE.search(text, 0, i)
            if m and m.group(1) not in _NOT_CALLS:
                return Context(m.group(1), 0, bare, "(", _operator_after(text, end, opens))
            opens += 1
        i -= 1
    before = _operator_before(text, i + 1)
    after = _operator_after(text, end, opens)
    call, argument = _enclosing_call(text, start)
    if call is not None:
        bare = before == "," and after in (",", ")")
    return Context(call, argument, bare and call is not None, before, after)


def _operator_before(text: str, i: int) -> str:
    head = text[:i].rstrip()
    for op in ("<<", ">>", "&&", "||", *BITWISE, ",", "=", "#", "$"):
        if head.endswith(op):
            return op
    return ""


def _operator_after(text: str, end: int, opens: int) -> str:
    j = end
    while j < len(text) and (text[j] in " \t" or (text[j] == ")" and opens > 0)):
        opens -= text[j] == ")"
        j += 1
    tail = text[j:]
    for op in ("<<", ">>", "&&", "||", *BITWISE, ",", ")"):
        if tail.startswith(op):
            return op
    return ""


def _enclosing_call(text: str, start: int) -> tuple[str | None, int]:
    """The call whose argument list holds ``start``, and which argument."""
    depth, argument = 0, 0
    for i in range(start - 1, -1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                m = _IDENT_BEFORE.search(text, 0, i)
                return (m.group(1), argument) if m and m.group(1) not in _NOT_CALLS \
                    else (None, 0)
            depth -= 1
        elif ch == "," and depth == 0:
            argument += 1
    return None, 0
