"""``/3/projects``: number ≤ 20 from ``A-Ö a-ö 0-9 _ / + -``, description ≤ 50, status enum,
``Location: project`` (singular, recorded), 404 code 2001161."""

from __future__ import annotations

from fortnox_bridge.fortnox.characters import PROJECT_NUMBER
from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec

RESOURCE = ResourceSpec(
    module="project",
    scope="project",
    not_found=(2001161, "Kan inte hitta projektet."),
    location="project",
    id=IdRule("ProjectNumber", max_length=20, allowed=PROJECT_NUMBER.character_class),
    defaults={"Status": "ONGOING"},
    # Recorded: unset ContactPerson, ProjectLeader and dates are null.
    string_blank=None,
    search={"description": "Description"},
    sort={"projectnumber": "ProjectNumber"},
    lastmodified=True,
)
