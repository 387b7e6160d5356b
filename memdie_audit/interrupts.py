"""Ctrl-C and SIGTERM: both unwind the stack (so temporary files go), and
both can be held back around code that must not be cut in half."""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, NoReturn

_HELD = {signal.SIGINT, signal.SIGTERM}


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C so temporary files are removed.
    A BaseException, as KeyboardInterrupt is, so that no ``except
    Exception`` (ours or a library's) swallows it."""


_SIGNAL_OF = {KeyboardInterrupt: signal.SIGINT, Terminated: signal.SIGTERM}


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
def signals_unwind() -> Iterator[None]:
    """Within the block SIGTERM raises :class:`Terminated` (and Ctrl-C
    KeyboardInterrupt, as always), also when it strikes a finalizer."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = partial(_deliver_again, previous_hook)
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGTERM, previous)


def _deliver_again(report: Callable[[Any], object], unraisable: Any) -> None:
    """A signal handled while Python runs a finalizer (a ``__del__``, a
    weakref callback — e.g. a finished ``Popen`` or thread being freed)
    raises where nothing can catch it: Python would print "Exception
    ignored in ..." with a traceback and go on with the run. Such a signal
    is sent again instead, from another thread: sent from here it would be
    handled here, and the main thread goes on out of the finalizer first."""
    for exception, signum in _SIGNAL_OF.items():
        if isinstance(unraisable.exc_value, exception):
            _thread.start_new_thread(signal.pthread_kill, (threading.get_ident(), signum))
            return
    report(unraisable)
