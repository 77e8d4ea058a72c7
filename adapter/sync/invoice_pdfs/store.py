"""Invoice PDFs in the data folder (``<data>/invoice_pdfs/``): written atomically, read back safely."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

FOLDER = "invoice_pdfs"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(number: str, invoice_id: int) -> str:
    """A file name for an invoice's PDF: its number made safe, plus POHODA's id (numbers may repeat across years)."""
    safe = _UNSAFE.sub("_", number).strip("._") or "faktura"
    return f"{safe}-{invoice_id}.pdf"


def save(data_dir: Path, name: str, data: bytes) -> str:
    """Write the PDF atomically (temporary file, fsync, rename); returns its path relative to the data folder."""
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return f"{FOLDER}/{name}"


def path_of(data_dir: Path, relative: str) -> Path | None:
    """The stored file for a ledger path, or None when it is missing or points outside the PDF folder."""
    folder = (data_dir / FOLDER).resolve()
    candidate = (data_dir / relative).resolve()
    if candidate.parent != folder or not candidate.is_file():
        return None
    return candidate


def load(data_dir: Path, relative: str) -> bytes | None:
    """The stored PDF's bytes, or None."""
    path = path_of(data_dir, relative)
    return path.read_bytes() if path is not None else None
