"""The reviewer's HTML report: one self-contained page, escaped, readable
in a real browser with and without JavaScript."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import struct
import subprocess
import zlib
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
from conftest import commit_all, git, make_repo, write_tree

from memdie_audit.api import audit_series
from memdie_audit.cli import main
from memdie_audit.kernel.model import Kind, Occurrence
from memdie_audit.report.html import render_html
from memdie_audit.result import Audit, Finding, Severity
from memdie_audit.walk import walk_series

CHROMIUM = "/usr/bin/chromium"
PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}")

HEADER = ("#ifndef _ASM_THREAD_INFO_H\n#define _ASM_THREAD_INFO_H\n"
          "struct thread_info {\n\tunsigned long flags;\n};\n"
          "#define TIF_SIGPENDING\t\t1\n#define TIF_MEMDIE\t\t4\t/* OOM victim */\n"
          "#define TIF_NOTSC\t\t5\n#define _TIF_MEMDIE\t\t(1 << TIF_MEMDIE)\n#endif\n")
BASE_FILES = {
    "arch/foo/include/asm/thread_info.h": HEADER,
    "arch/bar/include/asm/thread_info.h": HEADER.replace("NOTSC\t\t5", "NOTSC\t\t6"),
    "mm/oom_kill.c": "void exit_oom_victim(void)\n{\n\tclear_thread_flag(TIF_MEMDIE);\n}\n",
    "Documentation/oom.txt": "TIF_MEMDIE marks the victim.\n",
}


def flawed(kernel) -> tuple[Path, str]:
    """The shared kernel repository and the range of its flawed removal series."""
    return kernel.path, kernel.revrange("flawed")


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs this test")


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium_or_skip(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180, check=True)


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the raw (still filtered) scanlines of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = height = 0
    idat = b""
    offset = 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    return width, height, zlib.decompress(idat)


def report(kernel, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, dict]:
    """The flawed series' HTML page and, from the same run, its JSON report."""
    repo, revrange = flawed(kernel)
    page, data = tmp_path / "report.html", tmp_path / "report.json"
    status = main([str(repo), "--series", revrange, "--format", "json", "-o", str(data),
                   "--html", str(page)])
    capsys.readouterr()
    assert status == 1  # the series is flawed
    return page.read_text(encoding="utf-8"), json.loads(data.read_text(encoding="utf-8"))


def verdict(html: str) -> tuple[str, dict[str, int]]:
    """The page's verdict: its word, and the counts it gives by severity."""
    block = re.search(r'<div class="verdict">(.*?)</div>', html, re.S)
    assert block, "the page opens with its verdict"
    word = re.search(r'<span class="verdict-word">([^<]*)</span>', block.group(1))
    counts = re.findall(r'<span class="count sev-(\w+)">(\d+) \1s?</span>', block.group(1))
    return (word.group(1) if word else ""), {severity: int(n) for severity, n in counts}


def test_report_is_self_contained(kernel, tmp_path: Path, capsys) -> None:
    html, _ = report(kernel, tmp_path, capsys)
    assert not re.search(r"(?i)\b(?:https?|ftp|wss?):", html), "no URL may reach the network"
    assert not re.search(r"(?i)<link\b|<img\b|<iframe\b|\bsrc=|@import|url\(", html)
    assert html.count("<script>") == 1 and html.count("<style>") == 1
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp, "a Content-Security-Policy admits only our own style and script"
    policy = unescape(csp.group(1))
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy


def test_report_reads_without_javascript(kernel, tmp_path: Path, capsys) -> None:
    html, expected = report(kernel, tmp_path, capsys)
    summary = expected["summary"]
    assert summary["errors"] == sum(f["severity"] == "error" for f in expected["findings"]) > 0
    # The verdict and its counts are the audit's, and so is the tally by rule.
    assert verdict(html) == ("Not clean", {"error": summary["errors"],
                                           "warning": summary["warnings"],
                                           "note": summary["notes"]})
    tally = re.findall(r'<li><span class="badge sev-(\w+)">\1</span> <code>([\w-]+)</code> '
                       r'× (\d+)</li>', html)
    assert sorted((rule, severity, int(n)) for severity, rule, n in tally) == sorted(
        (rule, severity, n) for (rule, severity), n in
        Counter((f["rule"], f["severity"]) for f in expected["findings"]).items())
    # The filter form is hidden until the script shows it; every finding is
    # in the page in text-report order.
    assert re.search(r'<form id="filters" class="filters" hidden>', html)
    findings = re.findall(r'<article class="finding sev-(\w+)"', html)
    assert len(findings) == len(expected["findings"])
    assert findings == sorted(findings, key=lambda s: -Severity(s).rank)
    assert html.count('<table class="matrix">') == 1
    assert html.count('class="bitmap"') == len({t["path"] for t in expected["flag_tables"]})


