"""Reading kernel C: the lexer, tree-sitter, flag headers and expressions,
arch facts. Everything here reads bytes it is given; git stays in sources."""

from types import ModuleType

from ..interrupts import signals_held


def c_parser() -> ModuleType:
    """The tree-sitter wrapper (:mod:`.treesitter`), loaded when C is first
    parsed: a run that reads no C (an unrelated push) does not pay for it.
    Loaded with signals held, like every import of a run (see cli)."""
    with signals_held():
        from . import treesitter
    return treesitter
