"""The review robot's benchmark (``bench.py --robot``): a public-inbox
archive of 10,000 messages of which about 1% belong to flag series.

Two passes of ``memdie-audit watch`` into fresh folders: one over the
archive without the flag series (every message read and skipped: the skip
rate in messages/s), one over the whole archive (its extra time over the
first, per audited series x tree, is the audit's cost), compared with
``--mbox`` of each of those series on the same tree (JSON and HTML, as the
robot writes both), with the same warm snapshot cache.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from memdie_audit.demo_tree import build_repo, inbox

AUDIT = [sys.executable, "-m", "memdie_audit"]
VARIANTS = ("clean", "forgot-arch", "kept-mask", "bisect-break")
PATHS = ("fs/ext4/inode.c", "net/core/dev.c", "drivers/gpu/drm/drm_gem.c", "mm/filemap.c",
         "kernel/sched/fair.c", "drivers/net/ethernet/intel/e1000/e1000_main.c",
         "Documentation/admin-guide/README.rst", "tools/perf/builtin-top.c")


def noise(count: int, seed: int = 7) -> list[bytes]:
    """Mail that touches no flag: small series, replies quoting them, talk."""
    rng = random.Random(seed)
    out: list[bytes] = []
    while len(out) < count:
        n = len(out)
        kind = rng.random()
        if kind < 0.45:
            total = rng.choice((1, 2, 3, 5))
            first = f"p{n}@example.org"
            for i in range(1, total + 1):
                path = rng.choice(PATHS)
                lines = "".join(f"-\told_{rng.randrange(10**6)}();\n+\tnew_{i}_{k}();\n"
                                for k in range(rng.randrange(5, 40)))
                body = (f"Rework part {i}.\n\nSigned-off-by: A Developer <dev@example.org>\n---\n"
                        f" {path} | 4 ++--\n\ndiff --git a/{path} b/{path}\nindex 1111111..2222222 "
                        f"100644\n--- a/{path}\n+++ b/{path}\n@@ -10,40 +10,40 @@ void f(void)\n"
                        f" {{\n{lines} }}\n-- \n2.10.0\n")
                label = f" {i}/{total}" if total > 1 else ""
                out.append(inbox.message(f"p{n}-{i}@example.org" if total > 1 else first,
                                         f"[PATCH{label}] subsystem: rework {n}", body,
                                         reply_to=first if i > 1 else None))
        elif kind < 0.85 and out:
            quoted = "".join(f"> line {k} of what was said\n" for k in range(rng.randrange(5, 60)))
            out.append(inbox.message(f"r{n}@example.org", f"Re: [PATCH] subsystem: rework {n}",
                                     f"On a day, someone wrote:\n{quoted}\nLooks fine to me.\n",
                                     reply_to=f"p{max(n - 3, 0)}@example.org"))
        else:
            out.append(inbox.message(f"t{n}@example.org", f"question {n}",
                                     "How does this work?\n" * rng.randrange(3, 30)))
    return out[:count]


def flag_series(repo, count: int) -> list[list[bytes]]:  # type: ignore[no-untyped-def]
    return [inbox.mailed_series(repo.path, repo.base, repo.heads[VARIANTS[i % len(VARIANTS)]],
                                subject=f"mm, oom: get rid of TIF_MEMDIE ({i})", tag=f"s{i}")
            for i in range(count)]


def _timed(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of the command; its CPU seconds (with git's) go to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    status = subprocess.run(command, check=False, env=env, stdout=subprocess.DEVNULL).returncode
    if status not in (0, 1):  # 1: the series has findings
        raise SystemExit(f"{' '.join(command[2:5])}: exit status {status}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return time.perf_counter() - start


CPU: list[float] = []


def run(workdir: Path, env: dict[str, str], messages: int = 10_000, series: int = 20,
        rounds: int = 3) -> dict:
    root = workdir / "robot"
    shutil.rmtree(root, ignore_errors=True)
    repo = build_repo(root / "linux")
    mailed = flag_series(repo, series)
    flagged = sum(len(s) for s in mailed)
    other = noise(messages - flagged)
    rng = random.Random(3)
    mixed = list(other)
    for s in mailed:  # each series in one piece, at a random place
        at = rng.randrange(len(mixed) + 1)
        mixed[at:at] = s
    half = len(mixed) // 2
    quiet = inbox.write_inbox(root / "quiet", [other[:len(other) // 2], other[len(other) // 2:]])
    full = inbox.write_inbox(root / "full", [mixed[:half], mixed[half:]])
    tree = ["--tree", f"main={repo.path}@{repo.base}"]
    # Warm the snapshot cache of the base for both sides.
    subprocess.run([*AUDIT, str(repo.path), "--rev", repo.base, "--format", "json", "-o",
                    "/dev/null"], env=env, check=False)
    skips, fulls, skip_cpu = [], [], []
    for r in range(rounds):
        skips.append(_timed([*AUDIT, "watch", str(quiet), *tree, "-o", str(root / f"q{r}")],
                            env))
        skip_cpu.append(CPU[-1])
        fulls.append(_timed([*AUDIT, "watch", str(full), *tree, "-o", str(root / f"f{r}")],
                            env))
    skip_s, full_s = statistics.median(skips), statistics.median(fulls)
    cpu_s = statistics.median(skip_cpu)
    mbox_times = []
    for i, s in enumerate(mailed[:len(VARIANTS)]):
        mbox = root / f"series{i}.mbx"
        mbox.write_bytes(b"".join(b"From x Thu Jan  1 00:00:00 1970\n" + m + b"\n" for m in s))
        mbox_times.append(statistics.median(_timed(
            [*AUDIT, str(repo.path), "--mbox", str(mbox), "--base", repo.base,
             "--changed-flags", "--format", "json", "-o", "/dev/null", "--html",
             str(root / "m.html")], env) for _ in range(rounds)))
    per_series = (full_s - skip_s) / series
    mbox_s = statistics.mean(mbox_times)
    result = {"messages": messages, "flag_messages": flagged, "series": series,
              "skip_pass_s": round(skip_s, 2),
              "skip_rate_msgs_per_s": round(len(other) / skip_s),
              "skip_cpu_s": round(cpu_s, 2),
              "skip_rate_per_cpu_s": round(len(other) / cpu_s),
              "load_average": os.getloadavg()[0], "cores": os.cpu_count(),
              "full_pass_s": round(full_s, 2),
              "per_series_tree_s": round(per_series, 2), "mbox_s": round(mbox_s, 2),
              "ratio_to_mbox": round(per_series / mbox_s, 2)}
    print(f"robot: {len(other)} unrelated messages skipped in {skip_s:.2f}s "
          f"= {result['skip_rate_msgs_per_s']} messages/s (target >= 2,000, "
          f"{'ok' if result['skip_rate_msgs_per_s'] >= 2000 else 'MISSED'}); "
          f"{cpu_s:.2f} CPU seconds with git = {result['skip_rate_per_cpu_s']} messages "
          f"per CPU second (load average {result['load_average']:.1f}, "
          f"{result['cores']} cores)")
    print(f"robot: {messages} messages with {series} flag series ({flagged} messages) in "
          f"{full_s:.2f}s: {per_series:.2f}s per series x tree; --mbox of such a series "
          f"{mbox_s:.2f}s (JSON + HTML, a process each): ratio {result['ratio_to_mbox']:.2f} "
          f"(target <= 1, {'ok' if result['ratio_to_mbox'] <= 1 else 'MISSED'})", flush=True)
    return result
