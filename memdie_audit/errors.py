"""The few exceptions the core raises; the CLI turns each into one line and
exit 2. Also the argument parser every command uses, which fails the same way."""

from __future__ import annotations

import argparse
from typing import NoReturn


class AuditError(Exception):
    """The input could not be audited: a bad path, revision, range, mbox or symbol.

    The message is written for the user as it stands, on one line.
    """


class GitError(AuditError):
    """A git command the audit depends on failed."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one AuditError line
    naming the command and its --help, not a usage block: the tool runs in
    hooks and CI, where one line is what gets read."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]
        raise AuditError(f"{command + ': ' if command else ''}{message} "
                         f"(see {self.prog} --help)")
