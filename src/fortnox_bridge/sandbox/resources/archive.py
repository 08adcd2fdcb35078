"""``/3/archive``: a file's bytes by its id and multipart upload
(:mod:`~fortnox_bridge.sandbox.rules.archive`)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.archive import ArchiveRules

RESOURCE = ResourceSpec(
    module="archive",
    scope="archive",
    # No recorded not-found answer for the archive: the inbox's (the sandbox's own code).
    not_found=(2990146, "Kan inte hitta filen eller mappen."),
    rules=ArchiveRules(),
)
