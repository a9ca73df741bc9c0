"""Intelligence reports for the police (the "FIB form" / partnership information report).

Qt-free core of the intelligence feature: the report and its entities (people, vehicles, phones,
online identities, locations), the normalisers that turn what a worker types into one match key,
the quality checks run while writing (DOMAIN.md section 4.3), the 5WH prompts, the police-style
export lines with the closing marker, the suggested 3x5x2 handling, fuzzy matching of entities
and the connections index that links children through shared people, cars, phones and places.

Design choices worth knowing:

* Entities are frozen value objects; their constructor normalises (a VRM typed as "ab12-abc" is
  stored as "AB12 ABC"). What cannot be normalised (a partial plate, a part of a number) is kept
  as typed, cleaned, because in intelligence "any detail counts"; a quality check then says so.
* The ``normalise_*`` functions return ``None`` for impossible input rather than raising: the
  caller (a form field, an import) decides what to tell the user. Constructors and ``from_dict``
  raise :class:`InvalidIntelligence` (a :class:`~cse_toolkit.errors.UserError`) for invalid values
  of closed sets (role, source type, grading codes) and malformed dates.
* Every quality warning has a stable check id and a fingerprint of what it refers to. An override
  covers the fingerprints that were firing when it was given, so a *new* problem of the same kind
  (another person without a DOB, an edited fact) blocks again: overrides are never silent.
* Nothing here logs, and exception messages never repeat the personal data they complain about,
  because exceptions may reach the log.

The package, one job per module (this module only re-exports; import from here):

``values`` errors, closed sets, the checks that read stored dictionaries back · ``normalise``
typed text -> match keys · ``entities`` · ``report`` (report, overrides, handling) · ``checks``
(the registry of quality checks, overrides, finalising) · ``prompts`` (5WH) · ``export_lines``
(police-style lines) · ``matching`` (fuzzy matching) · ``merging`` (people's merge decisions) ·
``connections`` (the index linking children).
"""

from cse_toolkit.core.intelligence.checks import (
    CHECKS,
    CheckInfo,
    QualityWarning,
    apply_override,
    blocking_warnings,
    check_report,
    finalise,
)
from cse_toolkit.core.intelligence.connections import (
    RESCREEN_KINDS,
    RESCREEN_MIN_CHILDREN,
    ChildConnections,
    EntityIndex,
    EntityLink,
    build_index,
    connections_for_child,
    hotspots,
    rescreen_prompts,
)
from cse_toolkit.core.intelligence.entities import (
    ENTITY_KINDS,
    FINANCIAL_KINDS,
    WEAPON_KINDS,
    Entity,
    Financial,
    Location,
    OnlineIdentity,
    Person,
    Phone,
    Vehicle,
    Weapon,
    entity_from_dict,
    key_kind,
)
from cse_toolkit.core.intelligence.export_lines import (
    facts_for_export,
    format_entity_line,
    format_fact_line,
    format_person_line,
    format_vehicle_line,
)
from cse_toolkit.core.intelligence.matching import (
    MatchSuggestion,
    match_candidates,
    match_entities,
    same_name_group,
    soundex,
    suggest_matches,
    within_one_edit,
)
from cse_toolkit.core.intelligence.merging import (
    GroupResolution,
    MergeDecision,
    resolve_groups,
)
from cse_toolkit.core.intelligence.normalise import (
    display_phone,
    normalise_age_range,
    normalise_handle,
    normalise_name,
    normalise_nickname,
    normalise_phone,
    normalise_platform,
    normalise_postcode,
    normalise_vrm,
)
from cse_toolkit.core.intelligence.prompts import (
    Prompt,
    five_wh_prompts,
)
from cse_toolkit.core.intelligence.report import (
    HANDLING_CODES,
    HANDLING_LABEL,
    INTELLIGENCE_ASSESSMENTS,
    SOURCE_EVALUATIONS,
    HandlingSuggestion,
    IntelReport,
    Override,
    suggest_handling,
)
from cse_toolkit.core.intelligence.values import (
    CLOSING_MARKER,
    MAX_FACT_CHARS,
    PERSON_ROLES,
    PLACE_TYPES,
    SCHEMA_VERSION,
    SOURCE_TYPES,
    InvalidIntelligence,
    OverrideRefused,
    ReportNotReady,
)

__all__ = [
    "CHECKS",
    "RESCREEN_KINDS",
    "RESCREEN_MIN_CHILDREN",
    "rescreen_prompts",
    "CLOSING_MARKER",
    "CheckInfo",
    "ChildConnections",
    "ENTITY_KINDS",
    "FINANCIAL_KINDS",
    "WEAPON_KINDS",
    "Entity",
    "Financial",
    "EntityIndex",
    "EntityLink",
    "GroupResolution",
    "HANDLING_CODES",
    "HANDLING_LABEL",
    "HandlingSuggestion",
    "INTELLIGENCE_ASSESSMENTS",
    "IntelReport",
    "InvalidIntelligence",
    "Location",
    "MAX_FACT_CHARS",
    "MatchSuggestion",
    "MergeDecision",
    "OnlineIdentity",
    "Override",
    "OverrideRefused",
    "PERSON_ROLES",
    "PLACE_TYPES",
    "Person",
    "Phone",
    "Prompt",
    "QualityWarning",
    "ReportNotReady",
    "SCHEMA_VERSION",
    "SOURCE_EVALUATIONS",
    "SOURCE_TYPES",
    "Vehicle",
    "Weapon",
    "apply_override",
    "blocking_warnings",
    "build_index",
    "check_report",
    "connections_for_child",
    "display_phone",
    "entity_from_dict",
    "facts_for_export",
    "finalise",
    "five_wh_prompts",
    "format_entity_line",
    "format_fact_line",
    "format_person_line",
    "format_vehicle_line",
    "hotspots",
    "key_kind",
    "match_candidates",
    "match_entities",
    "normalise_age_range",
    "normalise_handle",
    "normalise_name",
    "normalise_nickname",
    "normalise_phone",
    "normalise_platform",
    "normalise_postcode",
    "normalise_vrm",
    "resolve_groups",
    "same_name_group",
    "soundex",
    "suggest_handling",
    "suggest_matches",
    "within_one_edit",
]
