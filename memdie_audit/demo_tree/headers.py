"""Render flag headers from the arch table.

The flag lines are generated from ``layout.HeaderSpec`` data, so a series
step that deletes a definition, renumbers a flag or botches a mask is a change
to ``HeaderEdits``, and the rest of the header stays byte-identical. The rest
is ``data/templates/thread_info.h`` (``thread_info_tif.h`` for the generic
header).
"""

from __future__ import annotations

from dataclasses import dataclass

from .arch_layouts import MASK_STYLES, SPARC_DISPATCH, STYLE_INCLUDES
from .layout import SYMBOL, Bit, HeaderSpec, Raw
from .template import fill, load


@dataclass(frozen=True)
class HeaderEdits:
    """How one header differs from the base tree."""

    memdie: bool = True  # keep ``#define TIF_MEMDIE``
    memdie_mask: bool = True  # keep ``#define _TIF_MEMDIE``
    renumber: tuple[tuple[str, int], ...] = ()  # (flag, new bit)
    shifts: tuple[tuple[str, str], ...] = ()  # (mask's flag, flag it shifts instead)
    restyle: tuple[tuple[str, str], ...] = ()  # (flag, mask style its mask is written in)
    add: tuple[Bit, ...] = ()  # flags the base does not have, each with its mask


def with_added(layout: tuple[Bit | Raw, ...], add: tuple[Bit, ...]) -> tuple[Bit | Raw, ...]:
    """``layout`` with each flag of ``add`` after the last unconditional bit
    below it (before the first bit when there is none), as a patch that
    takes a free bit would put it: never inside an ``#if`` block."""
    items = list(layout)
    for new in add:
        depth, at, first = 0, None, None
        for i, item in enumerate(items):
            if isinstance(item, Raw):
                depth += item.text.startswith("#if") - item.text.startswith("#endif")
            elif depth == 0:
                first = i if first is None else first
                at = i + 1 if item.bit < new.bit else at
        items.insert(at if at is not None else first if first is not None else len(items), new)
    return tuple(items)


def visual_width(text: str) -> int:
    col = 0
    for ch in text:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col


def pad_to(text: str, column: int, spaces: bool) -> str:
    """Pad with tabs (or spaces) to ``column``; always at least one."""
    width = visual_width(text)
    if spaces:
        return text + " " * max(1, column - width)
    tabs = max(1, -(-(column - width) // 8))
    return text + "\t" * tabs


def define(name: str, value: str, note: str, more: str, spaces: bool, slashes: bool = False) -> str:
    line = pad_to(f"#define {name}", 32, spaces) + value
    if not note:
        return line
    if slashes:
        return pad_to(line, 40, spaces) + f"// {note}"
    line = pad_to(line, 40, spaces)
    if not more:
        return line + f"/* {note} */"
    indent = pad_to("", visual_width(line), spaces)
    return f"{line}/* {note}\n{indent} * {more} */"


def _is_cond(text: str) -> bool:
    return text.startswith(("#if", "#else", "#elif", "#endif"))


def _drop_empty_blocks(lines: list[str]) -> list[str]:
    """Remove ``#if``/``#else`` arms that ended up holding no line."""
    changed = True
    while changed:
        changed = False
        for i in range(len(lines) - 1):
            a, b = lines[i], lines[i + 1]
            if b.startswith("#endif") and (a.startswith("#if") or a.startswith("#else")):
                del lines[i : i + (2 if a.startswith("#if") else 1)]
                changed = True
                break
    return lines


def flag_lines(spec: HeaderSpec, edits: HeaderEdits) -> list[str]:
    renumber = dict(edits.renumber)
    out = []
    for item in with_added(spec.layout, edits.add):
        if isinstance(item, Raw):
            out.append(item.text)
            continue
        if item.name == SYMBOL and not edits.memdie:
            continue
        bit = renumber.get(item.name, item.bit)
        value = f"0x{bit:02x}" if spec.hex_bits else str(bit)
        out.append(define(f"TIF_{item.name}", value, item.note, item.more, spec.spaces))
    return out


def mask_lines(spec: HeaderSpec, edits: HeaderEdits) -> list[str]:
    if spec.style == "none":
        return []
    shifts = dict(edits.shifts)
    restyle = dict(edits.restyle)
    out = []
    for item in with_added(spec.layout, edits.add):
        if isinstance(item, Raw):
            if _is_cond(item.text):
                out.append(item.text)
        elif item.mask and (item.name != SYMBOL or edits.memdie_mask):
            target = "TIF_" + shifts.get(item.name, item.name)
            style = MASK_STYLES[restyle.get(item.name, spec.style)]
            out.append(define(f"_TIF_{item.name}", style.format(target), "", "", spec.spaces))
    return _drop_empty_blocks(out)


def _guard(path: str) -> str:
    arch = path.split("/")[1]
    stem = path.rsplit("/", 1)[-1].replace(".", "_").upper()
    return f"_ASM_{arch.upper()}_{stem}"


def render_header(spec: HeaderSpec, edits: HeaderEdits = HeaderEdits()) -> str:
    salt = sum(map(ord, spec.path))  # stable per header: varies the boilerplate
    includes = ["<linux/types.h>", "<asm/page.h>"]
    if spec.style in STYLE_INCLUDES:
        includes.insert(0, STYLE_INCLUDES[spec.style])
    masks = mask_lines(spec, edits)
    return fill(
        load("templates/thread_info.h"),
        arch=spec.path.split("/")[1],
        guard=_guard(spec.path),
        kernel_guard=salt % 3 == 0,
        config_4kstacks=salt % 2 == 1,
        includes=includes,
        field=spec.field,
        ti_flags=str(spec.width // 8),
        flags=flag_lines(spec, edits),
        masks=[""] + masks if masks else [],
        composites=["", *spec.composites] if spec.composites else [],
    )


def render_generic(edits: HeaderEdits, layout: tuple[Bit | Raw, ...],
                   template: str = "templates/thread_info_tif.h") -> str:
    """The generic header (of an era that has one) from ``layout`` and the
    skeleton ``template``."""
    out: list[str] = []
    shifts = dict(edits.shifts)
    renumber = dict(edits.renumber)
    depth = 0
    for item in with_added(layout, edits.add):
        if isinstance(item, Raw):
            out.append(item.text)
            depth += item.text.startswith("#if") - item.text.startswith("#endif")
            if item.text.startswith("#endif"):
                out.append("")
            continue
        bit = renumber.get(item.name, item.bit)
        lines = []
        if item.name != SYMBOL or edits.memdie:
            lines.append(define(f"TIF_{item.name}", str(bit), item.note, "", False, slashes=True))
        if item.name != SYMBOL or edits.memdie_mask:
            target = "TIF_" + shifts.get(item.name, item.name)
            lines.append(define(f"_TIF_{item.name}", f"BIT({target})", "", "", False))
        # inside an #ifdef the pair sits tight; at top level pairs are spaced
        out += [("# " + ln[1:] if depth else ln) for ln in lines]
        if lines and not depth:
            out.append("")
    return fill(load(template), bits=out)


def render_sparc_dispatch() -> str:
    """sparc's thread_info.h only picks the 32- or 64-bit header."""
    return load(f"fixed/{SPARC_DISPATCH}")