def test_browser_renders_matrix_bitmaps_and_findings(kernel, tmp_path: Path, capsys) -> None:
    chromium_or_skip()
    repo, revrange = flawed(kernel)
    page = tmp_path / "report.html"
    assert main([str(repo), "--series", revrange, "--format", "json",
                 "-o", str(tmp_path / "report.json"), "--html", str(page)]) == 1
    capsys.readouterr()
    expected = json.loads((tmp_path / "report.json").read_text())
    dom = chromium(page, tmp_path / "profile", "--dump-dom").stdout

    matrix = re.search(r'<table class="matrix">(.*?)</table>', dom, re.S)
    assert matrix, "the arch × commit matrix is in the page"
    head = matrix.group(1).split("</thead>")[0]
    assert head.count("<th scope=\"col\"") == 2 + len(expected["commits"])  # arch, base, commits
    arches = {t["arch"] for t in expected["flag_tables"] if t["arch"] not in (None, "generic")}
    for arch in arches:
        assert f'<th scope="row">{arch}' in matrix.group(1)
    assert '<th scope="row">common code' in matrix.group(1)
    assert "BROKEN" in matrix.group(1) and "removed" in matrix.group(1)

    assert dom.count('class="bitmap"') == len({t["path"] for t in expected["flag_tables"]})
    assert re.search(r'class="bit[^"]*\bfreed\b', dom), "the freed bit is marked"
    assert re.search(r'class="bit[^"]*\bmoved\b', dom), "the renumbered flag is marked"

    shown = re.findall(r'<article class="finding sev-\w+" id="finding-\d+"', dom)
    assert len(shown) == len(expected["findings"])
    for f in expected["findings"]:
        assert f'data-rule="{f["rule"]}"' in dom
    # The script ran: the controls are visible and count the findings.
    assert '<form id="filters" class="filters">' in dom
    n = len(expected["findings"])
    assert f"{n} of {n} shown" in dom

    shot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,3000")
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1400, 3000)
    assert len(set(pixels)) > 64, "the screenshot is blank"


