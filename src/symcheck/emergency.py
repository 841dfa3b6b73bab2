"""The one emergency number shown to the user, and pack text rewritten to name it.

``SYMCHECK_EMERGENCY_NUMBER`` sets it; otherwise the territory of the locale (LC_ALL, LC_MESSAGES, LANG)
picks it from a short table; otherwise 112. Texts that list several countries' numbers ("(999 in the
UK, 112 in Europe, 911 in the US)") or say "call 999" are rewritten at render time to name only this
number, so the pack's own wording stays as its authors wrote it.

Numbers by territory (checked 2026-12-07): 112 is the single European emergency number and works from
mobile phones in many other countries (European Commission, "112 - the European emergency number",
https://digital-strategy.ec.europa.eu/en/policies/112); 911 in the United States and Canada
(https://www.911.gov/); 999 in the United Kingdom, where 112 also works
(https://www.nhs.uk/nhs-services/urgent-and-emergency-care-services/when-to-call-999/); 000 in
Australia (https://www.triplezero.gov.au/); 111 in New Zealand (https://www.police.govt.nz/111).
"""

from __future__ import annotations

import os
import re

from symcheck.errors import InputError

ENV = "SYMCHECK_EMERGENCY_NUMBER"
FALLBACK = "112"
BY_TERRITORY = {"US": "911", "CA": "911", "GB": "999", "AU": "000", "NZ": "111"}
# Numbers a pack may mention for "call an ambulance"; any of them is replaced by the user's number.
KNOWN = ("999", "112", "911", "000", "111")

_NUM = "(?:" + "|".join(KNOWN) + ")"
# "(999 in the UK, 112 in Europe, 911 in the US)" or "(999, 112 or 911)": a bracket naming 2+ numbers
_BRACKET = re.compile(r"\(([^()]*)\)")
# "999, 112 or 911" without brackets
_LIST = re.compile(rf"\b{_NUM}(?:\s*(?:,|or|/)\s*{_NUM}\b)+")
# "call 999", "dial 112", "phone 911"
_CALL = re.compile(rf"\b(call|dial|phone|ring)(\s+){_NUM}\b", re.IGNORECASE)


def locale_territory() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            m = re.match(r"[A-Za-z]{2,3}_([A-Za-z]{2})", value)
            return m.group(1).upper() if m else ""
    return ""


def emergency_number() -> str:
    """The user's emergency number: the setting, else the locale's, else 112."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        if not re.fullmatch(r"[0-9]{2,6}", raw):
            raise InputError(ENV, f"{raw!r} is not a phone number of 2 to 6 digits")
        return raw
    return BY_TERRITORY.get(locale_territory(), FALLBACK)


def localise(text: str, number: str | None = None) -> str:
    """The text with its emergency numbers replaced by the user's one."""
    n = number or emergency_number()

    def bracket(m: re.Match[str]) -> str:
        found = re.findall(rf"\b{_NUM}\b", m.group(1))
        return f"({n})" if len(found) >= 2 or (found and re.search(r"\b(in|UK|US|Europe)\b", m.group(1))) else m.group(0)

    text = _BRACKET.sub(bracket, text)
    text = _LIST.sub(n, text)
    return _CALL.sub(lambda m: f"{m.group(1)}{m.group(2)}{n}", text)
