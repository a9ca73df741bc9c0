"""The catalogue of installed screening tools and pathways, and the words for their ids.

Finding, listing, loading and checking the files under ``resources/tools/`` and
``resources/pathways/`` (their schemas and checks are ``core.tools`` and ``core.pathway``; what
the two kinds of file share is ``core.datafile``). A tool file names its pathway, so checking a
tool looks its step ids up in the installed pathway: that is why loading lives here and neither
schema module imports the other.

``level_label`` is the one place a level id becomes words, for every screen, the command line
and the packs. Loads are cached on each file's modification time and size, so callers may ask
freely. This module is Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from cse_toolkit import paths
from cse_toolkit.core.datafile import (
    Problem,
    file_header,
    line_of,
    load_toml_file,
    parse_toml,
    read_text,
    stat_key,
    toml_key_lines,
    version_key,
)
from cse_toolkit.core.pathway import (
    Pathway,
    PathwayFileError,
    PathwayNotFound,
)
from cse_toolkit.core.pathway_checks import check_pathway_text
from cse_toolkit.core.tools import Tool, ToolFileError, ToolNotFound, check_tool_text
from cse_toolkit.errors import UserError
from cse_toolkit.policy import Policy, PolicyError

# --- tools ------------------------------------------------------------------------------------


def _pathway_steps(pathway_id: str) -> set[str] | None:
    try:
        return set(load_pathway(pathway_id).step_ids)
    except UserError:
        return None


def check_tool_file(path: str | Path) -> list[Problem]:
    """Every problem in a tool file, each with its line and key path. Empty list = fine."""
    path = Path(path)
    text = read_text(path, ToolFileError)
    data, syntax = parse_toml(text)
    if data is None:
        return syntax
    pathway_id = data.get("pathway")
    step_ids = None
    extra: list[Problem] = []
    if isinstance(pathway_id, str):
        step_ids = _pathway_steps(pathway_id)
        if step_ids is None:
            extra.append(
                Problem(
                    message=f"pathway '{pathway_id}' is not installed, so its step ids "
                    "cannot be checked",
                    key="pathway",
                    line=line_of(toml_key_lines(text), ("pathway",)),
                )
            )
    _, problems = check_tool_text(text, step_ids)
    return problems + extra


def _raise_problems(path: Path, problems: Sequence[Problem]) -> None:
    listing = "\n".join(f"  {p}" for p in problems)
    raise ToolFileError(
        f"Tool file {path} has {len(problems)} problem(s):\n{listing}\n"
        f"Run 'cse-toolkit tools check {path}' after fixing it."
    )


def load_tool_file(path: str | Path) -> Tool:
    """Load and fully check one tool file. Raises ``ToolFileError`` listing every problem."""
    path = Path(path)
    stat = stat_key(path, ToolFileError, "Tool file")
    return _load_tool_cached(str(path), stat)


@lru_cache(maxsize=32)
def _load_tool_cached(path_str: str, _stat_key: tuple[int, int]) -> Tool:
    # Cached on (path, mtime, size): a tool file edited on disk is re-read, an unchanged one
    # costs nothing, so screens and the wizard can call load_tool freely.
    path = Path(path_str)
    text = read_text(path, ToolFileError)
    data, _ = parse_toml(text)
    step_ids = None
    if data is not None and isinstance(data.get("pathway"), str):
        step_ids = _pathway_steps(data["pathway"])
    tool, problems = check_tool_text(text, step_ids)
    if problems or tool is None:
        _raise_problems(path, problems)
    assert tool is not None
    return tool


# --- finding installed tools ------------------------------------------------------------------


@dataclass(frozen=True)
class ToolInfo:
    """An installed tool file: enough to list it without loading it fully."""

    id: str
    version: str
    name: str
    area: str
    path: Path
    retired: bool = False


def tool_dirs() -> list[Path]:
    """Folders searched for tool files (bundled resources; organisation folders may follow)."""
    return [paths.resource_path("tools")]


def file_retired(path: Path) -> bool:
    """True when a tool file says ``retired = true`` (kept only for screenings saved under it)."""
    try:
        st = path.stat()
    except OSError:
        return False
    return _retired(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _retired(path_str: str, _mtime: int, _size: int) -> bool:
    data = load_toml_file(Path(path_str))
    return data is not None and data.get("retired") is True


def _scan() -> list[ToolInfo]:
    found: list[ToolInfo] = []
    for folder in tool_dirs():
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("*.toml")):
            head = file_header(file)
            if head is not None:
                ident, version, name, area = head
                found.append(
                    ToolInfo(
                        id=ident,
                        version=version,
                        name=name,
                        area=area,
                        path=file,
                        retired=file_retired(file),
                    )
                )
    return found


def list_tools(all_versions: bool = False) -> list[ToolInfo]:
    """Installed tools, sorted by id; only the newest version of each unless ``all_versions``.

    The newest is the newest version not retired: a retired file only shows screenings saved
    under it. A tool whose every version is retired is not listed for new screenings.
    """
    infos = sorted(_scan(), key=lambda t: (t.id, tuple(-p for p in version_key(t.version))))
    if all_versions:
        return infos
    newest: dict[str, ToolInfo] = {}
    for info in infos:
        if not info.retired:
            newest.setdefault(info.id, info)
    return list(newest.values())


def load_tool(tool_id: str, version: str | None = None) -> Tool:
    """The newest installed version of a tool, or exactly ``version``.

    A saved screening is always shown with ``load_tool(saved.tool, saved.tool_version)``: a newer
    file never re-scores an old screening.
    """
    candidates = [t for t in list_tools(all_versions=True) if t.id == tool_id]
    if not candidates:
        known = ", ".join(sorted({t.id for t in list_tools()})) or "none"
        raise ToolNotFound(
            f"There is no screening tool '{tool_id}'. Installed tools: {known}. "
            "Run 'cse-toolkit tools list' to see them."
        )
    if version is not None:
        exact = [t for t in candidates if t.version == version]
        if not exact:
            have = ", ".join(t.version for t in candidates)
            raise ToolNotFound(
                f"Version {version} of tool '{tool_id}' is not installed (installed: {have}). "
                "Install that version's tool file to open screenings made with it."
            )
        chosen = exact[0]
    else:
        current = [t for t in candidates if not t.retired]
        if not current:
            raise ToolNotFound(
                f"Every installed version of tool '{tool_id}' is retired (kept only to show "
                "screenings saved under it). Install a current version for new screenings."
            )
        chosen = current[0]
    tool = load_tool_file(chosen.path)
    if tool.id != chosen.id or tool.version != chosen.version:  # pragma: no cover - defensive
        raise ToolFileError(f"Tool file {chosen.path} changed while it was being read.")
    return tool


@lru_cache(maxsize=1)
def installed_labels() -> tuple[Mapping[str, str], Mapping[str, str]]:
    """(level id -> label, tool id -> name) over the installed tools, newest versions.

    Level ids do not clash between the shipped tools; where an organisation's tool reuses one,
    the first tool listed wins. Cached: tool files do not change while the app runs.
    """
    levels: dict[str, str] = {}
    names: dict[str, str] = {}
    for info in list_tools():
        try:
            tool = load_tool(info.id)
        except UserError:
            continue
        names[tool.id] = tool.name
        for level in tool.levels:
            levels.setdefault(level.id, level.label)
    return MappingProxyType(levels), MappingProxyType(names)


# --- pathways ---------------------------------------------------------------------------------


def check_pathway_file(path: str | Path) -> list[Problem]:
    """Every problem in a pathway file, with line and key path. Empty list = fine."""
    return check_pathway_text(read_text(Path(path), PathwayFileError))[1]


def load_pathway_file(path: str | Path) -> Pathway:
    """Load and check one pathway file; raises ``PathwayFileError`` listing every problem."""
    path = Path(path)
    return _load_pathway_cached(str(path), stat_key(path, PathwayFileError, "Pathway file"))


@lru_cache(maxsize=16)
def _load_pathway_cached(path_str: str, _stat_key: tuple[int, int]) -> Pathway:
    path = Path(path_str)
    pw, problems = check_pathway_text(read_text(path, PathwayFileError))
    if pw is None:
        listing = "\n".join(f"  {p}" for p in problems)
        raise PathwayFileError(f"Pathway file {path} has {len(problems)} problem(s):\n{listing}")
    return pw


def pathway_dirs() -> list[Path]:
    return [paths.resource_path("pathways")]


def list_pathways() -> list[tuple[str, str, Path]]:
    """(id, version, path) of every installed pathway file, newest version first per id."""
    found: list[tuple[str, str, Path]] = []
    for folder in pathway_dirs():
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("*.toml")):
            head = file_header(file)
            if head is not None:
                found.append((head[0], head[1], file))
    found.sort(key=lambda t: (t[0], tuple(-p for p in version_key(t[1]))))
    return found


def load_pathway(pathway_id: str, version: str | None = None) -> Pathway:
    """The newest installed version of a pathway, or exactly ``version``."""
    candidates = [c for c in list_pathways() if c[0] == pathway_id]
    if version is not None:
        candidates = [c for c in candidates if c[1] == version]
    if not candidates:
        what = f"version {version} of pathway" if version else "pathway"
        raise PathwayNotFound(f"There is no {what} '{pathway_id}' installed.")
    return load_pathway_file(candidates[0][2])


def _dir_key(folder: Path) -> tuple[str, int]:
    try:
        return str(folder), folder.stat().st_mtime_ns
    except OSError:
        return str(folder), 0


@lru_cache(maxsize=8)
def _installed_pathways(_dirs: tuple[tuple[str, int], ...]) -> frozenset[str]:
    # Cached on the folders' modification times: the child list asks once per child.
    return frozenset(c[0] for c in list_pathways())


#: The pathway a new case follows when neither the policy nor the case's tool names one.
DEFAULT_PATHWAY = "worcestershire-cse"


def pathway_for_case(
    recorded: Sequence[str], tool_id: str | None, policy_pathway: str | None = None
) -> str:
    """The id of the pathway a case follows.

    A case keeps the pathway it started with: ``recorded`` are the pathway ids of its recorded
    steps, first recorded first, and the first one installed wins (a case recorded under the
    2013 pathway stays on it). A case with no steps yet takes the organisation policy's
    ``default_pathway`` when set, else the pathway its screening tool names (``tool_id``: the
    tool of the child's level, else the policy's default tool), else ``DEFAULT_PATHWAY``.
    """
    installed = _installed_pathways(tuple(_dir_key(d) for d in pathway_dirs()))
    for pid in recorded:
        if pid in installed:
            return pid
    if policy_pathway:
        return policy_pathway
    if tool_id:
        try:
            named = load_tool(tool_id).pathway
        except UserError:
            named = ""
        if named in installed:
            return named
    return DEFAULT_PATHWAY


# --- words for ids --------------------------------------------------------------------------


def level_label(level: str | None, tool_id: str | None = None, version: str | None = None) -> str:
    """The words for a level id: from the tool that gave it when that is known (``tool_id``, and
    ``version`` for a saved screening), else from the installed tools; a level no installed tool
    knows is written out from its id ("very_high" -> "Very high") rather than shown as code.
    No level gives "" (each screen says "Not screened yet" in its own words)."""
    if not level:
        return ""
    if tool_id:
        try:
            return load_tool(tool_id, version).level(level).label
        except (UserError, KeyError):
            pass
    return installed_labels()[0].get(level) or id_words(level)


def id_words(identifier: str) -> str:
    """``no_current_risk`` -> ``No current risk``, for an id no file gives words for."""
    words = identifier.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else identifier


def tool_name(tool_id: str) -> str:
    """The name of an installed tool, or its id when it is not installed."""
    return installed_labels()[1].get(tool_id, tool_id)


# --- the policy's defaults (issue 22 item 6) ---------------------------------------------------


def policy_problems(default_tool: str, default_pathway: str | None) -> list[str]:
    """What is wrong with the policy's ``default_tool`` / ``default_pathway`` (empty: fine).

    Checked where the policy is loaded (``cli.py``, ``gui/app.py``) and by ``policy check``,
    so an unknown default tool stops the start with the key named, instead of failing the
    first screening."""
    problems: list[str] = []
    tools = sorted({info.id for info in list_tools()})
    if default_tool not in tools:
        problems.append(
            f"default_tool: '{default_tool}' is not an installed screening tool "
            f"(installed: {', '.join(tools) or 'none'})"
        )
    pathways = sorted({ident for ident, _version, _path in list_pathways()})
    if default_pathway is not None and default_pathway not in pathways:
        problems.append(
            f"default_pathway: '{default_pathway}' is not an installed pathway "
            f"(installed: {', '.join(pathways) or 'none'})"
        )
    return problems


def check_policy_defaults(policy: Policy, source: str) -> None:
    """Raise ``PolicyError`` naming the key when the policy's default tool or pathway is not
    installed (``policy_problems``)."""
    problems = policy_problems(policy.default_tool, policy.default_pathway)
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise PolicyError(f"Policy file {source} has {len(problems)} problem(s):\n{listing}")
