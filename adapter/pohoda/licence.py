"""POHODA answering but refusing for lack of a licence: its own fact, not "unreachable".

How POHODA says it (our reading; PROTOCOL.md has no captured sample of this refusal): mServer
keeps answering ``/status``, and a ``/xml`` request comes back HTTP 200 as a pack-level refusal
— ``rsp:responsePack state="error"``, empty ``id``, no items — the same shape as the captured
"user not permitted to import XML" answer, with a ``note`` that names the licence
("licence", "licenci" …). The client raises :class:`MServerNoLicence` for such a refusal.
"""

from __future__ import annotations

import unicodedata

from adapter.errors import PackError

#: what to do, for the health panel, the alerts and the run report
LICENCE_FIX = ("Uvolněte licenci POHODY (zavřete POHODU na jiném počítači nebo ukončete nepoužívané přihlášení) "
               "nebo dokupte licenci pro další stanici; mServer potřebuje pro zpracování XML volnou licenci. "
               "Pak spusťte synchronizaci znovu.")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def names_licence(note: str) -> bool:
    """True when a refusal note is about POHODA's licence."""
    folded = _fold(note)
    return "licenc" in folded or "licens" in folded


class MServerNoLicence(PackError):
    """POHODA odpovídá, ale odmítla zpracovat XML, protože nemá volnou licenci."""

    transient = True

    def __init__(self, note: str, *, detail: str = "") -> None:
        super().__init__(note, detail=detail)
        self.message = (f"POHODA odpovídá, ale nemá volnou licenci pro zpracování XML ({note}). {LICENCE_FIX}")
        self.args = (self.message,)


def pack_refusal(note: str, *, detail: str = "") -> PackError:
    """The error of a pack-level refusal: :class:`MServerNoLicence` when the note names the licence."""
    return MServerNoLicence(note, detail=detail) if names_licence(note) else PackError(note, detail=detail)
