"""`kombot check`: the plain-language check of a draft."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.commands.common import (
    OrgOption,
    check_lang,
    err,
    load_or_exit,
)
from bot.config import Settings
from bot.handlers import plain_language
from bot.privacy import personal_numbers
from bot.understanding.normalise import clean
from bot.understanding.understand import Understanding
from bot.writing.check import MAX_CHARS, WritingCheck


def check(
    file: Annotated[str, typer.Argument(help="a text file, or - for standard input")],
    as_json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="da, sv, nb or en (default: detected)")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Check a draft for plain language: LIX, long sentences, jargon, suggestions."""
    check_lang(lang)
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"cannot read {file}: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    settings = Settings()
    knowledge = load_or_exit(settings)
    org_knowledge = knowledge.org(org or settings.org)
    text, findings = personal_numbers.redact(clean(raw), org_knowledge.org.country)
    if findings:  # the guard comes first, in the terminal too
        labels = ", ".join(dict.fromkeys(f"[{f.label}]" for f in findings))
        err.print(
            f"personal identification numbers removed before checking: {labels}",
            style="yellow",
            markup=False,
        )
    if len(text) > MAX_CHARS:
        err.print(
            f"the text has {len(text)} characters; at most {MAX_CHARS} are checked at a "
            "time – split it up",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    if not text.strip():
        err.print("the text is empty", style="red")
        raise typer.Exit(2)
    language = lang or Understanding(knowledge).language(text, org_knowledge.org.language).lang
    result = WritingCheck(knowledge.glossaries).check(text, language)
    if as_json_:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return
    Console().print(
        plain_language.render(knowledge, result, language), markup=False, highlight=False
    )
