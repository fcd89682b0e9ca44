"""Cross-reference checks of a directory, reported with file and line like the knowledge."""

from __future__ import annotations

from collections import Counter

from bot.directory.models import Directory
from bot.knowledge.yamlfile import Problem, YamlDoc


def cross_check(doc: YamlDoc, directory: Directory) -> list[Problem]:
    problems: list[Problem] = []
    known = Counter(p.email for p in directory.people)
    for email, count in known.items():
        if count > 1:
            problems.append(doc.problem(("people",), f"person '{email}' is listed {count} times"))
    area_ids = Counter(a.id for a in directory.areas)
    for area_id, count in area_ids.items():
        if count > 1:
            problems.append(doc.problem(("areas",), f"area '{area_id}' is listed {count} times"))

    def must_know(path: tuple, email: str, role: str) -> None:
        if email not in known:
            problems.append(doc.problem(path, f"{role} '{email}' is not in people"))

    covered: Counter = Counter()
    for i, area in enumerate(directory.areas):
        must_know(("areas", i, "contact_person"), area.contact_person, "contact person")
        covered[area.contact_person] += 1
    for i, person in enumerate(directory.people):
        if person.area is not None and person.area not in area_ids:
            problems.append(
                doc.problem(
                    ("people", i, "area"), f"area '{person.area}' of {person.email} does not exist"
                )
            )
        if not person.email.endswith("example.org"):
            problems.append(
                doc.problem(
                    ("people", i, "email"),
                    f"'{person.email}' is not a fictitious example.org address",
                )
            )
    for email, count in covered.items():
        if count > directory.max_areas_per_contact:
            problems.append(
                doc.problem(
                    ("areas",),
                    f"contact person '{email}' covers {count} areas; at most "
                    f"{directory.max_areas_per_contact} (set max_areas_per_contact to allow more)",
                )
            )
    seen_functions: set[str] = set()
    for i, function in enumerate(directory.functions):
        if function.id in seen_functions:
            problems.append(
                doc.problem(("functions", i, "id"), f"function '{function.id}' is listed twice")
            )
        seen_functions.add(function.id)
        for j, member in enumerate(function.members):
            must_know(("functions", i, "members", j), member, f"member of {function.id}")
    for key in ("odd_weeks", "even_weeks", "backup"):
        must_know(("on_duty", key), getattr(directory.on_duty, key), "on-duty press officer")
    for i, leader in enumerate(directory.leaders):
        must_know(("leaders", i, "email"), leader.email, "leader")
        must_know(("leaders", i, "director"), leader.director, "director")
        if leader.area not in area_ids:
            problems.append(
                doc.problem(("leaders", i, "area"), f"area '{leader.area}' does not exist")
            )
    return problems
