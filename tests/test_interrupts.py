"""Ctrl-C and SIGTERM always unwind the run, wherever they strike."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from memdie_audit.cli import main
from memdie_audit.interrupts import Terminated, signals_unwind

SIGNALS = [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)]


class SignalledWhileFreed:
    """Stands for an object whose finalizer is running when a signal comes
    (a Popen or a thread being freed, a library's handle)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)  # handled at once, inside this finalizer


@pytest.mark.parametrize(("signum", "raised"), SIGNALS)
def test_a_signal_that_strikes_a_finalizer_still_unwinds_the_run(signum, raised,
                                                                 monkeypatch) -> None:
    reported: list[object] = []  # what Python prints as "Exception ignored in ..."
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    with pytest.raises(raised):
        with signals_unwind():
            SignalledWhileFreed(signum)  # freed at once
            time.sleep(10)  # the run goes on; the signal must still end it
            pytest.fail("the signal was lost")
    assert reported == []


def test_sigterm_is_not_swallowed_by_a_catch_all() -> None:
    with pytest.raises(Terminated):
        with signals_unwind():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
            except Exception:  # as a library's cleanup code may do
                pass


def test_ctrl_c_after_the_command_has_finished_changes_nothing(tmp_path, monkeypatch,
                                                               capsys) -> None:
    (tmp_path / "mm").mkdir()
    (tmp_path / "mm" / "oom_kill.c").write_text("int f(void) { return TIF_MEMDIE; }\n")
    header = tmp_path / "arch" / "foo" / "include" / "asm" / "thread_info.h"
    header.parent.mkdir(parents=True)
    header.write_text("#define TIF_MEMDIE 4\n")
    monkeypatch.setattr(sys, "argv", ["memdie-audit", str(tmp_path)])
    previous = signal.getsignal(signal.SIGINT)
    try:
        assert main() == 0  # as the command runs it
        try:
            os.kill(os.getpid(), signal.SIGINT)  # e.g. during Python's shutdown
        except KeyboardInterrupt:
            pytest.fail("a Ctrl-C after the command had finished raised KeyboardInterrupt")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert capsys.readouterr().out.endswith("total: 0 errors, 0 warnings, 0 notes\n")
