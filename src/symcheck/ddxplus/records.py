"""Streaming readers of DDXPlus patient files (CSV or the released zips, English or French).

The list columns are Python literals (single quotes). `ast.literal_eval` costs tens of microseconds a row,
too slow for 1.3 million rows, so the common shapes are split by hand and only a row with an unusual
character (a double quote, which Python uses when a name holds an apostrophe) goes through the slow path.
"""

from __future__ import annotations

import ast
import csv
import io
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from symcheck.errors import InputError

COLUMNS = ("AGE", "DIFFERENTIAL_DIAGNOSIS", "SEX", "PATHOLOGY", "EVIDENCES", "INITIAL_EVIDENCE")
SEPARATOR = "_@_"

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(slots=True)
class PatientRow:
    age: int
    sex: str  # "M" or "F"
    pathology: str
    evidences: list[str]  # raw items: "E_91", "E_55_@_V_89", "E_56_@_4"
    initial: str
    differential: str  # raw column; parse with parse_differential when needed
    line: int


def parse_evidence_list(text: str) -> list[str]:
    """"['E_34', 'E_55_@_V_55']" -> ['E_34', 'E_55_@_V_55']."""
    text = text.strip()
    if text in ("[]", ""):
        return []
    if '"' not in text and "\\" not in text and text.startswith("['") and text.endswith("']"):
        return text[2:-2].split("', '")
    value = ast.literal_eval(text)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("not a list of strings")
    return value


def parse_differential(text: str) -> list[tuple[str, float]]:
    """"[['URTI', 0.6], ['Bronchitis', 0.4]]" -> [('URTI', 0.6), ('Bronchitis', 0.4)]."""
    text = text.strip()
    if text in ("[]", ""):
        return []
    if '"' not in text and "\\" not in text and text.startswith("[['") and text.endswith("]]"):
        out: list[tuple[str, float]] = []
        for part in text[2:-2].split("], ["):
            name, _, prob = part.rpartition(", ")
            if len(name) < 2 or name[0] != "'" or name[-1] != "'":
                break
            out.append((name[1:-1], float(prob)))
        else:
            return out
    value = ast.literal_eval(text)
    return [(str(n), float(p)) for n, p in value]


def split_item(item: str) -> tuple[str, str | None]:
    """"E_55_@_V_89" -> ("E_55", "V_89"); "E_91" -> ("E_91", None)."""
    name, sep, value = item.partition(SEPARATOR)
    return (name, value) if sep else (item, None)


def is_patient_file(path: Path) -> bool:
    """True when the file (CSV or zip) starts with the DDXPlus header."""
    try:
        with open_text(path) as fh:
            header = next(csv.reader(fh), [])
    except (InputError, OSError, UnicodeDecodeError, zipfile.BadZipFile, StopIteration):
        return False
    return set(COLUMNS) <= {h.strip() for h in header}


@contextmanager
def open_text(path: Path | str) -> Iterator[IO[str]]:
    """A text stream over a CSV, or over the single CSV inside a released zip."""
    path = Path(path)
    if not path.exists():
        raise InputError("cases", f"no such file: {path}")
    if path.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise InputError("cases", f"{path} is not a valid zip file") from None
        with zf:
            members = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
            if len(members) != 1:
                raise InputError("cases", f"{path} should hold one patient CSV, found {len(members)} files")
            with zf.open(members[0]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8", newline="")
    else:
        with path.open(encoding="utf-8", newline="") as fh:
            yield fh


def iter_patients(path: Path | str, *, limit: int | None = None) -> Iterator[PatientRow]:
    """Stream the patients of a DDXPlus CSV or zip. A malformed row raises InputError naming its line."""
    path = Path(path)
    with open_text(path) as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InputError("cases", f"{path} is empty") from None
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InputError("cases", f"{path} is not a DDXPlus patient file (missing columns {', '.join(missing)})")
        i_age, i_diff, i_sex, i_path, i_ev, i_init = (header.index(c) for c in COLUMNS)
        width = len(header)
        for n, row in enumerate(reader):
            if limit is not None and n >= limit:
                return
            line = n + 2
            if len(row) != width:
                if not row:
                    continue
                raise InputError("cases", f"{path}: line {line}: expected {width} columns, found {len(row)}")
            try:
                age = int(row[i_age])
                evidences = parse_evidence_list(row[i_ev])
            except (ValueError, SyntaxError):
                raise InputError("cases", f"{path}: line {line}: cannot read AGE or EVIDENCES") from None
            yield PatientRow(age, row[i_sex].strip(), row[i_path], evidences, row[i_init].strip(), row[i_diff], line)
