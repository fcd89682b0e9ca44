"""Loading and validation of the YAML staff edit: every broken fixture names file and line."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.knowledge.report import stale_entries
from bot.knowledge.yamlfile import KnowledgeError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "kb"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))


def make_tree(tmp_path: Path) -> Path:
    """A minimal valid knowledge tree: one org (Norwegian), two common entries."""
    knowledge = tmp_path / "knowledge"
    (knowledge / "common").mkdir(parents=True)
    (knowledge / "countries" / "no").mkdir(parents=True)
    (knowledge / "orgs" / "test-org").mkdir(parents=True)
    shutil.copy(ROOT / "knowledge" / "messages.yaml", knowledge / "messages.yaml")
    shutil.copy(ROOT / "knowledge" / "synonyms.yaml", knowledge / "synonyms.yaml")
    shutil.copy(FIXTURES / "valid" / "entries.yaml", knowledge / "common" / "entries.yaml")
    for name in ("org.yaml", "directory.yaml", "reminders.yaml"):
        shutil.copy(FIXTURES / "valid" / name, knowledge / "orgs" / "test-org" / name)
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    shutil.copytree(ROOT / "knowledge" / "glossary", knowledge / "glossary")
    return knowledge


def test_minimal_tree_loads_and_reports_stale_entries(tmp_path):
    knowledge = load_knowledge(make_tree(tmp_path), tmp_path / "intents")
    org = knowledge.org("test-org")
    assert org.org.country == "no"  # not False: `no` is not a boolean here
    assert set(org.entries) == {"press.test_entry", "press.other_entry"}
    assert org.entries["press.test_entry"].review_by == dt.date(2027, 6, 30)
    stale = stale_entries(knowledge, dt.date(2026, 11, 22))
    assert stale == [
        ("test-org", "press.other_entry", "kb-common@example.org", dt.date(2020, 1, 1))
    ]


def test_org_override_replaces_answer_and_adds_examples(tmp_path):
    knowledge_dir = make_tree(tmp_path)
    (knowledge_dir / "orgs" / "test-org" / "entries.yaml").write_text(
        "entries:\n"
        "  - id: press.test_entry\n"
        "    answer: {nb: 'Kommunikasjonsavdelingen svarer.', en: 'Ask comms.'}\n"
        "    examples: {nb: ['spør pressevakta']}\n",
        encoding="utf-8",
    )
    entry = (
        load_knowledge(knowledge_dir, tmp_path / "intents")
        .org("test-org")
        .entries["press.test_entry"]
    )
    assert entry.answer == {"nb": "Kommunikasjonsavdelingen svarer.", "en": "Ask comms."}
    assert entry.layer == "test-org"
    assert entry.examples["nb"][-1] == "spør pressevakta"
    assert len(entry.examples["nb"]) == 6
    assert entry.title["da"] == "Pressen"  # inherited


@pytest.mark.parametrize("fixture", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_fixture_is_reported_with_file_and_line(tmp_path, fixture):
    expected = fixture.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    knowledge_dir = make_tree(tmp_path)
    target = knowledge_dir.parent / expected.split(":")[0]
    shutil.copy(fixture, target)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_dir, tmp_path / "intents")
    assert expected in [str(p) for p in caught.value.problems]


def test_every_problem_is_reported_at_once(tmp_path):
    knowledge_dir = make_tree(tmp_path)
    shutil.copy(
        FIXTURES / "broken" / "bad_date.yaml", knowledge_dir / "orgs" / "test-org" / "entries.yaml"
    )
    (knowledge_dir / "orgs" / "test-org" / "org.yaml").write_text(
        "id: test-org\nname: T\ncountry: xx\nlanguage: nb\ncomms_department: {nb: k}\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_dir, tmp_path / "intents")
    messages = [str(p) for p in caught.value.problems]
    assert any("org.yaml:3: country" in m for m in messages)


def with_examples(tmp_path: Path, text: str) -> Path:
    """The minimal tree with one file of labelled questions in examples/."""
    knowledge_dir = make_tree(tmp_path)
    (knowledge_dir / "examples").mkdir()
    (knowledge_dir / "examples" / "blind.yaml").write_text(text, encoding="utf-8")
    return knowledge_dir


def test_labelled_questions_in_examples_train_the_orgs_that_have_the_answer(tmp_path):
    from bot.understanding.training import labelled_examples

    knowledge_dir = with_examples(
        tmp_path,
        "- q: journalisten ringer igjen, hva gjør jeg\n"
        "  expect: press.test_entry\n"
        "  lang: nb\n"
        "- q: hvor er kantina\n"
        "  expect: null\n"
        "- q: pressevakt eller ikke\n"
        "  expect: [press.test_entry, press.other_entry]\n",
    )
    knowledge = load_knowledge(knowledge_dir, tmp_path / "intents")
    assert knowledge.examples == [
        ("journalisten ringer igjen, hva gjør jeg", "entry:press.test_entry"),
        ("hvor er kantina", "intent:out_of_scope"),
    ]  # several right answers teach nothing certain: left out
    taught = list(labelled_examples(knowledge, knowledge.org("test-org")))
    assert ("journalisten ringer igjen, hva gjør jeg", "entry:press.test_entry") in taught
    assert ("hvor er kantina", "intent:out_of_scope") in taught


def test_a_labelled_question_for_an_unknown_answer_is_reported_with_its_line(tmp_path):
    knowledge_dir = with_examples(
        tmp_path,
        "- q: hvem snakker med pressen\n"
        "  expect: press.test_entry\n"
        "- q: en omdøpt artikkel\n"
        "  expect: press.renamed_entry\n"
        "- expect: press.test_entry\n",
    )
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_dir, tmp_path / "intents")
    messages = [str(p) for p in caught.value.problems]
    assert "knowledge/examples/blind.yaml:4: unknown id 'press.renamed_entry'" in messages
    assert any(m.startswith("knowledge/examples/blind.yaml:5:") and "'q'" in m for m in messages)


def test_examples_read_lazily_still_key_the_model_and_are_checked_when_read(tmp_path):
    """`kombot ask` on a cached model skips parsing examples/, but their bytes are in the
    knowledge version (a changed file is a new model), and a broken one fails the training
    that reads it."""
    knowledge_dir = with_examples(tmp_path, "- q: hvem snakker med pressen\n  expect: nope\n")
    broken = load_knowledge(knowledge_dir, tmp_path / "intents", lazy_examples=True)
    with pytest.raises(KnowledgeError) as caught:
        broken.examples  # noqa: B018
    assert [str(p) for p in caught.value.problems] == [
        "knowledge/examples/blind.yaml:2: unknown id 'nope'"
    ]
    (knowledge_dir / "examples" / "blind.yaml").write_text(
        "- q: hvem snakker med pressen\n  expect: press.test_entry\n", encoding="utf-8"
    )
    fixed = load_knowledge(knowledge_dir, tmp_path / "intents", lazy_examples=True)
    assert fixed.version != broken.version
    assert fixed.examples == [("hvem snakker med pressen", "entry:press.test_entry")]
