"""The eras the demo tree can be built in: which base tree, which series on
top of it, and what a correct audit of each series reports.

``4.9`` is the tree of the "mm, oom: get rid of TIF_MEMDIE" series (a flag
header per arch). ``modern`` has the shape of Linux v6.19, where x86, riscv,
s390 and loongarch take their low bits from
``include/asm-generic/thread_info_tif.h``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from . import bug_series_asm, generic_bits, modern, modern_series
from .arch_layouts import ArchFacts, arch_facts
from .series_specs import PLANS, SERIES, SeriesSpec, Step
from .state import BASE, render_tree


@dataclass(frozen=True)
class Era:
    """One shape of the tree. ``render`` turns a state (``base`` or a
    step's) into every file of the tree, path -> bytes."""

    name: str
    release: str  # the kernel release whose shape the base tree has
    base: Any
    render: Callable[[Any], dict[str, bytes]]
    plans: Mapping[str, tuple[Step, ...]]
    series: Mapping[str, SeriesSpec]
    facts: Callable[[], dict[str, ArchFacts]]
    base_date: int  # seconds since the epoch, for the base commit
    base_message: str


V4_9 = Era(
    name="4.9", release="v4.9", base=BASE, render=render_tree, plans=PLANS, series=SERIES,
    facts=arch_facts,
    base_date=1481497200,  # 2016-12-11 23:00 UTC, the week of v4.9
    base_message="Linux 4.9 (memdie-audit fixture)\n\nA synthetic tree with the shape of v4.9.\n",
)

MODERN = Era(
    name="modern", release="v6.19", base=modern.BASE, render=modern.render_modern,
    plans=modern_series.PLANS, series=modern_series.MODERN_SERIES, facts=modern.modern_facts,
    base_date=1770562800,  # 2026-02-08 15:00 UTC, the week of v6.19
    base_message="Linux 6.19 (memdie-audit fixture)\n\n"
                 "A synthetic tree with the shape of v6.19: four arches take their\n"
                 "low flag bits from include/asm-generic/thread_info_tif.h.\n",
)

GENERIC_BITS = Era(
    name="6.17", release="v6.17", base=generic_bits.BASE, render=modern.render_modern,
    plans=generic_bits.PLANS,
    series={s.name: replace(s, subjects=tuple(step.subject for step in generic_bits.PLANS[s.name]))
            for s in generic_bits.SPECS},
    facts=modern.modern_facts,
    base_date=1759068000,  # 2025-09-28 14:00 UTC, the week of v6.17
    base_message="Linux 6.17 (memdie-audit fixture)\n\n"
                 "A synthetic tree with the shape of v6.17: every arch numbers its flags\n"
                 "in its own header; there are no generic TIF bits yet.\n",
)


ASM_BUGS = Era(
    name=bug_series_asm.ERA_NAME, release="v5.10", base=bug_series_asm.BASE,
    render=bug_series_asm.render, plans=bug_series_asm.PLANS, series=bug_series_asm.SERIES,
    facts=dict,
    base_date=1607900400,  # 2020-12-13 23:00 UTC, the week of v5.10
    base_message="Linux 5.10 entry code (memdie-audit fixture)\n\n"
                 "A small tree in the idioms of 4.9-5.10 entry code, for the operand rules.\n",
)

ERAS: dict[str, Era] = {era.name: era for era in (V4_9, MODERN, GENERIC_BITS, ASM_BUGS)}
DEFAULT_ERA = V4_9.name


def era_named(name: str) -> Era:
    try:
        return ERAS[name]
    except KeyError:
        raise ValueError(f"unknown era: {name} (known: {', '.join(ERAS)})") from None
