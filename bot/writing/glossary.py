"""The jargon glossary staff maintain (`knowledge/glossary/<lang>.yaml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from bot.knowledge.models import Strict
from bot.knowledge.yamlfile import KnowledgeError, Problem, load_yaml
from bot.languages import LANGS, Lang


class Term(Strict):
    term: str = Field(min_length=2)
    plain: str = Field(min_length=1)
    kind: Literal["medical", "bureaucratic", "latin", "abbreviation"]


class Glossary(Strict):
    language: Lang
    terms: list[Term]


def load_glossaries(folder: Path) -> dict[Lang, Glossary]:
    """Every language's glossary; problems are reported with file and line."""
    problems: list[Problem] = []
    found: dict[Lang, Glossary] = {}
    for lang in LANGS:
        path = folder / f"{lang}.yaml"
        shown = f"{folder.name}/{path.name}"
        if not path.exists():
            problems.append(Problem(shown, 1, "file is missing"))
            continue
        doc, parse_problems = load_yaml(path, shown)
        problems += parse_problems
        if doc is None:
            continue
        try:
            glossary = Glossary.model_validate(doc.data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                where = ".".join(map(str, loc))
                message = err["msg"].removeprefix("Value error, ")
                problems.append(doc.problem(loc, f"{where}: {message}" if where else message))
            continue
        first: dict[str, int] = {}
        for index, term in enumerate(glossary.terms):
            key = term.term.casefold()
            if key in first:
                problems.append(
                    doc.problem(
                        ("terms", index, "term"),
                        f"'{term.term}' is listed twice (first at line {first[key]})",
                    )
                )
            first.setdefault(key, doc.line(("terms", index, "term")))
        if glossary.language != lang:
            problems.append(doc.problem(("language",), f"language must be '{lang}'"))
        found[lang] = glossary
    if problems:
        raise KnowledgeError(problems)
    return found
