"""Ctrl-C and SIGTERM: both unwind the stack (so temporary files go), and
both can be held back around code that must not be cut in half."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

_HELD = {signal.SIGINT, signal.SIGTERM}


class Terminated(Exception):
    """SIGTERM arrived: unwind like Ctrl-C so temporary files are removed."""


def _raise_terminated(signum: int, frame: object) -> NoReturn:
    raise Terminated()


@contextmanager
def signals_held() -> Iterator[None]:
    """Deliver Ctrl-C and SIGTERM only when the block is over. Python runs
    signal handlers in the main thread only; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Within the block SIGTERM raises :class:`Terminated`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
