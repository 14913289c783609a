"""Output formats for the CLI: a readable table (rich), JSON and CSV."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "json", "csv")


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in rec.items()} for rec in df.to_dict("records")]


def to_json(obj: Any) -> str:
    if isinstance(obj, pd.DataFrame):
        obj = records(obj)
    return json.dumps(_plain(obj), indent=2, ensure_ascii=False)


def to_csv(df: pd.DataFrame) -> str:
    flat = df.copy()
    for col in flat.columns:
        if flat[col].map(lambda v: isinstance(v, list)).any():
            flat[col] = flat[col].map(lambda v: "; ".join(v) if isinstance(v, list) else v)
    buf = io.StringIO()
    flat.to_csv(buf, index=False)
    return buf.getvalue()


def console() -> Console:
    """A console that does not squeeze tables to 80 columns when output is piped."""
    c = Console()
    return c if c.is_terminal else Console(width=200)


def table(df: pd.DataFrame, title: str | None = None, console: Console | None = None) -> None:
    console = console or globals()["console"]()
    df = df[[c for c in df.columns if not (df[c].astype(str).isin(["", "None", "[]"]).all() and len(df))]]
    t = Table(title=title, show_lines=False, header_style="bold")
    for col in df.columns:
        t.add_column(str(col))
    for rec in records(df):
        t.add_row(*["; ".join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in rec.values()])
    console.print(t)


def summarize_obligations(df: pd.DataFrame) -> pd.DataFrame:
    """Group rows that differ only by partner, so a 30-member pact reads as one line."""
    if df.empty:
        return pd.DataFrame(columns=["direction", "partners", "obligation", "treaty", "conditions", "since", "note"])
    rows = []
    df = df.assign(
        partner=[o if d == "owed to" else b for d, o, b in zip(df["direction"], df["obligor_name"], df["beneficiary_name"])],
        partner_code=[o if d == "owed to" else b for d, o, b in zip(df["direction"], df["obligor"], df["beneficiary"])],
        cond_text=["; ".join(c) or "unconditional" for c in df["conditions"]],
    )
    for (direction, obligation, atopid, treaty, cond, note), g in df.groupby(
        ["direction", "obligation", "atopid", "treaty", "cond_text", "note"], sort=False
    ):
        names = [f"{n} ({c})" for n, c in zip(g["partner"], g["partner_code"])]
        partners = ", ".join(names) if len(names) <= 4 else ", ".join(names[:3]) + f" and {len(names) - 3} more"
        rows.append(
            {
                "direction": direction,
                "partners": partners,
                "obligation": obligation,
                "treaty": f"ATOP {atopid}: {treaty}",
                "conditions": cond,
                "since": min(g["since"]),
                "note": note,
            }
        )
    return pd.DataFrame(rows)
