"""The wheel carries what the package loads at run time, and the installed
distribution is this one, console script included.

The wheel is built here with ``pip wheel`` from a copy of the checkout, so the
check does not depend on how (or whether) the package was installed: an
editable install lists no module files at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import memdie_audit

REPO_ROOT = Path(__file__).resolve().parents[1]
CONSOLE_SCRIPTS = {"memdie-audit": "memdie_audit.cli:main"}  # as the README documents
JUNK = ("__pycache__", "*.pyc", ".git", "build", "dist", "*.egg-info", ".pytest_cache",
        ".hypothesis", ".ruff_cache", ".venv")


def copy_sources(dest: Path) -> Path:
    """The checkout's files, tracked or new but not ignored, with symlinks
    kept as links (the package reaches queries/ and reports/ through them)."""
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached",
                             "--others", "--exclude-standard"], capture_output=True)
    if listed.returncode != 0:  # not a git checkout: an unpacked source archive
        shutil.copytree(REPO_ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(*JUNK))
        return dest
    for name in filter(None, listed.stdout.decode().split("\0")):
        source, target = REPO_ROOT / name, dest / name
        if not source.is_symlink() and not source.exists():
            continue  # deleted in the work tree, not yet in the index
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    return dest


def package_files(source: Path) -> set[str]:
    """Every file the package holds, through the queries/ and reports/ links.
    A folder's README.md is for contributors and stays out of the wheel."""
    found = set()
    for folder, dirs, files in os.walk(source / "memdie_audit", followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name != "README.md" and not name.endswith(".pyc"):
                found.add((Path(folder) / name).relative_to(source).as_posix())
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The checkout's sources and the wheel pip builds from them."""
    source = copy_sources(tmp_path_factory.mktemp("checkout") / "memdie-audit")
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(dist), str(source)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}\n{done.stderr}"
    wheels = list(dist.glob("memdie_audit-*.whl"))
    assert len(wheels) == 1, wheels
    return source, wheels[0]


def test_wheel_ships_every_module_query_template_and_data_file(built) -> None:
    source, wheel = built
    expected = package_files(source)
    # What today's layout must contain, so that an empty walk cannot pass.
    subpackages = {Path(p).parent.as_posix() for p in expected if p.endswith("/__init__.py")}
    assert len(subpackages) >= 5, subpackages  # the package and its layers
    assert {p for p in expected if p.startswith("memdie_audit/queries/")} >= {
        "memdie_audit/queries/occurrences.scm", "memdie_audit/queries/thread_info.scm"}
    assert {p for p in expected if p.startswith("memdie_audit/reports/")} >= {
        "memdie_audit/reports/report.html.j2", "memdie_audit/reports/macros.j2",
        "memdie_audit/reports/report.css", "memdie_audit/reports/report.js"}
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
        entry_points = next(n for n in shipped if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    missing = sorted(expected - shipped)
    assert missing == [], f"the wheel lacks {len(missing)} files of the package: {missing}"
    # The man page, installed as data under share/man/man1.
    (man,) = [n for n in shipped if n.endswith(".data/data/share/man/man1/memdie-audit.1")]
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(man) == (source / "docs/memdie-audit.1").read_bytes()
    for name, target in CONSOLE_SCRIPTS.items():
        assert f"{name} = {target}" in scripts, scripts


def test_the_unpacked_wheel_audits_a_tree_and_renders_html(built, tmp_path: Path) -> None:
    """Import every module of the wheel and run the command from it alone:
    tree-sitter queries and templates are loaded from the wheel's files."""
    _, wheel = built
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    tree = tmp_path / "tree"
    (tree / "arch/x/include/asm").mkdir(parents=True)
    (tree / "arch/x/include/asm/thread_info.h").write_text(
        "#define TIF_MEMDIE 4\n#define _TIF_MEMDIE (1 << TIF_MEMDIE)\n")
    (tree / "mm").mkdir()
    (tree / "mm/oom_kill.c").write_text("void f(void)\n{\n\tclear_thread_flag(TIF_MEMDIE);\n}\n")
    page = tmp_path / "report.html"
    program = (
        "import importlib, pkgutil, sys\n"
        "import memdie_audit\n"
        f"assert memdie_audit.__file__.startswith({str(unpacked)!r}), memdie_audit.__file__\n"
        "for m in pkgutil.walk_packages(memdie_audit.__path__, 'memdie_audit.'):\n"
        "    if m.name != 'memdie_audit.__main__':  # that one runs the command\n"
        "        importlib.import_module(m.name)\n"
        "from memdie_audit.cli import main\n"
        f"sys.exit(main([{str(tree)!r}, '--format', 'html', '-o', {str(page)!r}]))\n")
    # Run from tmp_path: the checkout must not stand in for the wheel.
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(unpacked)},
                          timeout=120)
    assert done.returncode == 0, done.stderr  # the flag is defined and used: clean
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'class="bitmap"' in html


def test_installed_distribution_is_this_version_with_its_console_script() -> None:
    # pip's install has a RECORD; the memdie_audit.egg-info that "pip install ."
    # leaves in the checkout (on sys.path as the current directory) has none.
    installed = [d for d in metadata.distributions(name="memdie-audit")
                 if d.read_text("RECORD") is not None]
    if not installed:
        pytest.fail("memdie-audit is not installed in this Python: run "
                    "python3 -m pip install '.[test]' first (the README's test command, "
                    "which .ci/run runs)")
    dist = installed[0]
    assert dist.version == memdie_audit.__version__
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts == CONSOLE_SCRIPTS
    # The script pip wrote, wherever its scheme put it (RECORD lists it).
    script = [f for f in dist.files or () if f.name == "memdie-audit"]
    assert len(script) == 1, "pip installed no memdie-audit script"
    done = subprocess.run([str(dist.locate_file(script[0])), "--version"],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, f"memdie-audit {dist.version}")
