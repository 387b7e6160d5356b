"""Which arches can compile a piece of common code: the config options it
needs (``obj-$(CONFIG_X)`` in the Makefiles above it, ``#ifdef CONFIG_X``
around it) and whether each arch's Kconfig can enable them.

livepatch's TIF_PATCH_PENDING is the model: kernel/livepatch/ is built
only with CONFIG_LIVEPATCH, which ``depends on HAVE_LIVEPATCH``, which only
the arches that support live patching ``select``. An arch without it never
compiles those references, so an addition of the flag need not reach it.

Read on demand (only a flag's addition asks), and only as far as it can be
read with confidence: a condition with ``||``, an option defined nowhere or
a dependency that is not an arch's to select counts as "can build".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..sources.trees import Source, is_kconfig

_ENTRY = re.compile(r"^\s*(config|menuconfig)\s+(\w+)\s*$")
_END_OF_ENTRY = re.compile(r"^\s*(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|"
                           r"source|comment|mainmenu)\b")
_DEPENDS = re.compile(r"^\s*depends\s+on\s+(.+)$")
_SELECT = re.compile(r"^\s*(?:select|imply)\s+(\w+)")
_PROMPT = re.compile(r'^\s*((bool|tristate|def_bool|def_tristate)\s+"|prompt\b)')
_DEFAULT = re.compile(r"^\s*(default|def_bool|def_tristate)\b")
_IF = re.compile(r"^\s*if\s+(.+)$")
_SYMBOL = re.compile(r"^\(?\s*(\w+)\s*\)?$")
_MAKE_LINE = re.compile(r"^\s*([\w.-]+?)-(y|objs|\$\(CONFIG_(\w+)\))\s*[:+]?=\s*(.*)$")
MAX_DEPTH = 3  # how far dependencies are followed


def _conjuncts(expression: str) -> set[str]:
    """The plain symbols an expression needs (``A && B``; none with ``||``)."""
    expression = expression.split("#", 1)[0]
    if "||" in expression:
        return set()
    return {m.group(1) for term in expression.split("&&")
            if (m := _SYMBOL.match(term.strip().split("=")[0].strip()))}


@dataclass
class _Entry:
    path: str
    depends: set[str] = field(default_factory=set)
    prompt: bool = False
    default: bool = False


def _logical_lines(text: str) -> list[str]:
    return text.replace("\\\n", " ").splitlines()


def _parse_kconfig(path: str, data: bytes) -> tuple[list[tuple[str, _Entry]], list[str]]:
    """A Kconfig file's entries (name, entry) and the symbols it selects."""
    entries: list[tuple[str, _Entry]] = []
    selects: list[str] = []
    blocks: list[set[str]] = []  # enclosing ``if`` conditions
    current: _Entry | None = None
    for line in _logical_lines(data.decode("utf-8", "replace")):
        if m := _ENTRY.match(line):
            current = _Entry(path, set().union(*blocks))
            entries.append((m.group(2), current))
            continue
        if _END_OF_ENTRY.match(line):
            current = None
            if m := _IF.match(line):
                blocks.append(_conjuncts(m.group(1)))
            elif line.strip().startswith("endif") and blocks:
                blocks.pop()
            continue
        if m := _SELECT.match(line):
            selects.append(m.group(1))
        if current is None:
            continue
        if m := _DEPENDS.match(line):
            current.depends |= _conjuncts(m.group(1))
        elif _PROMPT.match(line):
            current.prompt = True
        if _DEFAULT.match(line):
            current.default = True
    return entries, selects


def _arch_of(path: str) -> str | None:
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "arch" else None


