"""The JSON contract: every document the tool writes validates against the
JSON Schema shipped in the package, and carries what other tools rely on."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import demo_tree

from memdie_audit.cli import main
from memdie_audit.report.json import SCHEMA_VERSION


def schema() -> dict:
    text = resources.files("memdie_audit").joinpath("schema/audit.schema.json").read_text()
    return json.loads(text)


def run(capsys, *args: str) -> dict:
    assert main([*args, "--format", "json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["properties"]["schema_version"]["const"] == SCHEMA_VERSION


@pytest.mark.parametrize("variant", ("flawed", "bisect-break", "merge", "duplicate-bit"))
def test_series_reports_validate(kernel, capsys, variant: str) -> None:
    report = run(capsys, str(kernel.path), "--series", kernel.revrange(variant))
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["symbols"] == ["TIF_MEMDIE"] and report["intent"] == {"TIF_MEMDIE": "remove"}
    assert all(o["symbol"] == "TIF_MEMDIE" for o in report["occurrences"])
    assert all(f["symbol"] for f in report["findings"])
    assert all(c["temporary"] is False and c["mail"] is None for c in report["commits"])


def test_tree_and_mbox_reports_validate(kernel, capsys, tmp_path: Path) -> None:
    tree = run(capsys, str(kernel.path), "--rev", kernel.base)
    jsonschema.validate(tree, schema(), cls=jsonschema.Draft202012Validator)
    assert tree["mode"] == "tree" and tree["commits"] == [] and tree["intent"] == {}
    mailed = tmp_path / "s.mbx"
    mailed.write_bytes(demo_tree.format_patch(kernel.path, kernel.base, kernel.heads["flawed"]))
    jsonschema.validate(run(capsys, str(kernel.path), "--mbox", str(mailed)), schema(),
                        cls=jsonschema.Draft202012Validator)


def test_findings_carry_structured_data(kernel, capsys) -> None:
    report = run(capsys, str(kernel.path), "--series", kernel.revrange("bisect-break"))
    shas = [c["sha"] for c in report["commits"]]
    bisect = [f for f in report["findings"] if f["rule"] == "bisect-break"]
    assert bisect
    window = bisect[0]["window"]
    assert shas[window["first"] - 1] == window["first_sha"] == bisect[0]["commit"]
    assert shas[window["last"] - 1] == window["last_sha"]
    assert window["repaired_by"] is None or shas[window["repaired_by"] - 1] == \
        window["repaired_sha"]
    assert bisect[0]["arches"] and bisect[0]["related"]
    assert all(r["path"] and r["line"] for r in bisect[0]["related"])
    dangling = [f for f in report["findings"] if f["rule"] == "dangling-reference"]
    assert all(f["arches"] for f in dangling)


def test_4_9_arches_see_their_own_bits_and_modern_riscv_the_generic_ones(kernel, modern,
                                                                        capsys) -> None:
    report = run(capsys, str(kernel.path), "--rev", kernel.base)
    arches = {a["arch"]: a for a in report["arches"]}
    assert not [a for a in arches.values() if a["generic"]]  # 4.9 had no generic bits
    assert {f["path"] for f in arches["x86"]["flags"]} == {
        "arch/x86/include/asm/thread_info.h"}
    report = run(capsys, str(modern.path), "--rev", modern.base)
    arches = {a["arch"]: a for a in report["arches"]}
    assert arches["riscv"]["generic"] and not arches["powerpc"]["generic"]
    assert any(f["path"] == "include/asm-generic/thread_info_tif.h"
               for f in arches["riscv"]["flags"])


def test_a_broken_document_fails_the_schema(kernel, capsys) -> None:
    report = run(capsys, str(kernel.path), "--rev", kernel.base)
    report["occurrences"][0]["function"] = False  # the bug the schema now catches
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)


def test_a_treewide_series_validates_with_its_repair_window(generic_bits, capsys) -> None:
    report = run(capsys, str(generic_bits.path), "--series",
                 generic_bits.revrange("generic-bits"), "--changed-flags")
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    repaired = [f["window"]["repaired_by"] for f in report["findings"] if f["window"]]
    assert repaired == [7]
