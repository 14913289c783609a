"""A strict, typed CSV reader: every problem names the file, the line and the column.

The datasets foedus reads are small (thousands of rows), so clarity of errors matters more
than speed here; a truncated or hand-edited file must fail loudly, not load half.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from ..errors import DataFileError

Converter = Callable[[str], object]


def to_int(text: str) -> int | None:
    if text == "" or text == "NA" or text == ".":
        return None
    try:
        return int(text)
    except ValueError:
        number = float(text)  # "1.0" from exports that wrote ints as floats
        if not number.is_integer():
            raise ValueError(f"expected a whole number, found {text!r}") from None
        return int(number)


def to_float(text: str) -> float | None:
    if text == "" or text == "NA" or text == ".":
        return None
    return float(text)


def to_str(text: str) -> str:
    return text


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_typed_csv(
    path: Path,
    *,
    required: Iterable[str],
    types: dict[str, str] | None = None,
    default: str = "int",
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Read ``path`` into a DataFrame with nullable typed columns.

    ``types`` maps column -> "int" | "float" | "str"; other columns use ``default``.
    Raises DataFileError on a missing file, a missing required column, a row with the
    wrong number of fields (the usual sign of truncation) or an unparseable value.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found (run `foedus data fetch`, or pass --data DIR / set FOEDUS_DATA)")
    types = types or {}
    converters = {"int": to_int, "float": to_float, "str": to_str}
    try:
        with open(path, newline="", encoding=encoding) as fh:
            reader = csv.reader(fh)
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise DataFileError(path, "file is empty", line=1) from None
            missing = [c for c in required if c not in header]
            if missing:
                raise DataFileError(path, f"missing column(s) {', '.join(missing)} in the header", line=1)
            convs = [converters[types.get(col, default)] for col in header]
            width = len(header)
            columns: list[list] = [[] for _ in header]
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != width:
                    raise DataFileError(
                        path,
                        f"expected {width} fields, found {len(row)} (is the file truncated or edited?)",
                        line=line,
                    )
                for i, (conv, cell) in enumerate(zip(convs, row)):
                    try:
                        columns[i].append(conv(cell.strip()))
                    except ValueError as exc:
                        raise DataFileError(path, f"column {header[i]!r}: {exc}", line=line) from None
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"not valid {encoding} text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise DataFileError(path, f"malformed CSV: {exc}") from None
    dtypes = {"int": "Int64", "float": "Float64", "str": "string"}
    return pd.DataFrame(
        {col: pd.array(values, dtype=dtypes[types.get(col, default)]) for col, values in zip(header, columns)}
    )
