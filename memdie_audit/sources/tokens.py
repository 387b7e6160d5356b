"""The tokens of a flag as git grep and the scanner both look for them:
SYMBOL or _SYMBOL, whole words."""

from __future__ import annotations

import os
import re
from functools import cache


@cache
def token_pattern(symbol: str) -> re.Pattern[bytes]:
    """SYMBOL or _SYMBOL as a whole word, exactly as ``git grep -w`` sees it."""
    return re.compile(rb"(?<![A-Za-z0-9_])_?" + re.escape(symbol.encode()) + rb"(?![A-Za-z0-9_])")


def grep_arguments(symbol: str | tuple[str, ...]) -> list[str]:
    """``git grep`` options finding exactly the files :func:`token_pattern`
    matches: two fixed strings, each a whole word. git applies ``-w`` to each
    pattern alone, so the files are those ``-w -E '_?SYMBOL'`` lists, and a
    fixed string is searched as such (with PCRE2 where git has it, a regex
    otherwise): on Linux 4.9 a commit in 0.66x the time of ``-E``, a
    checkout in 0.43x; ``-P`` with lookarounds was no faster.

    Several symbols: the files that have any of them, in one grep. Past
    :data:`FEW` symbols, git's cost grows with the patterns (32 flags of
    v6.19: 4.4 s) while their common prefix alone (``TIF_``) is one fixed
    string (2.1 s); the files it lists beyond the symbols' are read and
    found to hold none of their tokens, as the scanner checks every file."""
    symbols = (symbol,) if isinstance(symbol, str) else symbol
    prefix = os.path.commonprefix(list(symbols))
    if len(symbols) > FEW and len(prefix) >= 4:
        # With the prefix, the calls of the kernel's name-pasting family
        # (``test_syscall_work(SECCOMP)``, see kernel/pasting.py), which name
        # no flag in full.
        return ["-F", "-e", prefix, "-e", "_syscall_work("]
    # The name without TIF_ finds the calls of macros that paste it
    # (``test_syscall_work(SECCOMP)``, see kernel/pasting.py).
    return ["-w", "-F", *(arg for s in symbols for arg in ("-e", s, "-e", "_" + s)),
            *(arg for s in symbols if s.startswith("TIF_") for arg in ("-e", s[4:]))]


FEW = 4
