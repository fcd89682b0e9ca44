"""Read a YAML file keeping the line of every value, so errors can name file and line.

Dates are left as strings (pydantic parses them and reports a bad one at its line);
only true/false are booleans (YAML 1.1 reads `country: no` as False: the Norway problem);
duplicate keys, which PyYAML silently overwrites, are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}


class _Loader(_Base):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """One or more problems in the YAML that staff edit."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class YamlDoc:
    file: str
    data: Any
    lines: dict[Path_, int]

    def line(self, path: Path_) -> int:
        """The line of the deepest known node on `path` (1-based)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(self.file, self.line(path), message)


def load_yaml(path: Path, shown_as: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse one file; returns the document or the problems that stopped it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown_as, 1, f"cannot read file: {exc}")]
    return parse_yaml(text, shown_as)


def parse_yaml(text: str, shown_as: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse a file's text (`load_yaml`)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [Problem(shown_as, line, f"YAML syntax error: {exc.problem or exc}")]
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, problems, shown_as)
    return YamlDoc(shown_as, data, lines), problems


def _walk(node, path: Path_, lines: dict, problems: list, shown_as: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(shown_as, line, f"duplicate key '{key}' (first at line {seen[key]})")
                )
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, problems, shown_as)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, problems, shown_as)
