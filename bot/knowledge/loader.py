"""Load and validate knowledge/ and intents/ into one `Knowledge` object.

Layers (common -> country -> org) are merged field by field; every organisation's
merged view is validated on its own, and every problem is collected with file and
line before anything is raised, so `kombot kb check` shows them all at once.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.directory.check import cross_check
from bot.directory.models import Directory
from bot.knowledge.models import (
    AllLangText,
    Entry,
    EntryFile,
    EntryPatch,
    Intent,
    LabelledQuestion,
    Messages,
    Org,
    require_examples,
)
from bot.knowledge.synonyms import Synonyms
from bot.knowledge.yamlfile import KnowledgeError, Problem, YamlDoc, load_yaml, parse_yaml
from bot.languages import COUNTRY_LANG, LANGS, Lang
from bot.reminders.plans import Plan
from bot.writing.glossary import Glossary, load_glossaries

RESERVED = {"org.yaml", "directory.yaml", "reminders.yaml"}
MERGED_FIELDS = ("title", "answer", "source", "related", "expert_function", "owner", "review_by")


@dataclass
class Located:
    patch: EntryPatch
    doc: YamlDoc
    path: tuple  # path of the entry inside the document
    layer: str

    def problem(self, sub: tuple, message: str) -> Problem:
        return self.doc.problem((*self.path, *sub), message)


@dataclass
class OrgKnowledge:
    org: Org
    entries: dict[str, Entry]
    directory: Directory
    plan: Plan

    @property
    def id(self) -> str:
        return self.org.id


@dataclass
class Knowledge:
    orgs: dict[str, OrgKnowledge]
    intents: dict[str, Intent]
    messages: dict[str, AllLangText]
    synonyms: Synonyms
    version: str
    glossaries: dict[Lang, Glossary] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # (shown as, bytes) of examples/: the bytes the version was taken of are the ones trained on
    example_files: list[tuple[str, bytes]] = field(default_factory=list, repr=False)

    @functools.cached_property
    def examples(self) -> list[tuple[str, str]]:
        """(text, label) from examples/: questions written blind, the model's training
        beside the entries' own examples. Parsed on first use (a tenth of a second): a
        command answering from a cached model never needs them. Raises `KnowledgeError`."""
        return read_examples(self)

    def org(self, org_id: str) -> OrgKnowledge:
        try:
            return self.orgs[org_id]
        except KeyError:
            known = ", ".join(sorted(self.orgs))
            raise KeyError(f"unknown org '{org_id}' (known: {known})") from None

    def message(self, key: str, lang: Lang, **values: Any) -> str:
        return self.messages[key][lang].format(**values)


def load_knowledge(
    root: Path, intents_dir: Path, only_org: str | None = None, lazy_examples: bool = False
) -> Knowledge:
    """Load everything; raises `KnowledgeError` listing every problem found. With
    `lazy_examples`, the labelled questions of examples/ are only read into the version
    now, and parsed (and checked) when a model is trained."""
    loading = _Loading(root)
    messages = loading.model_file(root / "messages.yaml", Messages, wrap="messages")
    synonyms = loading.model_file(root / "synonyms.yaml", Synonyms, wrap="languages")
    intents = loading.intents(intents_dir)
    orgs = loading.orgs(only_org)
    example_files = loading.example_files(root / "examples")
    try:
        glossaries = load_glossaries(root / "glossary")
    except KnowledgeError as exc:
        loading.problems += [
            Problem(f"{root.name}/{p.file}", p.line, p.message) for p in exc.problems
        ]
        glossaries = {}
    if loading.problems:
        raise KnowledgeError(loading.problems)
    knowledge = Knowledge(
        orgs=orgs,
        intents=intents,
        messages=messages.messages if messages else {},
        synonyms=synonyms or Synonyms(languages={}),
        version=loading.version(),
        glossaries=glossaries,
        files=sorted(loading.read),
        example_files=example_files,
    )
    if not lazy_examples:
        knowledge.examples  # noqa: B018 (checked now)
    return knowledge


def read_examples(knowledge: Knowledge) -> list[tuple[str, str]]:
    """The labelled questions of the example files; a label no org or intent knows is a
    problem (a renamed entry would otherwise teach nothing, silently)."""
    known = {f"intent:{i}" for i in knowledge.intents} | {
        f"entry:{e}" for org in knowledge.orgs.values() for e in org.entries
    }
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for shown, content in knowledge.example_files:
        try:
            doc, trouble = parse_yaml(content.decode("utf-8"), shown)
        except UnicodeDecodeError as exc:
            doc, trouble = None, [Problem(shown, 1, f"cannot read file: {exc}")]
        problems += trouble
        if doc is None:
            continue
        if not isinstance(doc.data, list):
            problems.append(doc.problem((), "an examples file is a list of items"))
            continue
        for index, raw in enumerate(doc.data):
            try:
                item = LabelledQuestion.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append(doc.problem((index, *err["loc"][:1]), _describe(err)))
                continue
            if item.label is None:
                continue
            if knowledge.orgs and item.label not in known:
                unknown = item.label.removeprefix("entry:")
                problems.append(doc.problem((index, "expect"), f"unknown id '{unknown}'"))
                continue
            found.append((item.q, item.label))
    if problems:
        raise KnowledgeError(problems)
    return found


class _Loading:
    def __init__(self, root: Path):
        self.root = root
        self.base = root.parent
        self.problems: list[Problem] = []
        self.read: dict[str, bytes] = {}

    def shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.base))
        except ValueError:
            return str(path)

    def doc(self, path: Path) -> YamlDoc | None:
        doc, problems = load_yaml(path, self.shown(path))
        self.problems += problems
        if doc is not None:
            self.read[doc.file] = path.read_bytes()
        return doc

    def validate(self, doc: YamlDoc, model: type[BaseModel], data: Any, wrapped: bool = False):
        """`wrapped`: the document was put under one key of `model` (not in the file)."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(part for part in err["loc"] if not str(part).startswith("function-"))
                if wrapped:
                    loc = loc[1:]
                    err = {**err, "loc": loc}
                self.problems.append(doc.problem(loc, _describe(err)))
            return None

    def model_file(self, path: Path, model: type[BaseModel], wrap: str):
        if not path.exists():
            self.problems.append(Problem(self.shown(path), 1, "file is missing"))
            return None
        doc = self.doc(path)
        if doc is None:
            return None
        return self.validate(doc, model, {wrap: doc.data}, wrapped=True)

    def intents(self, directory: Path) -> dict[str, Intent]:
        intents: dict[str, Intent] = {}
        for path in sorted(directory.glob("*.yaml")):
            doc = self.doc(path)
            if doc is None:
                continue
            intent = self.validate(doc, Intent, doc.data)
            if intent is None:
                continue
            if intent.id in intents:
                self.problems.append(doc.problem(("id",), f"duplicate intent '{intent.id}'"))
            elif path.stem != intent.id:
                self.problems.append(
                    doc.problem(("id",), f"intent '{intent.id}' must be in {intent.id}.yaml")
                )
            intents[intent.id] = intent
        if not intents:
            self.problems.append(Problem(self.shown(directory), 1, "no intents found"))
        return intents

    def example_files(self, directory: Path) -> list[tuple[str, bytes]]:
        """The files of examples/, read into the version (parsing waits: `read_examples`)."""
        found = []
        for path in sorted(directory.glob("*.yaml")):
            shown = self.shown(path)
            try:
                self.read[shown] = path.read_bytes()
            except OSError as exc:
                self.problems.append(Problem(shown, 1, f"cannot read file: {exc}"))
                continue
            found.append((shown, self.read[shown]))
        return found

    def layer(self, directory: Path, layer: str) -> dict[str, Located]:
        """Parse every entry file of one layer; duplicate ids inside a layer are errors."""
        found: dict[str, Located] = {}
        for path in sorted(directory.rglob("*.yaml")):
            if path.name in RESERVED:
                continue
            doc = self.doc(path)
            if doc is None:
                continue
            parsed = self.validate(doc, EntryFile, doc.data)
            if parsed is None:
                continue
            for index, patch in enumerate(parsed.entries):
                here = Located(patch, doc, ("entries", index), layer)
                if patch.id in found:
                    first = found[patch.id]
                    self.problems.append(
                        here.problem(
                            ("id",),
                            f"duplicate id '{patch.id}' (first at "
                            f"{first.doc.file}:{first.doc.line((*first.path, 'id'))})",
                        )
                    )
                    continue
                found[patch.id] = here
        return found

    def orgs(self, only_org: str | None) -> dict[str, OrgKnowledge]:
        common = self.layer(self.root / "common", "common")
        countries: dict[str, dict[str, Located]] = {}
        orgs: dict[str, OrgKnowledge] = {}
        self.missing_related: dict[tuple[str, int, str, str], list[str]] = {}
        org_dirs = sorted(p for p in (self.root / "orgs").iterdir() if p.is_dir())
        if only_org is not None:
            org_dirs = [p for p in org_dirs if p.name == only_org]
            if not org_dirs:
                self.problems.append(
                    Problem(self.shown(self.root / "orgs"), 1, f"unknown org '{only_org}'")
                )
        for org_dir in org_dirs:
            org_file = org_dir / "org.yaml"
            if not org_file.exists():
                self.problems.append(Problem(self.shown(org_file), 1, "file is missing"))
                continue
            doc = self.doc(org_file)
            org = self.validate(doc, Org, doc.data) if doc else None
            if org is None:
                continue
            if org.id != org_dir.name:
                self.problems.append(
                    doc.problem(
                        ("id",), f"org id '{org.id}' must match its folder '{org_dir.name}'"
                    )
                )
            if org.country not in countries:
                countries[org.country] = self.layer(
                    self.root / "countries" / org.country, org.country
                )
            own = self.layer(org_dir, org.id)
            entries = self.merge(org, [common, countries[org.country], own])
            directory = self.directory(org_dir / "directory.yaml")
            plan = self.plan(org_dir / "reminders.yaml")
            if directory is not None and plan is not None:
                orgs[org.id] = OrgKnowledge(org, entries, directory, plan)
        for (file, line, entry_id, related), org_ids in self.missing_related.items():
            message = f"{entry_id}: related entry '{related}' does not exist for "
            self.problems.append(Problem(file, line, message + ", ".join(org_ids)))
        return orgs

    def directory(self, path: Path) -> Directory | None:
        if not path.exists():
            self.problems.append(Problem(self.shown(path), 1, "file is missing"))
            return None
        doc = self.doc(path)
        directory = self.validate(doc, Directory, doc.data) if doc else None
        if directory is None:
            return None
        problems = cross_check(doc, directory)
        self.problems += problems
        return None if problems else directory

    def plan(self, path: Path) -> Plan | None:
        if not path.exists():
            self.problems.append(Problem(self.shown(path), 1, "file is missing"))
            return None
        doc = self.doc(path)
        return self.validate(doc, Plan, doc.data) if doc else None

    def merge(self, org: Org, layers: list[dict[str, Located]]) -> dict[str, Entry]:
        merged: dict[str, tuple[dict, Located, dict[str, Located]]] = {}
        for layer in layers:
            for entry_id, here in layer.items():
                values = here.patch.model_dump(exclude_none=True)
                if entry_id not in merged:
                    merged[entry_id] = ({**values, "examples": {}}, here, {})
                fields, _, setters = merged[entry_id]
                for name in MERGED_FIELDS:
                    if name in values:
                        fields[name] = values[name]
                        setters[name] = here
                for lang, examples in values.get("examples", {}).items():
                    fields["examples"].setdefault(lang, []).extend(examples)
                    setters.setdefault("examples", here)
        entries: dict[str, Entry] = {}
        for entry_id, (fields, first, setters) in merged.items():
            entry = self.complete(org, entry_id, fields, first, setters)
            if entry is not None:
                entries[entry_id] = entry
        for entry in entries.values():
            for related in entry.related:
                if related not in entries:
                    where = merged[entry.id][2].get("related", merged[entry.id][1])
                    line = where.doc.line((*where.path, "related"))
                    key = (where.doc.file, line, entry.id, related)
                    self.missing_related.setdefault(key, []).append(org.id)
        return entries

    def complete(self, org: Org, entry_id, fields, first: Located, setters) -> Entry | None:
        missing = [name for name in MERGED_FIELDS if name not in fields]
        if missing:
            self.problems.append(
                first.problem(
                    ("id",), f"{entry_id}: missing {', '.join(missing)} (needed for a new entry)"
                )
            )
            return None
        answer_from = setters["answer"]
        required = _required_langs(answer_from.layer, org)
        ok = True
        for name in ("title", "answer"):
            lacking = [lang for lang in required if lang not in fields[name]]
            if lacking:
                where = setters[name]
                self.problems.append(
                    where.problem(
                        (name,),
                        f"{entry_id}: {name} is missing required language(s) {', '.join(lacking)}",
                    )
                )
                ok = False
        try:
            require_examples(fields["examples"])
        except ValueError as exc:
            where = setters.get("examples", first)
            self.problems.append(where.problem(("examples",), f"{entry_id}: {exc}"))
            ok = False
        if not ok:
            return None
        return Entry(**fields, layer=answer_from.layer)

    def version(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.read):
            digest.update(name.encode())
            digest.update(self.read[name])
        return digest.hexdigest()[:12]


def _required_langs(layer: str, org: Org) -> tuple[Lang, ...]:
    if layer == "common":
        return LANGS
    if layer in COUNTRY_LANG:
        return (COUNTRY_LANG[layer], "en")
    return (org.language, "en")


def _describe(err: dict) -> str:
    kind = err["type"]
    loc = [p for p in err["loc"] if not str(p).startswith("function-")]
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        loc = loc[2:]
    where = ".".join(str(p) for p in loc)
    if kind == "extra_forbidden":
        return f"unknown field '{err['loc'][-1]}'"
    if kind == "missing":
        parent = ".".join(str(p) for p in loc[:-1])
        field = f"missing required field '{loc[-1]}'"
        return f"{parent}: {field}" if parent else field
    if kind.startswith("date"):
        return f"{where}: bad date {err.get('input')!r} (use YYYY-MM-DD)"
    if kind == "literal_error":
        return f"{where}: {err['msg']} (got {err.get('input')!r})"
    message = err["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
