"""Evaluate the integer expressions of flag macros, as cpp would.

Covers what flag headers write: decimal, hex and octal literals with
``U``/``L`` suffixes, ``<< >> | & ^ ~ ! + - * / %``, parentheses, and the
kernel's bit helpers ``BIT()``, ``BIT_ULL()``, ``_BITUL()``, ``_BITULL()``,
``_AC()``, ``UL()``, ``ULL()``, ``_UL()``, ``_ULL()``. Names are looked up
through a callback. Anything else raises :class:`Unevaluable`: a value is
never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"\s*(?:(?P<num>0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)(?P<suffix>[uUlL]*)\b"
    r"|(?P<name>[A-Za-z_]\w*)|(?P<op><<|>>|&&|\|\||[-+*/%&|^~!(),]))",
    re.ASCII,  # C knows no other digits or letters
)
# No flag word is wider than this: a value beyond it is an attack or a bug,
# and following it would let a header build numbers of any size.
MAX_BITS = 4096

# Helpers that wrap a value or shift 1 by it.
_SHIFT_ONE = frozenset({"BIT", "BIT_ULL", "_BITUL", "_BITULL", "BIT_U32", "BIT_U64"})
_IDENTITY = frozenset({"UL", "ULL", "_UL", "_ULL", "U32", "U64"})
_FIRST_ARG = frozenset({"_AC", "__AC", "_AT"})  # _AC(1, UL): the number, without its suffix

_BINARY = {  # C precedence, higher binds tighter
    "*": 10, "/": 10, "%": 10, "+": 9, "-": 9, "<<": 8, ">>": 8,
    "&": 6, "^": 5, "|": 4, "&&": 3, "||": 2,
}


class Unevaluable(Exception):
    """The expression uses something the evaluator does not know."""


Resolve = Callable[[str], "int | None"]


def evaluate(expr: str, resolve: Resolve) -> int:
    """Value of ``expr``; names go through ``resolve`` (None: unknown)."""
    tokens = _tokenize(expr)
    if not tokens:
        raise Unevaluable("empty expression")
    parser = _Parser(tokens, resolve)
    try:
        value = parser.expression(0)
    except RecursionError:
        raise Unevaluable("expression nested too deeply") from None
    if parser.pos != len(tokens):
        raise Unevaluable(f"unexpected {parser.tokens[parser.pos][1]!r}")
    return value


def _tokenize(expr: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise Unevaluable(f"cannot read {expr[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup if m.lastgroup != "suffix" else "num"
        if m.group("num") is not None:
            tokens.append(("num", m.group("num")))
        else:
            tokens.append((kind, m.group(kind)))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], resolve: Resolve) -> None:
        self.tokens = tokens
        self.pos = 0
        self.resolve = resolve

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise Unevaluable("expression ends too early")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _expect(self, text: str) -> None:
        if self._next()[1] != text:
            raise Unevaluable(f"expected {text!r}")

    def expression(self, min_prec: int) -> int:
        left = self.unary()
        while (op := self._peek()) in _BINARY and _BINARY[op] > min_prec:
            self.pos += 1
            left = _apply(op, left, self.expression(_BINARY[op]))
        return left

    def unary(self) -> int:
        kind, text = self._next()
        if text == "-":
            return -self.unary()
        if text == "+":
            return self.unary()
        if text == "~":
            return ~self.unary()
        if text == "!":
            return int(not self.unary())
        if text == "(":
            value = self.expression(0)
            self._expect(")")
            return value
        if kind == "num":
            try:
                return int(text, 8) if re.fullmatch(r"0\d+", text) else int(text, 0)
            except ValueError:  # 08, 09: not octal, not C
                raise Unevaluable(f"bad literal {text}") from None
        if kind == "name":
            return self.name(text)
        raise Unevaluable(f"unexpected {text!r}")

    def name(self, name: str) -> int:
        if self._peek() == "(" and name in _SHIFT_ONE | _IDENTITY | _FIRST_ARG:
            self.pos += 1
            args = [self.expression(0) if name not in _FIRST_ARG else self.unary()]
            if name in _FIRST_ARG and self._peek() == ",":
                self.pos += 1
                self._next()  # the _AC() type suffix: UL, ULL
            self._expect(")")
            return _apply("<<", 1, args[0]) if name in _SHIFT_ONE else args[0]
        value = self.resolve(name)
        if value is None:
            raise Unevaluable(f"unknown name {name}")
        return value


def _apply(op: str, a: int, b: int) -> int:
    if op in ("<<", ">>") and not 0 <= b < 1024:
        raise Unevaluable(f"shift by {b}")
    if op in ("/", "%") and b == 0:
        raise Unevaluable("division by zero")
    if op == "*" and a.bit_length() + b.bit_length() > MAX_BITS:
        raise Unevaluable("value too large")
    value = {
        "*": lambda: a * b, "/": lambda: int(a / b), "%": lambda: a % b,
        "+": lambda: a + b, "-": lambda: a - b, "<<": lambda: a << b, ">>": lambda: a >> b,
        "&": lambda: a & b, "^": lambda: a ^ b, "|": lambda: a | b,
        "&&": lambda: int(bool(a and b)), "||": lambda: int(bool(a or b)),
    }[op]()
    if value.bit_length() > MAX_BITS:
        raise Unevaluable("value too large")
    return value
