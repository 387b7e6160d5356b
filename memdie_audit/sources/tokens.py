"""The tokens of a flag as git grep and the scanner both look for them:
SYMBOL or _SYMBOL, whole words."""

from __future__ import annotations

import re
from functools import cache


@cache
def token_pattern(symbol: str) -> re.Pattern[bytes]:
    """SYMBOL or _SYMBOL as a whole word, exactly as ``git grep -w`` sees it."""
    return re.compile(rb"(?<![A-Za-z0-9_])_?" + re.escape(symbol.encode()) + rb"(?![A-Za-z0-9_])")


def grep_pattern(symbol: str) -> str:
    """The extended regex handed to ``git grep -w -E`` for the same tokens."""
    return "_?" + symbol
