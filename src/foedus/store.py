"""The DuckDB store: schema, build (beside, then swap), and read access.

``build()`` reads every input file, validates it, derives the normalized tables and writes
them to a new database file next to the target; only when everything succeeded does it
replace the previous store (``os.replace`` is atomic), so an interrupted or failed build
leaves the old store untouched. The input files' checksums are recorded in ``input_files``;
a build whose inputs are unchanged is skipped unless forced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from . import __version__
from .errors import DataNotFoundError, StoreError
from . import curation
from .sources import atop, cow, curated, names
from .sources.catalog import FILES, REQUIRED
from .sources.csvfile import sha256_of
from .states import StateIndex
from .vocab import CONDITION_FLAGS, LABEL_KIND, OBLIGATIONS, SUMMARY_CONDITION

SCHEMA_VERSION = 1
Progress = Callable[[str], None]


@dataclass
class BuildReport:
    path: Path
    skipped: bool
    counts: dict[str, int]
    warnings: list[str]
    seconds: float


def _input_files(data_dir: Path) -> list[tuple[str, Path]]:
    missing = [FILES[k].relpath for k in REQUIRED if not (data_dir / FILES[k].relpath).is_file()]
    if missing:
        raise DataNotFoundError(
            f"the data directory {data_dir} lacks {', '.join(missing)}. "
            "Run `foedus data fetch`, or point --data / FOEDUS_DATA at a directory holding the datasets."
        )
    files = [(k, data_dir / FILES[k].relpath) for k in REQUIRED]
    state_list = cow.state_list_file(data_dir)
    key = next(k for k, f in FILES.items() if data_dir / f.relpath == state_list)
    return files + [(key, state_list)]


# The modules whose code shapes what a build writes (the interfaces and the engine do not).
SHAPING = ("store.py", "curation.py", "model.py", "states.py", "dates.py", "vocab.py", "tables.py", "sources/*.py")


def code_fingerprint() -> str:
    """Digest of the code and curated files that shape the store: a change means rebuild."""
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    root = Path(__file__).parent
    shaping = [p for pattern in SHAPING for p in root.glob(pattern)]
    for path in sorted([*shaping, *root.joinpath("data").rglob("*.toml")]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stored_fingerprint(db: Path) -> tuple[str | None, dict[str, str]]:
    """(code fingerprint, input checksums) recorded in the store, or (None, {})."""
    if not Path(db).exists():
        return None, {}
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            fp = con.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            return (fp[0] if fp else None), dict(con.execute("SELECT key, sha256 FROM input_files").fetchall())
    except duckdb.Error:
        return None, {}


def _curated_digest(curated_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(curated_dir).glob("*.toml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build(data_dir: Path, db: Path, *, force: bool = False, progress: Progress | None = None,
          curated_dir: Path | None = None) -> BuildReport:  # fmt: skip
    """Build the store at ``db`` from the datasets in ``data_dir`` and the curated layer."""
    say = progress or (lambda _msg: None)
    started = dt.datetime.now()
    data_dir, db = Path(data_dir), Path(db)
    curated_dir = Path(curated_dir) if curated_dir else curated.default_dir()
    files = _input_files(data_dir)
    say(f"checksumming {len(files)} input files")
    checksums = {key: sha256_of(path) for key, path in files}
    checksums["curated"] = _curated_digest(curated_dir)
    fingerprint = code_fingerprint()
    if not force and stored_fingerprint(db) == (fingerprint, checksums):
        say(f"store {db} is up to date with its inputs; nothing to do (use --force to rebuild)")
        return BuildReport(db, True, table_counts(db), [], 0.0)
    warnings = [
        f"{path} differs from the official {FILES[key].title} release (checksum {checksums[key][:12]}…)"
        for key, path in files
        if checksums[key] != FILES[key].sha256
    ]
    say(f"reading the curated layer in {curated_dir}")
    layer = curated.load(curated_dir)
    say(f"  {len(layer.treaties)} treaty records, {len(layer.names)} alliance names, {len(layer.statuses)} statuses")
    for w in warnings:
        say("warning: " + w)

    say("reading COW state system")
    spells = cow.load_state_spells(data_dir)
    say(f"  {len(spells)} membership spells of {spells['ccode'].nunique()} states")
    say("reading ATOP alliances, phases and members")
    alliances = atop.load_alliances(data_dir)
    phases = atop.load_phases(data_dir)
    members = atop.load_members(data_dir)
    say(f"  {len(alliances)} alliances, {len(phases)} phases, {len(members)} member rows")

    say("deriving names, aliases, treaties, memberships and obligations")
    iso = names.iso_table()
    iso3 = names.assign_iso3(spells, iso)
    aliases = names.build_aliases(spells, iso, iso3)
    _, ambiguous = names.curated_aliases()
    eras = names.era_names()
    index = StateIndex(spells, aliases, ambiguous, iso[["iso3", "regex"]], iso3, eras)
    tables = derive_tables(spells, alliances, phases, members, index, iso3, layer)
    say("deriving dyad-year alliance tables")
    from . import tables as research

    tables.update(research.store_tables(data_dir, spells, members))
    for problem in tables.pop("_problems"):
        warnings.append(problem)
        say("warning: " + problem)
    tables["state_aliases"] = aliases[["alias", "norm", "ccode", "kind"]]
    tables["state_era_names"] = eras
    tables["ambiguous_names"] = pd.DataFrame(
        [(k, c) for k, codes in ambiguous.items() for c in codes], columns=["norm", "ccode"]
    )
    tables["iso_regexes"] = iso[iso["iso3"] != ""][["iso3", "name_short", "regex"]]
    tables["sources"] = pd.DataFrame(
        [
            (key, f.dataset, f.publisher, f.title, f.version, f.url, f.citation)
            for key, f in FILES.items()
            if key in dict(files)
        ],
        columns=["source_id", "dataset", "publisher", "title", "version", "url", "citation"],
    )
    tables["sources"] = pd.concat([tables["sources"], tables.pop("_curated_sources")], ignore_index=True)
    tables["sources"] = tables["sources"].drop_duplicates("source_id")
    tables["input_files"] = pd.DataFrame(
        [
            (key, FILES[key].relpath, str(path), checksums[key], path.stat().st_size, checksums[key] == FILES[key].sha256)
            for key, path in files
        ]
        + [("curated", "curated/*.toml", str(curated_dir), checksums["curated"], None, None)],
        columns=["key", "relpath", "path", "sha256", "bytes", "official"],
    )
    meta = {
        "schema_version": str(SCHEMA_VERSION),
        "fingerprint": fingerprint,
        "foedus_version": __version__,
        "built_at": started.isoformat(timespec="seconds"),
        "data_dir": str(data_dir),
        "atop_coverage_end": atop.COVERAGE_END.isoformat(),
        "warnings": json.dumps(warnings),
    }
    tables["meta"] = pd.DataFrame(list(meta.items()), columns=["key", "value"])

    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        say(f"writing {len(tables)} tables to {tmp.name}")
        with duckdb.connect(str(tmp)) as con:
            con.execute("BEGIN")
            for name, frame in tables.items():
                frame = _dates_as_days(frame)
                con.register("frame", frame)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
                con.unregister("frame")
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        os.replace(tmp, db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    counts = table_counts(db)
    seconds = (dt.datetime.now() - started).total_seconds()
    say(f"built {db} in {seconds:.1f} s")
    return BuildReport(db, False, counts, warnings, seconds)


def _dates_as_days(frame: pd.DataFrame) -> pd.DataFrame:
    """Store day-precision columns as DATE, not TIMESTAMP."""
    stamps = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if not stamps:
        return frame
    frame = frame.copy()
    for col in stamps:
        frame[col] = [None if pd.isna(v) else v.date() for v in frame[col]]
    return frame


COUNTED = ("states", "state_spells", "state_aliases", "treaties", "treaty_phases", "memberships", "obligations",
           "lineage", "treaty_events", "merge_log")  # fmt: skip


def table_counts(db: Path) -> dict[str, int]:
    with connect(db) as con:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTED}


def origin_counts(db: Path) -> pd.DataFrame:
    """Rows per table, split by origin (ATOP/COW vs the curated layer)."""
    rows = []
    with connect(db) as con:
        for t in COUNTED:
            total = con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            cols = {r[0] for r in con.execute(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{t}'").fetchall()}
            curated_rows = con.execute(f"SELECT count(*) FROM \"{t}\" WHERE origin = 'curated'").fetchone()[0] if "origin" in cols else (
                total if t in ("lineage", "treaty_events", "merge_log") else 0)  # fmt: skip
            rows.append((t, total, total - curated_rows, curated_rows))
    return pd.DataFrame(rows, columns=["table", "rows", "from datasets", "from curated layer"])


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    db = Path(db)
    if not db.exists():
        raise StoreError(f"no store at {db}; run `foedus build` first")
    try:
        con = duckdb.connect(str(db), read_only=True)
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error as exc:
        raise StoreError(f"{db} is not a readable foedus store ({exc}); run `foedus build --force`") from None
    if not version or int(version[0]) != SCHEMA_VERSION:
        con.close()
        raise StoreError(f"{db} was built by another foedus version; run `foedus build --force`")
    return con


def is_stale(db: Path) -> bool:
    """True when the store was built by other code than this (or is unreadable)."""
    return stored_fingerprint(db)[0] != code_fingerprint()


# ---- derivation (pure) ----------------------------------------------------------------------

_ALLIANCE_DROP = [c for c in [f"mem{i}" for i in range(1, 60)]]


def treaty_label(kinds: dict[str, int], member_names: list[str], year: int) -> tuple[str, str]:
    """A descriptive label ("defense pact: China–North Korea, 1961") until a curated name exists."""
    kind = next((LABEL_KIND[k] for k in OBLIGATIONS if kinds.get(k)), "agreement")
    if len(member_names) <= 3:
        who = "–".join(member_names)
    else:
        who = f"{', '.join(member_names[:3])} and {len(member_names) - 3} others"
    return f"{kind}: {who}, {year}", kind


def derive_tables(spells, alliances, phases, members, index: StateIndex, iso3: dict[int, str],
                  layer: curated.CuratedLayer | None = None) -> dict[str, pd.DataFrame]:  # fmt: skip
    states = (
        spells.sort_values(["ccode", "spell"]).groupby("ccode", as_index=False).last()[["ccode", "abb", "name"]]
    )
    states["iso3"] = pd.array([iso3.get(int(c)) for c in states["ccode"]], dtype="string")
    state_spells = spells[["ccode", "spell", "abb", "name", "start_date", "end_date"]].copy()
    state_spells["source_id"] = "cow_states"

    mem = members.rename(columns={"member": "ccode"}).copy()
    mem.insert(0, "membership_id", range(1, len(mem) + 1))
    mem = mem.rename(
        columns={"start_date": "entry_date", "start_precision": "entry_precision",
                 "end_date": "exit_date", "end_precision": "exit_precision"}
    )  # fmt: skip
    mem.insert(1, "treaty_id", ["atop:" + str(a) for a in mem["atopid"]])
    mem["entry_basis"] = "signature"
    mem["exit_basis"] = pd.array([None if pd.isna(e) else "ATOP exit" for e in mem["exit_date"]], dtype="string")
    mem["source_ids"] = [["atop_member"]] * len(mem)
    mem["origin"] = "atop"

    # Treaty labels: members ordered by COW code, named as on the treaty's first day.
    labels, kinds = [], []
    first_members = mem.sort_values(["atopid", "ccode"]).groupby("atopid")["ccode"].apply(lambda s: list(dict.fromkeys(s)))
    for row in alliances.itertuples(index=False):
        codes = first_members.get(row.atopid, [])
        member_names = [index.name(c, row.start_date) for c in codes]
        flags = {k: getattr(row, k) for k in OBLIGATIONS}
        label, kind = treaty_label(flags, member_names, row.start_date.year)
        labels.append(label)
        kinds.append(kind)
    treaties = alliances.drop(columns=[c for c in _ALLIANCE_DROP if c in alliances.columns]).copy()
    treaties.insert(0, "treaty_id", ["atop:" + str(a) for a in treaties["atopid"]])
    treaties.insert(2, "label", labels)
    treaties.insert(3, "generated_label", labels)
    treaties.insert(4, "kind", kinds)
    treaties["source_id"] = "atop_alliance"
    treaty_phases = phases.drop(columns=[c for c in _ALLIANCE_DROP if c in phases.columns]).copy()
    treaty_phases.insert(0, "treaty_id", ["atop:" + str(a) for a in treaty_phases["atopid"]])
    treaty_phases["source_id"] = "atop_phase"
    obligations = derive_obligations(mem)
    tables = {"states": states, "state_spells": state_spells, "treaty_phases": treaty_phases}
    tables.update(apply_curated(layer or curated.CuratedLayer(), treaties, mem, obligations, index))
    return tables


def apply_curated(layer, treaties, mem, obligations, index: StateIndex) -> dict[str, pd.DataFrame]:
    """Merge the curated layer (see :mod:`foedus.curation` for the rules)."""
    merged = curation.merge(layer, treaties.set_index("treaty_id", drop=False), mem, obligations)
    mem = mem.copy()
    for col in ("exit_basis",):
        mem[col] = mem[col].astype(object)
    mem["exit_sources"] = [[] for _ in range(len(mem))]
    if merged.exits:
        exits = pd.DataFrame(merged.exits).set_index("membership_id")
        hit = mem["membership_id"].isin(exits.index)
        ids = mem.loc[hit, "membership_id"]
        mem.loc[hit, "exit_date"] = exits.loc[ids, "exit_date"].to_numpy()
        mem.loc[hit, "exit_precision"] = exits.loc[ids, "exit_precision"].to_numpy()
        mem.loc[hit, "exit_basis"] = exits.loc[ids, "exit_basis"].to_numpy()
        mem.loc[hit, "exit_sources"] = pd.Series(list(exits.loc[ids, "exit_sources"]), index=mem.index[hit])
    new_mem = pd.DataFrame(merged.memberships)
    if not new_mem.empty:
        new_mem["origin"] = "curated"
        new_mem["exit_sources"] = [[] for _ in range(len(new_mem))]
        mem = pd.concat([mem, new_mem], ignore_index=True)
    mem["role"] = pd.array(mem["role"] if "role" in mem else [None] * len(mem), dtype="string")  # curated parties only
    mem["entry_date"] = pd.to_datetime(mem["entry_date"])
    mem["exit_date"] = pd.to_datetime(mem["exit_date"])
    for col in ("atopid", "phase", "ccode", "membership_id"):
        mem[col] = mem[col].astype("Int64")

    obligations = obligations.copy()
    for col, value in (("beneficiary", None), ("article", None), ("summary", None), ("extra_conditions", "[]")):
        obligations[col] = value
    obligations["source_ids"] = [["atop_member"]] * len(obligations)
    obligations["origin"] = "atop"
    if merged.obligations:
        obligations = pd.concat([obligations, pd.DataFrame(merged.obligations).assign(origin="curated")], ignore_index=True)
    for col in ("statthr1", "statthr2", "atopid", "phase", "ccode", "membership_id", "beneficiary"):
        obligations[col] = pd.to_numeric(obligations[col]).astype("Int64")
    obligations["atop_column"] = obligations["atop_column"].astype(str)

    treaties = treaties.copy()
    for col in ("name", "official_name", "status", "status_note", "curated_id"):
        treaties[col] = pd.array([None] * len(treaties), dtype="string")
    treaties["status_as_of"] = pd.NaT
    treaties["name_sources"] = [[] for _ in range(len(treaties))]
    treaties["other_names"] = [[] for _ in range(len(treaties))]  # other languages, abbreviations
    treaties["status_sources"] = [[] for _ in range(len(treaties))]
    treaties["entered_into_force"] = pd.NaT
    treaties["origin"] = "atop"
    if merged.treaties:
        new = pd.DataFrame(merged.treaties).assign(origin="curated")
        new["label"] = [_curated_label(t, mem, index) for t in merged.treaties]
        new["generated_label"] = new["label"]
        new["name_sources"] = [[] for _ in range(len(new))]
        new["other_names"] = [[] for _ in range(len(new))]
        new["status_sources"] = [[] for _ in range(len(new))]
        treaties = pd.concat([treaties, new], ignore_index=True)
    treaties = treaties.set_index("treaty_id", drop=False)
    for tid, fields in merged.names.items():
        if tid not in treaties.index:
            continue
        for key, value in fields.items():
            treaties.at[tid, key] = pd.Timestamp(value) if key == "status_as_of" else value
        if fields.get("name"):
            treaties.at[tid, "label"] = fields["name"]
    treaties = treaties.reset_index(drop=True)
    for col in ("start_date", "end_date", "entered_into_force", "status_as_of"):
        treaties[col] = pd.to_datetime(treaties[col])
    treaties["atopid"] = treaties["atopid"].astype("Int64")

    lineage = pd.DataFrame(merged.lineage, columns=["treaty_id", "relation", "target", "date", "note", "sources"])
    lineage["date"] = pd.to_datetime(lineage["date"])
    events = pd.DataFrame(merged.events, columns=["treaty_id", "ccode", "event", "date", "precision", "place", "note",
                                                  "sources"])  # fmt: skip
    events["date"] = pd.to_datetime(events["date"])
    events["ccode"] = events["ccode"].astype("Int64")
    log = pd.DataFrame(merged.log, columns=["kind", "treaty_id", "ccode", "field", "atop_value", "curated_value",
                                            "rule", "sources"])  # fmt: skip
    log["ccode"] = log["ccode"].astype("Int64")
    sources = pd.DataFrame(merged.sources, columns=["source_id", "dataset", "publisher", "title", "version", "url",
                                                    "citation", "date", "accessed"])  # fmt: skip
    return {"treaties": treaties, "memberships": mem, "obligations": obligations, "lineage": lineage,
            "treaty_events": events, "merge_log": log, "_curated_sources": sources, "_problems": merged.problems}  # fmt: skip


def _curated_label(treaty: dict, mem: pd.DataFrame, index: StateIndex) -> str:
    codes = sorted(set(mem.loc[mem["treaty_id"] == treaty["treaty_id"], "ccode"].astype(int)))
    day = pd.Timestamp(treaty["start_date"]).date()
    kinds = {k: 1 for k, w in LABEL_KIND.items() if w == treaty["kind"]}
    return treaty_label(kinds, [index.name(c, day) for c in codes], day.year)[0]


def derive_obligations(mem: pd.DataFrame) -> pd.DataFrame:
    """One row per (membership, obligation type) the member promises, with its conditions."""
    rows = []
    cond_kinds = sorted({kind for _, kind in CONDITION_FLAGS.values()})
    for rec in mem.to_dict("records"):
        for col, word in OBLIGATIONS.items():
            if rec[col] != 1:
                continue
            flags = {kind: False for kind in cond_kinds}
            for flag, (ob, kind) in CONDITION_FLAGS.items():
                if ob == col and rec.get(flag) == 1:
                    flags[kind] = True
            summary = SUMMARY_CONDITION.get(col)
            rows.append(
                {
                    "membership_id": rec["membership_id"],
                    "treaty_id": rec["treaty_id"],
                    "atopid": rec["atopid"],
                    "phase": rec["phase"],
                    "ccode": rec["ccode"],
                    "obligation": word,
                    "atop_column": col,
                    "conditional": bool(summary and rec.get(summary) == 1),
                    **{f"cond_{k}": v for k, v in flags.items()},
                    "cond_other": rec.get("olimob") == 1,
                    "partner_specific": rec.get("obvary") == 1,
                    "statthr1": rec.get("statthr1"),
                    "statthr2": rec.get("statthr2"),
                    "source_id": "atop_member",
                }
            )
    out = pd.DataFrame(rows)
    for c in ("statthr1", "statthr2", "atopid", "phase", "ccode", "membership_id"):
        out[c] = out[c].astype("Int64")
    return out
