#!/usr/bin/env python3
"""How much an audit costs next to the ``git grep`` that finds the flag.

Run by hand, not in the test suite:

    python benchmarks/bench.py                 # builds a kernel-sized tree once
    python benchmarks/bench.py --tree ~/linux [--series BASE..HEAD [--mbox FILE]] [--push]
    python benchmarks/bench.py --robot         # the review robot (benchmarks/robot.py)

Without --tree it builds (and reuses) a fixture repository of >= 50,000
files and >= 500 MB with the flag in about 40 files, plus the removal
series, a 200-commit series and the clean series as an mbox. Every command
runs --rounds times, alternating with the git grep it is compared with;
the report gives medians, the ratio of medians beside its target
(DESIGN.md, "Performance") and the peak RSS of the audit's Python process
and of its largest git process. First looks run with --no-cache; the
second look reads the snapshot a first run cached (in a cache directory
of the benchmark's own).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from padding import padding_files  # noqa: E402  (benchmarks/padding.py, next to this script)

from memdie_audit.demo_tree import build_repo, format_patch  # noqa: E402

PATTERN = "_?TIF_MEMDIE"
AUDIT = [sys.executable, "-m", "memdie_audit"]
# Runs a command and prints its wall time and the peak RSS of its process
# tree (RUSAGE_CHILDREN: the largest descendant that was waited for).
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(time.perf_counter() - start, 0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
      status)
"""
# Runs the audit in this interpreter, as ``python -m memdie_audit`` would,
# so that its own peak RSS and git's (RUSAGE_CHILDREN: at least what the
# audit's process held when it started git) are told apart; the time is
# taken around the whole process, start-up included.
MEASURE_AUDIT = """
import os, resource, runpy, sys
report = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
sys.argv = ["memdie-audit", *sys.argv[1:]]
try:
    runpy.run_module("memdie_audit", run_name="__main__", alter_sys=True)
    status = 0
except SystemExit as done:
    status = done.code if isinstance(done.code, int) else 1
# VmHWM is this process's own peak; ru_maxrss would start from the peak
# of the process that started it (Linux carries it across exec).
with open("/proc/self/status") as f:
    own = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(0, own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, status, file=report)
"""
# What each measurement should reach (DESIGN.md, "Performance"), as a ratio
# to the git grep it is compared with.
TARGETS = {"inventory --rev": 0.9, "inventory of the working tree": 1.0,
           "push that never touches the flag": 0.2, "series, 1,000 commits": 2.0,
           "treewide series, 50 x 200 files": 2.0, "mbox, 100 patches": 2.0,
           "inventory --rev again (cached)": 0.3, "--changed-flags, treewide series": 1.0}
RSS_TARGET_MB = 250