class BuildFacts:
    """What the Makefiles and Kconfigs of one tree state say about building
    common code; ``overlay`` holds files a series changed (None: deleted)."""

    def __init__(self, source: Source, overlay: Mapping[str, bytes | None] | None = None
                 ) -> None:
        self.source = source
        self.overlay = dict(overlay or {})
        self._files: dict[str, bytes | None] = {}
        self._entries: dict[str, list[_Entry]] = {}
        self._selected_by: dict[str, set[str]] = {}  # symbol -> files that select it
        self._asked: set[str] = set()
        self._can: dict[tuple[str, str], bool] = {}
        self._entered: dict[str, set[str]] = {}

    def updated(self, changes: Mapping[str, bytes | None]) -> BuildFacts:
        """The facts after a commit (the same object when it changes no
        Makefile or Kconfig)."""
        relevant = {p: d for p, d in changes.items() if is_kconfig(p) or _is_makefile(p)}
        if not relevant:
            return self
        return BuildFacts(self.source, {**self.overlay, **relevant})

    # -- Makefiles --------------------------------------------------------------------

    def _file(self, path: str) -> bytes | None:
        if path in self.overlay:
            return self.overlay[path]
        if path not in self._files:
            self._files[path] = self.source.read([path]).get(path)
        return self._files[path]

    def file_configs(self, path: str) -> frozenset[str]:
        """Options the Makefiles need enabled to build ``path`` (a .c or .S
        file): ``obj-$(CONFIG_X) += file.o``, or a directory above it
        entered through ``obj-$(CONFIG_X) += dir/``."""
        if not path.endswith((".c", ".S")):
            return frozenset()
        return frozenset(self._path_configs(path))

    def _path_configs(self, path: str) -> set[str]:
        folder, _, name = path.rpartition("/")
        if not folder:
            return set()
        return self._makefile_configs(folder, name.rsplit(".", 1)[0] + ".o") \
            | self._folder_configs(folder)

    def _folder_configs(self, folder: str) -> set[str]:
        """Options needed to enter ``folder`` from the Makefile above it."""
        if folder not in self._entered:
            parent, _, name = folder.rpartition("/")
            found = self._makefile_configs(parent, name + "/")
            self._entered[folder] = found | (self._folder_configs(parent) if parent else set())
        return self._entered[folder]

    def _makefile_configs(self, folder: str, target: str, depth: int = 0) -> set[str]:
        prefix = f"{folder}/" if folder else ""
        data = self._file(f"{prefix}Makefile") or self._file(f"{prefix}Kbuild")
        if data is None or depth > 3:
            return set()
        for line in _logical_lines(data.decode("utf-8", "replace")):
            m = _MAKE_LINE.match(line)
            if m is None or target not in m.group(4).split():
                continue
            owner, option = m.group(1), m.group(3)
            if owner == "obj":
                return {option} if option else set()
            # part of a composite object: built when that object is
            composite = self._makefile_configs(folder, f"{owner}.o", depth + 1)
            return composite | ({option} if option else set())
        return set()

    # -- Kconfig -----------------------------------------------------------------------

    def _learn(self, symbols: set[str]) -> None:
        """Read the Kconfig files that name any of ``symbols``."""
        new = symbols - self._asked
        if not new:
            return
        self._asked |= new
        files = {p: d for p, d in self.source.kconfig_files(sorted(new)).items()
                 if p not in self.overlay}
        for path, data in self.overlay.items():
            if data is not None and is_kconfig(path) and any(
                    re.search(rb"\b%s\b" % s.encode(), data) for s in new):
                files[path] = data
        for path, data in files.items():
            if path in self._files:
                continue
            self._files[path] = data
            entries, selects = _parse_kconfig(path, data)
            for name, entry in entries:
                self._entries.setdefault(name, []).append(entry)
            for name in selects:
                self._selected_by.setdefault(name, set()).add(path)

    def selected_by_arch(self, arch: str, option: str) -> bool:
        """Does ``arch``'s own Kconfig ``select`` ``option``? (Strict: an
        option no Kconfig names is not selected.)"""
        self._learn({option})
        return any(_arch_of(p) == arch for p in self._selected_by.get(option, ()))

    def can_enable(self, arch: str, option: str, depth: int = 0) -> bool:
        """Can ``arch``'s Kconfig enable ``option``? No when the option is
        defined only in other arches' Kconfigs, when it is a capability
        (no prompt, no default: set by ``select`` alone, and selected by
        arches' Kconfigs only, or by none) this arch does not select, or
        when a dependency it needs is one of those."""
        key = (arch, option)
        if key not in self._can:
            self._can[key] = True  # a dependency cycle counts as "can"
            self._can[key] = self._can_enable(arch, option, depth)
        return self._can[key]

    def _can_enable(self, arch: str, option: str, depth: int) -> bool:
        self._learn({option})
        entries = self._entries.get(option, [])
        homes = {_arch_of(e.path) for e in entries}
        if entries and None not in homes and arch not in homes:
            return False  # another arch's own option
        selectors = self._selected_by.get(option, set())
        by_arch = {_arch_of(p) for p in selectors}
        if entries and not any(e.prompt or e.default for e in entries) and None not in by_arch \
                and arch not in by_arch:
            return False  # a capability (set only by select) the arch does not select
        if depth >= MAX_DEPTH or not entries:
            return True
        needed = set.intersection(*(e.depends for e in entries))
        self._learn(needed)
        return all(self.can_enable(arch, d, depth + 1) for d in sorted(needed))


def _is_makefile(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in ("Makefile", "Kbuild")
