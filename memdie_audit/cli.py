"""The command line: arguments in, report out, exit status. No analysis here.

Exit status: 0 no finding at or above --fail-on; 1 there are; 2 the input
could not be audited (one line on stderr, never a traceback); 3 an internal
error (one line, and how to report it).
"""

from __future__ import annotations

import argparse
import codecs
import functools
import importlib
import io
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .errors import AuditError, OneLineParser
from .interrupts import Terminated, signals_held, signals_unwind
from .report import FORMATS, writer

if TYPE_CHECKING:
    from .result import Audit
    from .sources.commits import Commit

# The analysis modules (tree-sitter, Jinja2) are imported inside main(),
# so that Ctrl-C at any moment is handled there, never as a traceback.

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_TERMINATED = 143




_DESCRIPTION = """\
Audit a kernel tree, or a patch series against it, for every definition and
use of a thread-info flag across all arches.
'memdie-audit demo [DIR]' builds and audits a demo tree;
'memdie-audit watch ARCHIVE --tree NAME=PATH[@REV]... -o DIR' is the review
robot over a public-inbox archive (docs/robot.md)."""

_EPILOG = """\
examples:
  memdie-audit                                   # the working tree in . (tracked files)
  memdie-audit ~/linux --rev v4.9                # a commit, read from git objects
  memdie-audit ~/linux --series origin/master..  # each commit from there to HEAD
  memdie-audit ~/linux --series HEAD~4.. --terse # one line per finding
  memdie-audit ~/linux --mbox series.mbx         # an emailed series (b4 am)
  memdie-audit ~/linux --symbol TIF_UPROBE       # any flag; its mask is _TIF_UPROBE
  memdie-audit ~/linux --series v6.18.. --changed-flags   # every flag the series changes
  memdie-audit . --series v4.9.. --format sarif -o memdie.sarif
  memdie-audit watch ~/lore/linux-arch --tree mainline=~/linux -o ~/robot --jobs 2

exit status:
  0    no finding at or above --fail-on (default: error)
  1    there are such findings
  2    the input could not be audited (bad path, revision, range, mbox, symbol,
       a repository git refuses, a write error): one line on stderr
  3    internal error: one line; please report it with the command line
  130  interrupted (SIGINT); 143 terminated (SIGTERM)
  A reader that goes away (| head) keeps 0 or 1."""


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="memdie-audit", description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tree", metavar="TREE", nargs="?", default=".",
                   help="kernel tree: a git repository or a plain directory (default: .)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--rev", metavar="REV", help="audit this commit instead of the working tree")
    what.add_argument("--series", metavar="BASE..HEAD",
                      help="audit each commit of a series along its first parents")
    what.add_argument("--mbox", metavar="FILE",
                      help="audit an emailed series (a b4 am mbox or a lore thread; - reads "
                           "stdin) without touching the repository")
    p.add_argument("--base", metavar="REV",
                   help="with --mbox: apply onto REV instead of the mbox's base-commit "
                        "(default: base-commit:, else guessed from the patches' index lines, "
                        "else HEAD)")
    p.add_argument("--3way", dest="three_way", action="store_true",
                   help="with --mbox: a hunk that does not apply is merged from its preimage "
                        "blob where the repository has it")
    p.add_argument("--symbol", action="append", default=[], metavar="TIF_X",
                   help="the flag to audit, its mask _TIF_X; give it again for several "
                        "(default: TIF_MEMDIE)")
    p.add_argument("--changed-flags", action="store_true",
                   help="with --series or --mbox: audit every flag whose definitions the "
                        "series adds, removes, moves or renumbers, or whose references it "
                        "adds or removes (with --symbol: those too)")
    p.add_argument("--intent", action="append", default=[], metavar="[TIF_X=]INTENT",
                   help="what the series does to the flag: remove, add, convert-users, move, "
                        "renumber or untouched (default: decided from base and head); "
                        "'remove' makes a partial removal's leftovers errors")
    p.add_argument("--format", choices=FORMATS, default="text", help="report format")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    p.add_argument("--html", metavar="FILE",
                   help="also write the HTML report to FILE (one self-contained page)")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error",
                   help="exit 1 when a finding of this severity or worse exists")
    p.add_argument("--ignore", metavar="RULE[,RULE]", action="append", default=[],
                   help="drop findings of these rules (as checkpatch --ignore)")
    p.add_argument("--types", metavar="RULE[,RULE]", action="append", default=[],
                   help="keep only findings of these rules (as checkpatch --types)")
    p.add_argument("--terse", action="store_true",
                   help="text: one 'path:line:col: severity: message [rule]' line per finding, "
                        "nothing else")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="text: the findings and the total line only")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="text: a series of many flags in full (each flag's intent, arch "
                        "table and occurrences), not only as one change")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the snapshot cache ($XDG_CACHE_HOME/memdie-audit)")
    p.add_argument("--list-rules", action="store_true",
                   help="list every rule with its severity and what it finds, and exit")
    p.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                   help="text: colour severities, rule ids and the verdict; auto: on a "
                        "terminal, unless NO_COLOR is set (default: %(default)s)")
    p.add_argument("--arches", choices=("changed", "all"), default="changed",
                   help="text, series: the arch table lists the arches whose bit, mask or "
                        "uses changed, or all of them (default: %(default)s)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _rule_list(values: list[str], option: str) -> set[str]:
    """``RULE[,RULE]`` values of an option, every one a known rule id."""
    from .rules import RULES

    rules = {r.strip() for v in values for r in v.split(",") if r.strip()}
    unknown = sorted(rules - set(RULES))
    if unknown:
        raise AuditError(f"{option}: no rule {', '.join(unknown)} (see memdie-audit --list-rules)")
    return rules


def run(args: argparse.Namespace) -> Audit:
    from . import api

    if args.base and not args.mbox:
        raise AuditError("--base goes with --mbox (for --series, write BASE..HEAD)")
    if args.three_way and not args.mbox:
        raise AuditError("--3way goes with --mbox")
    intent = api.intents_for(args.intent)
    if intent and not (args.series or args.mbox):
        raise AuditError("--intent goes with --series or --mbox")
    if args.changed_flags and not (args.series or args.mbox):
        raise AuditError("--changed-flags goes with --series or --mbox (a tree has no changes)")
    symbols = args.symbol or ([] if args.changed_flags else [api.DEFAULT_SYMBOL])
    if args.series:
        return api.audit_series(args.tree, args.series, symbols, progress=terminal_progress,
                                intent=intent, changed=args.changed_flags,
                                cache=not args.no_cache)
    if args.mbox:
        return api.audit_mbox(args.tree, args.mbox, symbols, base=args.base,
                              progress=terminal_progress, intent=intent,
                              changed=args.changed_flags, three_way=args.three_way,
                              cache=not args.no_cache)
    return api.audit_tree(args.tree, symbols, args.rev, cache=not args.no_cache)


def terminal_progress(number: int, total: int, commit: Commit) -> None:
    """Progress on stderr, only where a person is watching."""
    if sys.stderr.isatty():
        end = "\n" if number == total else ""
        sys.stderr.write(f"\r[{number}/{total}] {commit.sha[:12]} {commit.subject[:60]:<60}{end}")
        sys.stderr.flush()


def write_report(audit: Audit, fmt: str, output: str | None, stdout: TextIO,
                 style: str | None = None, text_options: dict[str, Any] | None = None) -> None:
    write = writer(fmt, style)
    if fmt == "text" and text_options:
        write = functools.partial(write, **text_options)
    if output is None:
        to_stdout(lambda out: write(audit, out), stdout)
        return
    buffer = io.StringIO()
    write(audit, buffer)
    target = Path(output)
    try:
        data = buffer.getvalue().encode("utf-8", "surrogateescape")
        if target.is_char_device() or str(target) == os.devnull:
            target.write_bytes(data)
            return
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as err:
        raise AuditError(f"cannot write {output}: {err.strerror}") from None


def _load(*modules: str) -> None:
    """Import what this run needs, and nothing more (Jinja2 only for HTML),
    before it starts and with signals held: Ctrl-C striking while Python
    builds a class can surface as an unrelated RuntimeError instead of an
    interruption."""
    with signals_held():
        for name in modules:
            importlib.import_module(f"{__package__}.{name}")


def main(argv: Sequence[str] | None = None) -> int:
    program = argv is None  # the memdie-audit command, not a call from Python code
    argv = list(sys.argv[1:] if argv is None else argv)
    _escape_what_stdout_cannot_encode()
    try:
        with signals_unwind():
            return _main(argv)
    except KeyboardInterrupt:
        print("memdie-audit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("memdie-audit: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if program:
            # All is said: a Ctrl-C from now on has nothing left to stop and
            # would only strike Python's shutdown, as a traceback.
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _escape_what_stdout_cannot_encode() -> None:
    """Paths in a kernel tree are bytes: on a UTF-8 stdout, undecodable ones
    are written back as they were. Any other encoding (PYTHONIOENCODING=ascii,
    a C locale) gets what it cannot encode as backslash escapes, never an
    error: ``\\xe9`` for such a byte, ``\\u2192`` for a character."""
    if not hasattr(sys.stdout, "reconfigure"):
        return
    utf8 = codecs.lookup(sys.stdout.encoding or "ascii").name == "utf-8"
    sys.stdout.reconfigure(errors="surrogateescape" if utf8 else _ESCAPE)


def _escape(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    text = err.object[err.start:err.end]
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF
                   else c.encode("ascii", "backslashreplace").decode("ascii")
                   for c in text), err.end


_ESCAPE = "memdie-audit-backslashreplace"
codecs.register_error(_ESCAPE, _escape)


def _stdout() -> TextIO:
    """Standard output, or an AuditError when it was closed (``>&-``)."""
    if sys.stdout is None:
        raise AuditError("standard output is closed; give -o FILE")
    return sys.stdout


def _main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["demo"]:
            _load("demo")
            from .demo import run_demo
            return run_demo(argv[1:], sys.stdout)
        if argv[:1] == ["watch"]:
            _load("robot")
            from .robot import run as watch
            return watch(argv[1:], sys.stdout)
        if argv[:1] in (["fix"], ["atlas"]):
            _load(argv[0])
            command = importlib.import_module(f"{__package__}.{argv[0]}")
            return command.run(argv[1:], sys.stdout)
        args = parser().parse_args(argv)
        _load("api", "result", f"report.{FORMATS[args.format]}",
              *(["mailed", "sources.mail"] if args.mbox else []),
              *(["report.html"] if args.html else []))
        if args.list_rules:
            from .rules import RULES
            to_stdout(lambda out: out.writelines(
                f"{rule.id:<20} {rule.severity.value:<8} {rule.summary}\n"
                for rule in RULES.values()), _stdout())
            return EXIT_CLEAN
        wanted, ignored = _rule_list(args.types, "--types"), _rule_list(args.ignore, "--ignore")
        _check_outputs(args)
        audit = run(args)
        if wanted or ignored:
            audit = audit.keep(lambda f: (not wanted or f.rule in wanted) and
                               f.rule not in ignored)
        from .result import Severity
        status = EXIT_FINDINGS if audit.fails(Severity(args.fail_on)) else EXIT_CLEAN
        style = "terse" if args.terse else "quiet" if args.quiet else None
        stdout = sys.stdout if args.output else _stdout()
        try:
            write_report(audit, args.format, args.output, stdout, style,
                         text_options(args, stdout))
        except BrokenPipeError:
            _silence_stdout()  # `| head`: the status still says whether there are findings
        if args.html:
            write_report(audit, "html", args.html, stdout)
        return status
    except AuditError as err:
        print(f"memdie-audit: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; say nothing more.
        _silence_stdout()
        return EXIT_CLEAN
    except Exception as err:  # noqa: BLE001 - the one place that turns a bug into a line
        where = _innermost(err.__traceback__)
        print(f"memdie-audit: internal error: {type(err).__name__}: {err} (at {where}); "
              f"please report it with the command line that caused it", file=sys.stderr)
        return EXIT_INTERNAL


def text_options(args: argparse.Namespace, stream: TextIO) -> dict[str, Any]:
    """What --color and --arches ask of the text writer. ``auto`` colours
    only a terminal (never a file or a pipe), and not when the user set
    NO_COLOR (no-color.org) or TERM=dumb."""
    color = args.color == "always"
    if args.color == "auto" and not args.output:
        isatty = getattr(stream, "isatty", None)
        color = bool(isatty and isatty() and not os.environ.get("NO_COLOR")
                     and os.environ.get("TERM") != "dumb")
    return {"color": color, "arches": args.arches, "verbose": args.verbose}


def to_stdout(write: Callable[[TextIO], None], stdout: TextIO) -> None:
    """``write(stdout)`` and flush it now: a full disk or a terminal gone
    is one line and exit 2, not an error in Python's shutdown. A reader
    that goes away (BrokenPipeError) is left to the caller."""
    try:
        write(stdout)
        stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        raise AuditError(f"cannot write to standard output: {err.strerror}") from None


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _check_outputs(args: argparse.Namespace) -> None:
    """-o and --html must not name the mbox being read, nor each other:
    nothing the user gave as input is overwritten. Nor is an audit run
    whose report has nowhere to go."""
    if not args.output:
        _stdout()
    def same(a: str | None, b: str | None) -> bool:
        return bool(a and b and a != "-" and b != "-"
                    and os.path.realpath(a) == os.path.realpath(b))
    for option, path in (("-o", args.output), ("--html", args.html)):
        if same(path, args.mbox):
            raise AuditError(f"{option} {path}: that is the mbox being audited")
    if same(args.output, args.html):
        raise AuditError(f"-o and --html name the same file {args.output}")


def _innermost(tb: object) -> str:
    """``file:line`` of the innermost frame of a traceback, for a bug report."""
    last = tb
    while getattr(last, "tb_next", None) is not None:
        last = last.tb_next  # type: ignore[attr-defined]
    frame = getattr(last, "tb_frame", None)
    if frame is None:
        return "?"
    return f"{Path(frame.f_code.co_filename).name}:{last.tb_lineno}"  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
