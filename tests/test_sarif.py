"""SARIF 2.1.0 output, validated against the official OASIS schema."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import write_tree
from test_html import BASE_FILES

from memdie_audit.api import audit_source
from memdie_audit.cli import main
from memdie_audit.report.sarif import sarif_log
from memdie_audit.result import Finding, Severity
from memdie_audit.rules import RULES
from memdie_audit.sources.trees import open_source

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json")
                    .read_text(encoding="utf-8"))


def validate(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


def sarif(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = main([*args, "--format", "sarif"])
    out, err = capsys.readouterr()
    return status, json.loads(out)


def test_schema_is_the_official_one() -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_tree_audit_is_valid_sarif(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {**BASE_FILES, "mm/x.c": "int f(void) { return TIF_MEMDIE; }\n",
                          "arch/foo/kernel/entry.S": "\tld r1, _TIF_NOPE\n"})
    status, log = sarif(capsys, str(tmp_path), "--symbol", "TIF_SIGPENDING")
    validate(log)
    status, log = sarif(capsys, str(tmp_path), "--symbol", "TIF_NOPE")
    validate(log)
    assert status == 1
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "memdie-audit" and driver["version"]
    assert "informationUri" not in driver
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for descriptor, rule in zip(driver["rules"], RULES.values(), strict=True):
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] and descriptor["help"]["text"]
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.value
    (result,) = run["results"]
    assert result["ruleId"] == "dangling-reference" and result["level"] == "error"
    assert driver["rules"][result["ruleIndex"]]["id"] == "dangling-reference"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "arch/foo/kernel/entry.S",
                                            "uriBaseId": "SRCROOT"}
    assert location["region"] == {"startLine": 1, "startColumn": 9}
    assert "_TIF_NOPE is not defined for foo" in result["message"]["text"]
    assert "commit" not in result.get("properties", {})


def test_series_audit_is_valid_sarif(kernel, capsys) -> None:
    revrange = kernel.revrange("flawed")
    status, log = sarif(capsys, str(kernel.path), "--series", revrange)
    validate(log)
    assert status == 1
    results = log["runs"][0]["results"]
    _, json_out = main([str(kernel.path), "--series", revrange, "--format", "json"]), \
        json.loads(capsys.readouterr().out)
    assert len(results) == len(json_out["findings"])
    levels = {"error", "warning", "note"}
    for r in results:
        assert r["level"] in levels and r["level"] == RULES[r["ruleId"]].severity.value
        for loc in r.get("locations", ()):
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith(("/", "file:")) and ".." not in uri.split("/")
    commits = {c["sha"] for c in json_out["commits"]}
    with_commit = [r for r in results if "commit" in r.get("properties", {})]
    assert with_commit and {r["properties"]["commit"] for r in with_commit} <= commits
    assert any(r["ruleId"] == "bisect-break" for r in with_commit)
    assert log["runs"][0]["properties"]["base"] == kernel.base


def test_fingerprints_are_stable_and_distinct(kernel, capsys) -> None:
    revrange = kernel.revrange("flawed")
    _, first = sarif(capsys, str(kernel.path), "--series", revrange)
    _, second = sarif(capsys, str(kernel.path), "--series", revrange)
    prints = [r["partialFingerprints"] for r in first["runs"][0]["results"]]
    assert prints == [r["partialFingerprints"] for r in second["runs"][0]["results"]]
    assert len({json.dumps(p, sort_keys=True) for p in prints}) == len(prints)


def test_fingerprint_survives_a_line_shift(tmp_path: Path) -> None:
    files = {**BASE_FILES, "mm/x.c": "int f(void) { return TIF_NOPE; }\n"}
    write_tree(tmp_path / "a", files)
    write_tree(tmp_path / "b", {**files, "mm/x.c": "\n\n/* moved */\n" + files["mm/x.c"]})
    before, after = (sarif_log(audit_source(open_source(str(tmp_path / d), None), "TIF_NOPE"))
                     ["runs"][0]["results"] for d in ("a", "b"))
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before] == [1]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after] == [4]
    assert before[0]["partialFingerprints"] == after[0]["partialFingerprints"]


def test_finding_without_a_path_has_no_location(tmp_path: Path) -> None:
    write_tree(tmp_path, BASE_FILES)
    audit = audit_source(open_source(str(tmp_path), None), "TIF_MEMDIE")
    audit = dataclasses.replace(audit, findings=[
        *audit.findings,
        Finding("merge-commit", Severity.NOTE, "merge commit \"x\": followed on its first parent",
                commit="a" * 40)])
    log = sarif_log(audit)
    validate(log)
    (result,) = log["runs"][0]["results"]
    assert "locations" not in result and result["level"] == "note"
    assert result["properties"]["commit"] == "a" * 40


def test_columns_count_code_points(tmp_path: Path) -> None:
    write_tree(tmp_path, {**BASE_FILES, "mm/x.c": "/* é */ int x = TIF_NOPE;\n"})
    log = sarif_log(audit_source(open_source(str(tmp_path), None), "TIF_NOPE"))
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    (result,) = log["runs"][0]["results"]
    # git grep's byte column is 18; "é" is two bytes, one code point.
    assert result["locations"][0]["physicalLocation"]["region"]["startColumn"] == 17


def test_rule_documentation_is_generated_from_the_rules() -> None:
    descriptors = {d["id"]: d for d in sarif_log_rules()}
    assert list(descriptors) == list(RULES)
    for rule in RULES.values():
        assert rule.stage in ("tree", "commit", "head")
        assert len(rule.doc.split()) >= 12, f"{rule.id}: say what, why and an example"
        descriptor = descriptors[rule.id]
        assert descriptor["fullDescription"]["text"] == rule.help
        # Code scanning renders help.markdown; other viewers read help.text.
        assert descriptor["help"]["text"] == f"{rule.summary}. {rule.help}"
        markdown = descriptor["help"]["markdown"]
        assert markdown.startswith(f"**{rule.summary}**") and rule.markdown in markdown
        assert "``" not in markdown
        assert "helpUri" not in descriptor  # no public address of docs/rules.md yet


def sarif_log_rules() -> list[dict]:
    from memdie_audit.report.sarif import rule_descriptors

    return rule_descriptors()


def test_a_commits_finding_is_located_where_its_site_is_at_head(tmp_path: Path,
                                                                capsys) -> None:
    from conftest import commit_all, git, make_repo

    repo = make_repo(tmp_path / "r", BASE_FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    write_tree(repo, {"mm/vmscan.c": "int f(void) { return test_thread_flag(TIF_MEMDIE); }\n"})
    added = commit_all(repo, "mm, vmscan: use TIF_MEMDIE")
    write_tree(repo, {"mm/vmscan.c": "/* one */\n/* two */\n/* three */\n"
                                     "int f(void) { return test_thread_flag(TIF_MEMDIE); }\n"})
    commit_all(repo, "mm, vmscan: comments above it")
    _, log = sarif(capsys, str(repo), "--series", f"{base}..", "--intent", "remove")
    validate(log)
    (moved,) = [r for r in log["runs"][0]["results"]
                if r.get("properties", {}).get("commit") == added]
    assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    (then,) = [r for r in moved["relatedLocations"] if "here in commit" in r["message"]["text"]]
    assert then["physicalLocation"]["region"]["startLine"] == 1
    assert then["message"]["text"] == f"here in commit {added[:12]}"
    assert "locatedAtCommit" not in moved["properties"]


def test_a_site_gone_at_head_is_located_in_its_commit_which_is_named(kernel, capsys) -> None:
    _, log = sarif(capsys, str(kernel.path), "--series", kernel.revrange("flawed"))
    (broken,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "bisect-break"]
    commit = broken["properties"]["commit"]
    assert broken["properties"]["locatedAtCommit"] == commit
    assert broken["message"]["text"].endswith(f"(in commit {commit[:12]}; this site is gone "
                                              "at HEAD)")
    uri = broken["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "arch/arc/kernel/entry.S"


def test_rules_carry_help_uris_and_the_run_an_automation_id(kernel, capsys,
                                                            monkeypatch) -> None:
    import memdie_audit

    monkeypatch.setattr(memdie_audit, "HOME_URL", "https://example.org/memdie-audit")
    monkeypatch.setattr(memdie_audit, "RULES_URL", "https://example.org/memdie-audit/rules")
    _, log = sarif(capsys, str(kernel.path), "--series", kernel.revrange("duplicate-bit"))
    validate(log)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["informationUri"] == "https://example.org/memdie-audit"
    rules = run["tool"]["driver"]["rules"]
    assert [r["helpUri"] for r in rules] == [
        f"https://example.org/memdie-audit/rules#{rule_id}" for rule_id in RULES]
    # Each anchor is the rule's heading in docs/rules.md.
    rules_page = (Path(__file__).parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    assert all(f"\n### `{rule_id}`\n" in rules_page for rule_id in RULES)
    assert run["automationDetails"]["id"] == (
        f"memdie-audit/TIF_MEMDIE/{kernel.base[:12]}..{kernel.heads['duplicate-bit'][:12]}")
    # The flag's other site of a duplicate bit is a related location.
    (duplicate,) = [r for r in run["results"] if r["ruleId"] == "duplicate-bit"]
    assert duplicate["relatedLocations"][0]["physicalLocation"]["region"]["startLine"]


def test_a_run_stays_within_code_scannings_limits(monkeypatch) -> None:
    """GitHub rejects a run of more than 25,000 results, or a result of more
    than 1,000 locations: the most severe are kept and the rest counted."""
    from memdie_audit.report import sarif
    from memdie_audit.result import Audit, Finding, Related, Severity

    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    monkeypatch.setattr(sarif, "MAX_LOCATIONS", 2)
    many = tuple(Related(f"mm/f{n}.c", 1, None, "here too") for n in range(5))
    findings = [Finding("stale-comment", Severity.WARNING, f"w{n}", path=f"fs/f{n}.c", line=1)
                for n in range(4)]
    findings.append(Finding("bisect-break", Severity.ERROR, "e", path="mm/a.c", line=1,
                            related=many))
    audit = Audit("TIF_X", "tree", "t", None, None, findings)  # type: ignore[arg-type]
    run = sarif.sarif_log(audit)["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["bisect-break"] + ["stale-comment"] * 2
    assert run["properties"]["resultsLeftOut"] == 2
    first = run["results"][0]
    assert len(first["relatedLocations"]) == 2
    assert first["properties"]["relatedLocationsLeftOut"] == 3