def _hostile_audit(tmp_path: Path) -> Audit:
    """A real series audit whose untrusted strings all carry the payloads."""
    script, img, braces = PAYLOADS
    repo = make_repo(tmp_path / "r", BASE_FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    write_tree(repo, {
        f"Documentation/{img}.txt": f"TIF_MEMDIE {script} {braces}\n",
        "mm/oom_kill.c": f"/* TIF_MEMDIE {script} {braces} */\n",
    })
    git(repo, "config", "user.name", f"{img} {braces}")
    head = commit_all(repo, f"mm: {script} {img} {braces}")
    audit = walk_series(repo, base, head, "TIF_MEMDIE")
    hostile = f"{script}{img}{braces}"
    audit.findings.append(Finding("stale-comment", Severity.WARNING, f"message {hostile}",
                                  f"arch/{img}/x.c", 1, 1, img, audit.commits[0].sha))
    audit.source_context[(audit.commits[0].sha, f"arch/{img}/x.c", 1)] = [(1, PAYLOADS[0])]
    occurrence = Occurrence(f"arch/{img}/x.c", 1, 1, "TIF_MEMDIE", Kind.COMMENT, img,
                            f"fn{script}", f"/* {hostile} */")
    head_snapshot = dataclasses.replace(audit.head, occurrences={
        **audit.head.occurrences, occurrence.path: (occurrence,)})
    return dataclasses.replace(audit, head=head_snapshot, tree=f"/tmp/{hostile}")


def test_untrusted_text_is_escaped(tmp_path: Path) -> None:
    audit = _hostile_audit(tmp_path)
    assert any(c.subject.startswith("mm: <script>") for c in audit.commits)
    html = render_html(audit)
    for payload in PAYLOADS:
        assert payload not in html
    assert "<img" not in html and "onerror=alert(1)>" not in html
    assert html.count("<script") == 1  # ours
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&#123;&#123; 7*7 &#125;&#125;" in html  # no template engine can see it


def test_untrusted_text_stays_text_in_the_browser(tmp_path: Path) -> None:
    chromium_or_skip()
    page = tmp_path / "hostile.html"
    page.write_text(render_html(_hostile_audit(tmp_path)), encoding="utf-8")
    dom = chromium(page, tmp_path / "profile", "--dump-dom").stdout
    assert "<img" not in dom and dom.count("<script") == 1
    assert "{{ 7*7 }}" in dom  # shown as written, never evaluated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    # Should some markup slip through one day, the page's policy still stops it.
    injected = tmp_path / "injected.html"
    injected.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", '<script>document.title = "pwned"</script></body>'), encoding="utf-8")
    dom = chromium(injected, tmp_path / "profile", "--dump-dom").stdout
    assert "<title>pwned</title>" not in dom  # theirs did not run...
    assert re.search(r"\d+ of \d+ shown", dom)  # ...ours did


def test_tree_audit_report(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path / "t", {**BASE_FILES, "mm/x.c": "int f(void) { return TIF_MEMDIE; }\n",
                                "arch/foo/include/asm/thread_info_2.h":
                                    "#define TIF_A 3\n#define TIF_B 3\n"})
    out = tmp_path / "tree.html"
    assert main([str(tmp_path / "t"), "--format", "html", "-o", str(out)]) == 1
    capsys.readouterr()
    html = out.read_text(encoding="utf-8")
    assert 'id="commits"' not in html
    # The one error: TIF_A and TIF_B share bit 3.
    assert verdict(html) == ("Not clean", {"error": 1, "warning": 0, "note": 0})
    assert re.findall(r'<article class="finding sev-(\w+)"[^>]*data-rule="([\w-]+)"', html) == [
        ("error", "duplicate-bit")]
    assert re.search(r'<div class="archcell"><span class="arch">foo</span>', html)
    assert 'class="bit duplicate' in html  # TIF_A and TIF_B share bit 3
    assert "DUPLICATE" in html
    assert re.search(r"<b>definition</b> \(2\)", html)


def test_findings_show_their_source_lines_from_their_commit(kernel) -> None:
    audit = audit_series(kernel.path, kernel.revrange("flawed"))
    located = [f for f in audit.findings if f.path and f.line]
    assert located and all(audit.source_lines(f) for f in located)
    for f in located:
        numbers = [n for n, _ in audit.source_lines(f)]
        assert f.line in numbers and numbers == list(range(numbers[0], numbers[-1] + 1))
    html = render_html(audit)
    assert html.count('<tr class="here"><td class="ln">') >= len(
        {(f.commit, f.path, f.line) for f in located})
    assert "source not available" not in html


def test_matrix_cells_come_from_the_states_the_walk_recorded(kernel) -> None:
    audit = audit_series(kernel.path, kernel.revrange("flawed"))
    breaking = [c for c in audit.commits[:-1]
                if any(s.state == "broken" for s in c.arch_states.values())]
    assert breaking  # the flawed series breaks the build on the way
    # Cells of commits inside the series carry the count of broken references.
    commit = breaking[0]
    broken = [s for s in commit.arch_states.values() if s.state == "broken"]
    assert all(s.broken for s in broken if s.beneath is not None)
    html = render_html(audit)
    matrix = re.search(r'<table class="matrix">(.*?)</table>', html, re.S).group(1)
    assert f"BROKEN {broken[0].broken}" in matrix
    # Nothing is inferred: a commit without recorded states shows unknown cells.
    for commit in audit.commits:
        commit.arch_states = {}
    matrix = re.search(r'<table class="matrix">(.*?)</table>', render_html(audit), re.S).group(1)
    assert matrix.count("st-unknown") == (len(audit.commits) - 1) * len(audit.head_states)


def test_html_option_writes_the_page_besides_the_main_report(kernel, tmp_path: Path,
                                                            capsys) -> None:
    repo, revrange = flawed(kernel)
    page = tmp_path / "page.html"
    status = main([str(repo), "--series", revrange, "--html", str(page)])
    out, err = capsys.readouterr()
    assert status == 1
    assert out.rstrip().splitlines()[-1].startswith("total: ")  # the text report, as usual
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob(".page.html.*.tmp"))


