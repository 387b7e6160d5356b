"""The few exceptions the core raises; the CLI turns each into one line and exit 2."""


class AuditError(Exception):
    """The input could not be audited: a bad path, revision, range, mbox or symbol.

    The message is written for the user as it stands, on one line.
    """


class GitError(AuditError):
    """A git command the audit depends on failed."""
