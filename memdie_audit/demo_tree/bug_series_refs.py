"""Small trees and series for the bugs cross-arch flag series really ship
where references and roles are concerned: a flag left out of one arch's
exit-work mask, code under ``#ifdef TIF_X`` left dead, references a
pasting macro builds, masks only asm-offsets defines.

Each case is a folder of ``data/bugs/refs/``: ``case.json`` (the flag, the
commits' subjects, the findings a correct audit makes), ``base/`` (the
tree before) and one folder per commit, ``1/``, ``2/`` …, whose files
replace the tree's (a file holding only ``DELETE`` deletes). Every case
has a clean twin: the same idiom done right, which must give no finding.

    case = build_case(tmp_path / "wm", "work-mask-forgotten")
    case.revrange, case.spec.symbol, case.spec.expected
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from .gitrepo import _git, git_env

DELETE = b"DELETE\n"


def _root():  # type: ignore[no-untyped-def]
    return files(__package__).joinpath("data", "bugs", "refs")


@dataclass(frozen=True)
class CaseSpec:
    name: str
    symbol: str
    steps: tuple[str, ...]  # the commits' subjects
    expected: tuple[tuple[str, str | None, int | None], ...]  # rule, path, line
    intent: str | None = None
    args: tuple[str, ...] = ()  # extra command-line arguments (--changed-flags)
    intents: dict[str, str] | None = None  # what the audit must decide, per flag


@dataclass(frozen=True)
class BuiltCase:
    path: Path
    base: str
    head: str
    spec: CaseSpec

    @property
    def revrange(self) -> str:
        return f"{self.base}..{self.head}"


def case_names() -> list[str]:
    return sorted(p.name for p in _root().iterdir() if p.joinpath("case.json").is_file())


def case_spec(name: str) -> CaseSpec:
    raw = json.loads(_root().joinpath(name, "case.json").read_text())
    return CaseSpec(name, raw["symbol"], tuple(raw.get("steps", ())),
                    tuple((r, p, n) for r, p, n in raw["expected"]), raw.get("intent"),
                    tuple(raw.get("args", ())), raw.get("intents"))


def _files(folder) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    found: dict[str, bytes] = {}

    def walk(node, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for child in node.iterdir():
            path = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, path + "/")
            else:
                found[path] = child.read_bytes()

    walk(folder, "")
    return found


def build_case(root: Path, name: str) -> BuiltCase:
    """A git repository of case ``name``: its base, then one commit per step."""
    spec = case_spec(name)
    folder = _root().joinpath(name)
    root.mkdir(parents=True, exist_ok=True)
    with git_env() as env:
        _git(root, env, "init", "-q", "-b", "master")
        tree: dict[str, bytes] = {}
        shas = []
        for index, subject in enumerate(("base", *spec.steps)):
            step = folder.joinpath("base" if index == 0 else str(index))
            for path, data in _files(step).items():
                target = root / path
                if data == DELETE:
                    tree.pop(path, None)
                    target.unlink(missing_ok=True)
                    continue
                tree[path] = data
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            _git(root, env, "add", "-A")
            _git(root, env, "commit", "-q", "--allow-empty", "-m", subject)
            shas.append(_git(root, env, "rev-parse", "HEAD").decode().strip())
    return BuiltCase(root, shas[0], shas[-1], spec)
