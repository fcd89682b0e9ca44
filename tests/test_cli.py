"""The command-line contracts evaluations run against (shared/DESIGN.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

SAMPLE = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "sample.yaml"
runner = CliRunner()


def test_ask_json_prints_the_contract_fields():
    result = runner.invoke(app, ["ask", "do I have to answer when a reporter calls me?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {
        "kind",
        "entry",
        "intent",
        "confidence",
        "language",
        "text",
        "suggestions",
        "source",
    }
    assert data["kind"] == "answer"
    assert data["entry"] == "press.no_obligation_to_speak"
    assert data["language"] == "en"
    assert 0 <= data["confidence"] <= 1


def test_ask_json_for_an_intent(tmp_path):
    result = runner.invoke(
        app, ["ask", "jeg skal bruge hjaelp til en pjece til patienter", "--json"]
    )
    data = json.loads(result.stdout)
    assert (data["kind"], data["intent"], data["entry"]) == ("intent", "route_request", None)


def test_ask_rejects_an_unknown_org_and_language():
    assert runner.invoke(app, ["ask", "hej", "--org", "nowhere"]).exit_code == 2
    assert runner.invoke(app, ["ask", "hej", "--lang", "de"]).exit_code == 2


def test_eval_gets_every_sample_item_right():
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} is not beside this checkout")
    result = runner.invoke(app, ["eval", str(SAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    wrong = [
        (i["q"], i["expect"], i["entry"] or i["intent"] or i["kind"])
        for i in data["items"]
        if not i["ok"]
    ]
    assert wrong == []
    assert set(data["summary"]) == {
        "total",
        "top1",
        "top3",
        "in_scope_top1",
        "out_of_scope_correct",
        "language",
        "by_language",
        "p50_ms",
        "p99_ms",
        "confidently_wrong",
        "crisis_recall",
    }
    assert data["summary"]["language"] == 1.0
    assert data["summary"]["confidently_wrong"] == 0.0


def test_eval_reports_a_file_that_is_not_a_list(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("q: not a list\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(bad)])
    assert result.exit_code == 2
    assert "a YAML list of items" in result.output


def test_kb_check_passes_on_the_shipped_knowledge():
    result = runner.invoke(app, ["kb", "check"])
    assert result.exit_code == 0, result.output
    assert "knowledge OK" in result.stdout
    assert "region-jamtland-harjedalen" in result.stdout
    shown = " ".join(result.stdout.split())
    for org in ("helsedirektoratet", "region-midtjylland"):
        assert f"{org}: cross-validated accuracy 0." in shown  # trained and cross-validated
    assert "weakest accuracy" in shown and "examples of taken for times" in shown


def test_kb_check_fails_with_file_and_line(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    (knowledge / "orgs").mkdir(parents=True)
    (knowledge / "messages.yaml").write_text("fallback: {da: x}\n", encoding="utf-8")
    monkeypatch.setenv("KOMBOT_KNOWLEDGE_DIR", str(knowledge))
    result = runner.invoke(app, ["kb", "check"])
    assert result.exit_code == 1
    assert "knowledge/messages.yaml:1: fallback: missing required field 'sv'" in result.output


def test_eval_of_a_folder_reports_figures_per_style(tmp_path):
    (tmp_path / "a.yaml").write_text(
        '- q: "må jeg tale med pressen om min afdeling"\n'
        "  expect: press.who_speaks_on_behalf\n  style: [short]\n"
        '- q: "hvornår åbner kantinen"\n  expect: null\n  style: [short, near_miss]\n',
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        '- q: "logo"\n  expect: language.lix\n  style: short\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["eval", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["total"] == 3
    assert summary["by_style"]["short"]["n"] == 3
    assert summary["by_style"]["near_miss"] == {"n": 1, "top1": 1.0}
    assert summary["confidently_wrong"] == round(1 / 3, 4)  # "logo" answered, not with lix


def test_eval_of_an_empty_folder_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["eval", str(tmp_path)])
    assert result.exit_code == 2
    assert "no *.yaml evaluation files" in " ".join(result.output.split())


def test_ask_on_an_untrained_model_stops_at_a_broken_example_with_file_and_line(
    tmp_path, monkeypatch
):
    """`ask` parses examples/ only to train; a broken one then stops it as `kb check` would."""
    import shutil

    knowledge = tmp_path / "knowledge"
    shutil.copytree(Path(__file__).resolve().parent.parent / "knowledge", knowledge)
    (knowledge / "examples" / "zz_new.yaml").write_text(
        "- q: hvem har pressevagten\n  expect: crisis.on_duty_officer\n", encoding="utf-8"
    )
    monkeypatch.setenv("KOMBOT_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("KOMBOT_MODEL_CACHE_DIR", str(tmp_path / "models"))
    result = runner.invoke(app, ["ask", "hvem har pressevagten", "--json"])
    assert result.exit_code == 1
    assert "knowledge/examples/zz_new.yaml:2: unknown id 'crisis.on_duty_officer'" in result.output