def test_bit_maps_draw_the_generic_bits_an_arch_takes_apart_from_its_own(modern) -> None:
    html = render_html(audit_series(modern.path, modern.revrange("modern-ssbd-clash"),
                                    "TIF_SSBD"))
    x86 = re.search(r'<details class="bitmap" id="bits-arch-x86-include-asm-thread_info-h"'
                    r'.*?</details>', html, re.S).group(0)
    # The generic TIF_NEED_RESCHED and x86's own TIF_SSBD, both bit 4 after the series.
    before, after = re.findall(r'<div class="bit[^"]*" title="bit 4 [^"]*">.*?</div>', x86, re.S)
    assert "generic" in before and "duplicate" not in before and 'class="name gen"' in before
    assert "duplicate" in after and 'class="name gen"' in after and 'class="name sym"' in after
    # Own bits from 16 are drawn as the arch's own.
    assert re.search(r'title="bit 16 TIF_SINGLESTEP[^"]*"><span class="n">16</span>\s*'
                     r'<span class="name">', x86)


# Run in a copy of the page, without its CSP (which admits only the page's
# own script): the widest element that makes the page itself scroll sideways.
_WIDTH_PROBE = """<script>
window.addEventListener("load", () => {
  const page = document.documentElement, boxed = ".scroll, .src, .bitmap, details.kind";
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > page.clientWidth + 1
                 && !e.parentElement.closest(boxed))
    .slice(0, 5).map(e => `${e.tagName}.${e.className}`);
  window.parent.document.body.dataset.probe =
    `${page.scrollWidth}/${page.clientWidth} ${wide.join(" ")}`;
});
</script>"""


def test_the_page_never_scrolls_sideways_at_400_or_1400_px(kernel, tmp_path: Path,
                                                            capsys) -> None:
    chromium_or_skip()
    html, _ = report(kernel, tmp_path, capsys)
    probed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    (tmp_path / "probed.html").write_text(probed.replace("</body>", _WIDTH_PROBE + "</body>"),
                                          encoding="utf-8")
    for width in (400, 1400):
        # An iframe gives the page exactly this viewport (a headless window
        # is at least 500 px wide).
        frame = tmp_path / f"frame{width}.html"
        frame.write_text(f'<body style="margin:0"><iframe src="probed.html" '
                         f'style="border:0;width:{width}px;height:3000px"></iframe></body>')
        dom = chromium(frame, tmp_path / "profile", "--allow-file-access-from-files",
                       "--disable-web-security", "--window-size=1500,3000",
                       "--virtual-time-budget=5000", "--dump-dom").stdout
        probe = re.search(r'data-probe="(\d+)/(\d+) ?([^"]*)"', dom)
        assert probe, "the probe ran"
        scroll, client, culprits = int(probe[1]), int(probe[2]), probe[3]
        assert client <= width and scroll <= client, f"{width} px: {scroll}/{client} {culprits}"


def test_a_duplicate_bit_is_marked_in_the_matrix_where_it_appears(kernel, tmp_path: Path,
                                                                 capsys) -> None:
    html, data = report(kernel, tmp_path, capsys)
    (dup,) = [f for f in data["findings"] if f["rule"] == "duplicate-bit"]
    number = 1 + [c["sha"] for c in data["commits"]].index(dup["commit"])
    matrix = re.search(r'<table class="matrix">(.*?)</table>', html, re.S).group(1)
    row = re.search(r'<tr[^>]*><th scope="row">x86\b.*?</tr>', matrix, re.S).group(0)
    cells = re.findall(r"<td .*?</td>", row, re.S)
    marked = [i for i, cell in enumerate(cells) if "⚠ duplicate bit" in cell]
    assert marked == [number]  # column 0 is the base
    assert "share bit 21" in unescape(cells[number])  # the finding, in the cell's title