def environment(cache: Path) -> dict[str, str]:
    """The measured commands' environment: our code, a snapshot cache of
    their own, and bytecode written and read as an installed package has
    it (PYTHONDONTWRITEBYTECODE would compile every module on every run)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int, int]:
    """Seconds, peak RSS (kB) of the Python process and of its largest
    child (git), and the exit status."""
    if command[:len(AUDIT)] == AUDIT:
        wrapped = [sys.executable, "-c", MEASURE_AUDIT, *command[len(AUDIT):]]
    else:
        wrapped = [sys.executable, "-c", MEASURE, *command]
    start = time.perf_counter()
    out = subprocess.run(wrapped, cwd=cwd, check=True, capture_output=True, text=True,
                         env=env).stdout
    elapsed = time.perf_counter() - start
    seconds, own_kb, child_kb, status = out.split()
    return float(seconds) or elapsed, int(own_kb), int(child_kb), int(status)


def compare(name: str, audit: list[str], grep: list[str], cwd: Path, rounds: int,
            env: dict[str, str]) -> dict:
    times: dict[str, list[float]] = {"audit": [], "grep": []}
    rss = {"python": 0, "git": 0, "grep": 0}
    measure(grep, cwd, env)  # warm the page cache for both
    for _ in range(rounds):
        for key, command in (("grep", grep), ("audit", audit)):
            seconds, own, child, status = measure(command, cwd, env)
            if key == "audit" and status not in (0, 1):
                raise SystemExit(f"{name}: the audit failed with status {status}")
            times[key].append(seconds)
            if key == "audit":
                rss["python"], rss["git"] = max(rss["python"], own), max(rss["git"], child)
            else:
                rss["grep"] = max(rss["grep"], child)
    result = {"name": name,
              "audit_s": statistics.median(times["audit"]),
              "grep_s": statistics.median(times["grep"]),
              "python_peak_rss_mb": round(rss["python"] / 1024, 1),
              "git_peak_rss_mb": round(rss["git"] / 1024, 1),
              "grep_peak_rss_mb": round(rss["grep"] / 1024, 1),
              "target": TARGETS.get(name)}
    result["ratio"] = round(result["audit_s"] / result["grep_s"], 2)
    peak = max(result["python_peak_rss_mb"], result["git_peak_rss_mb"])
    target = result["target"]
    verdict = "" if target is None else \
        f"target <= {target:.1f} {'ok' if result['ratio'] <= target else 'MISSED'}"
    print(f"{name:<34} audit {result['audit_s']:6.2f}s  git grep {result['grep_s']:6.2f}s  "
          f"ratio {result['ratio']:4.2f} {verdict:<18} peak RSS {peak:5.0f} MB "
          f"(Python {result['python_peak_rss_mb']:.0f}, git {result['git_peak_rss_mb']:.0f}; "
          f"git grep {result['grep_peak_rss_mb']:.0f}; target <= {RSS_TARGET_MB}"
          f"{'' if peak <= RSS_TARGET_MB else ' MISSED'})", flush=True)
    return result


def long_series(repo: Path, base: str, commits: int, branch: str = "bench/long") -> str:
    """A branch of ``commits`` commits on ``base``, each changing one file
    that does not mention the flag, written with fast-import (no checkout)."""
    stream = [f"reset refs/heads/{branch}\nfrom {base}\n"]
    for number in range(commits):
        body = f"/* bench change {number} */\nint bench_{number}(void) {{ return {number}; }}\n"
        message = f"bench: change {number}"
        stream.append(
            f"commit refs/heads/{branch}\n"
            f"committer Bench <bench@example.org> {1_500_000_000 + number} +0000\n"
            f"data {len(message)}\n{message}\n"
            f"M 100644 inline drivers/bench/file{number % 50}.c\n"
            f"data {len(body.encode())}\n{body}\n")
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], check=True,
                   input="".join(stream).encode())
    return subprocess.run(["git", "-C", str(repo), "rev-parse", branch], check=True,
                          capture_output=True, text=True).stdout.strip()


def treewide_series(repo: Path, base: str, commits: int = 50, files: int = 200,
                    branch: str = "bench/treewide") -> str:
    """A branch of ``commits`` commits on ``base``, each appending a line to
    ``files`` different C files spread over the tree (a treewide cleanup)."""
    listed = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-z", base], check=True,
                            capture_output=True).stdout.split(b"\0")
    blobs = [(entry.split(b"\t", 1)[1].decode(), entry.split()[2].decode()) for entry in listed
             if entry.startswith(b"100644 blob ") and entry.endswith((b".c", b".h"))]
    step = max(1, len(blobs) // (commits * files))
    chosen = blobs[::step][:commits * files]
    contents = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], check=True,
                              capture_output=True,
                              input=b"".join(sha.encode() + b"\n" for _, sha in chosen)).stdout
    stream = [f"reset refs/heads/{branch}\nfrom {base}\n".encode()]
    at = 0
    for number in range(commits):
        message = f"treewide: bench change {number}"
        stream.append(f"commit refs/heads/{branch}\ncommitter Bench <bench@example.org> "
                      f"{1_500_000_000 + number} +0000\ndata {len(message)}\n{message}\n"
                      .encode())
        for path, _ in chosen[number * files:(number + 1) * files]:
            header_end = contents.index(b"\n", at)
            size = int(contents[at:header_end].split()[2])
            body = contents[header_end + 1:header_end + 1 + size] + \
                f"/* treewide bench change {number} */\n".encode()
            at = header_end + 1 + size + 1
            stream.append(f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n")
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], check=True,
                   input=b"".join(stream))
    return subprocess.run(["git", "-C", str(repo), "rev-parse", branch], check=True,
                          capture_output=True, text=True).stdout.strip()


def fixture_tree(workdir: Path, files: int, megabytes: int) -> tuple[Path, str, dict]:
    repo_path = workdir / "linux"
    meta = workdir / "meta.json"
    if not meta.exists():
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"building a {files}-file, {megabytes} MB tree in {repo_path} ...", flush=True)
        repo = build_repo(repo_path, series=("clean",),
                          extra_files=padding_files(files, megabytes))
        long_head = long_series(repo_path, repo.heads["clean"], 200)
        (workdir / "clean.mbx").write_bytes(format_patch(repo_path, repo.base,
                                                         repo.heads["clean"]))
        meta.write_text(json.dumps({"base": repo.base, "clean": repo.heads["clean"],
                                    "long": long_head}))
    return repo_path, json.loads(meta.read_text())["base"], json.loads(meta.read_text())


def existing(repo: Path, branch: str, base: str) -> str | None:
    """The head of ``branch`` if it is already built on ``base`` (a treewide
    series takes a while to write)."""
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "-q", branch],
                          capture_output=True, text=True).stdout.strip()
    if not head:
        return None
    merge_base = subprocess.run(["git", "-C", str(repo), "rev-parse", f"{head}~50"],
                                capture_output=True, text=True).stdout.strip()
    resolved = subprocess.run(["git", "-C", str(repo), "rev-parse", base],
                              capture_output=True, text=True).stdout.strip()
    return head if merge_base == resolved else None


def describe(repo: Path, rev: str) -> str:
    files = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-l", rev], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    size = sum(int(f.split()[3]) for f in files if f.split()[3].isdigit())
    hits = subprocess.run(["git", "-C", str(repo), "grep", "-l", "-w", "-E", PATTERN, rev],
                          capture_output=True, text=True).stdout.splitlines()
    return f"{len(files)} files, {size / 2**20:.0f} MB, the flag in {len(hits)} files"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", type=Path, help="a real kernel checkout (git)")
    p.add_argument("--series", help="with --tree: a removal series BASE..HEAD to time")
    p.add_argument("--mbox", type=Path, help="with --tree and --series: the series as an mbox")
    p.add_argument("--changed-flags", metavar="BASE..HEAD",
                   help="with --tree: a treewide flag series (e.g. four arches moving onto "
                        "the generic TIF bits, ~50 flags) to time with --changed-flags, all "
                        "flags in one walk, against one git grep of BASE")
    p.add_argument("--workdir", type=Path,
                   default=Path(tempfile.gettempdir()) / "memdie-audit-bench")
    p.add_argument("--files", type=int, default=50_000)
    p.add_argument("--megabytes", type=int, default=500)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--push", action="store_true",
                   help="with --tree: also time a 3-commit push that never touches the flag, "
                        "a 1,000-commit series and a treewide series of 50 commits of 200 "
                        "files (writes the branches bench/push, bench/long1000 and "
                        "bench/treewide into that repository: use a clone)")
    p.add_argument("--robot", action="store_true",
                   help="time only the review robot: 10,000 archive messages, 1%% in flag "
                        "series (benchmarks/robot.py)")
    args = p.parse_args()

    if args.robot:
        import robot  # benchmarks/robot.py, next to this script

        env = environment(args.workdir / "xdg-cache")
        result = robot.run(args.workdir, env, rounds=args.rounds)
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
        return
    if args.tree:
        repo = args.tree.resolve()
        base = args.series.partition("..")[0] if args.series else None
        # The inventory is of the series' base: its head has no flag left to
        # inventory (the audit exits 2), whatever is checked out.
        head = base or "HEAD"
        meta = {}
    else:
        repo, base, meta = fixture_tree(args.workdir, args.files, args.megabytes)
        head = base
    print(f"tree: {repo} at {head}: {describe(repo, head)}")
    load = os.getloadavg()
    env = environment(args.workdir / "xdg-cache")
    shutil.rmtree(args.workdir / "xdg-cache", ignore_errors=True)
    results = []
    grep = ["git", "grep", "-n", "-w", "-E", PATTERN]
    cold = ["--no-cache"]  # every first look reads the tree

    def run(name: str, audit_args: list[str], grep_rev: str | None) -> None:
        results.append(compare(name, [*AUDIT, str(repo), *audit_args],
                               [*grep, *([grep_rev] if grep_rev else [])], repo, args.rounds,
                               env))

    inventory = ["--rev", head, "--format", "json", "-o", os.devnull]
    run("inventory --rev", [*inventory, *cold], head)
    if not (repo / ".git").exists() and (repo / "HEAD").exists():
        print("(a bare repository: no working-tree inventory)")
    else:
        run("inventory of the working tree", ["--format", "json", "-o", os.devnull, *cold], None)
    series = args.series or (f"{meta['base']}..{meta['clean']}" if meta else None)
    if series:
        base = series.partition("..")[0]
        count = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "--first-parent",
                                series], check=True, capture_output=True, text=True).stdout.strip()
        run(f"series ({count} commits)", ["--series", series, "--format", "json", *cold], base)
    mbox = args.mbox or (args.workdir / "clean.mbx" if meta else None)
    if mbox:
        run("mbox (that series, mailed)" if args.mbox is None else f"mbox ({mbox.name})",
            ["--mbox", str(mbox), "--format", "json", *cold], base)
    if args.changed_flags:
        start = args.changed_flags.partition("..")[0]
        count = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "--first-parent",
                                args.changed_flags], check=True, capture_output=True,
                               text=True).stdout.strip()
        print(f"(--changed-flags series: {count} commits)")
        run("--changed-flags, treewide series",
            ["--series", args.changed_flags, "--changed-flags", "--format", "json", *cold],
            start)
    if meta or args.push:
        start = base or head
        push = long_series(repo, start, 3, "bench/push")
        run("push that never touches the flag", ["--series", f"{start}..{push}", *cold], start)
        thousand = long_series(repo, start, 1000, "bench/long1000")
        run("series, 1,000 commits", ["--series", f"{start}..{thousand}", "--format", "json",
                                      *cold], start)
        treewide = existing(repo, "bench/treewide", start) or treewide_series(repo, start)
        run("treewide series, 50 x 200 files", ["--series", f"{start}..{treewide}", "--format",
                                                "json", *cold], start)
    if meta:
        run("series (200 more commits)", ["--series", f"{meta['base']}..{meta['long']}",
                                          "--format", "json", *cold], meta["base"])
    # The second look: the same --rev inventory, its snapshot cached by a first run.
    subprocess.run([*AUDIT, str(repo), *inventory], env=env, check=False)
    run("inventory --rev again (cached)", inventory, head)
    print(f"load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after "
          f"({os.cpu_count()} cores)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    started = time.strftime("%Y-%m-%d")
    print(f"({started}, {os.cpu_count()} cores, median of {args.rounds} rounds)")


if __name__ == "__main__":
    main()
