"""Write a curated record back to TOML (tomllib only reads). Tables for the record's parts,
arrays of tables for parties, obligations, lineage and sources, inline tables below that."""

from __future__ import annotations

import datetime as dt
import json
import re

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k) -> str:
    k = str(k)
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }" if v else "{}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def _plain(obj):
    """pydantic dump -> plain values (URLs to strings, None dropped, ``sources`` last as in hand-written files)."""
    if isinstance(obj, dict):
        out = {k: _plain(v) for k, v in obj.items() if v is not None and v != [] and v != {} and k != "sources"}
        if obj.get("sources") not in (None, []):
            out["sources"] = _plain(obj["sources"])
        if "conditions" in out:
            out["conditions"] = out.pop("conditions")
        return out
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool, dt.date)):
        return obj
    return str(obj)


def dumps(data: dict, header: str = "") -> str:
    data = _plain(data)
    lines = [header.rstrip()] if header.strip() else []
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and not _table_array(v)}
    for k, v in scalars.items():
        lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{_key(k)}]"] + [_entry(a, b) for a, b in v.items()]
    for k, v in data.items():
        if _table_array(v):
            for item in v:
                lines += ["", f"[[{_key(k)}]]"] + [_entry(a, b) for a, b in item.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def _entry(k, v) -> str:
    if _table_array(v):  # a list of inline tables, one per line
        return f"{_key(k)} = [\n" + "".join(f"  {_value(x)},\n" for x in v) + "]"
    return f"{_key(k)} = {_value(v)}"


def _table_array(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)
