"""Load the curated layer: one TOML file per treaty, plus the name and status tables for
ATOP alliances. Files are validated against :mod:`foedus.model`; a bad file is an error that
names the file and the offending field."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..errors import DataFileError
from ..model import AllianceName, AllianceNamesFile, AllianceStatus, AllianceStatusFile, CuratedTreaty

# Names and statuses of ATOP alliances may be split over several files: atop_names*.toml, atop_status*.toml.
NAMES_PREFIX = "atop_names"
STATUS_PREFIX = "atop_status"


def default_dir() -> Path:
    return Path(str(resources.files("foedus").joinpath("data/curated")))


@dataclass
class CuratedLayer:
    treaties: list[CuratedTreaty] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # treaty id -> file
    names: list[AllianceName] = field(default_factory=list)
    statuses: list[AllianceStatus] = field(default_factory=list)


def _explain(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e["loc"]) or "(file)"
        parts.append(f"{loc}: {e['msg']}")
    more = len(exc.errors()) - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _read(path: Path, model):
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(path, f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise DataFileError(path, "not UTF-8 text") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DataFileError(path, _explain(exc)) from None


def load(curated_dir: Path | None = None, *, collect: list | None = None) -> CuratedLayer:
    """Read every curated file. With ``collect`` given, bad files are appended to it as
    DataFileError instead of raised (``foedus check`` reports them all at once)."""
    root = Path(curated_dir) if curated_dir else default_dir()
    layer = CuratedLayer()
    if not root.is_dir():
        raise DataFileError(root, "curated directory not found")
    for path in sorted(root.glob("*.toml")):
        try:
            if path.name.startswith(NAMES_PREFIX):
                layer.names += _read(path, AllianceNamesFile).alliance
            elif path.name.startswith(STATUS_PREFIX):
                layer.statuses += _read(path, AllianceStatusFile).alliance
            else:
                record = _read(path, CuratedTreaty)
                if record.id in layer.files:
                    raise DataFileError(path, f"treaty id {record.id!r} is also used by {layer.files[record.id].name}")
                if path.stem != record.id:
                    raise DataFileError(path, f"file name must be the treaty id: {record.id}.toml")
                layer.treaties.append(record)
                layer.files[record.id] = path
        except DataFileError as exc:
            if collect is None:
                raise
            collect.append(exc)
    return layer
