"""What the directory accepts as a user's values: the rules the Users form, the API and manual import share.

Whether a username or email is already taken is not here: that needs the directory's users
(``directory`` and ``provisioning.importing`` look it up).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from zoneinfo import available_timezones

USER_STATES = ("ACTIVATED", "SUSPENDED")

# Longest value of each text field, in characters (the forms stop there too).
FIELD_LIMITS = {
    "username": 128,
    "email": 320,
    "firstname": 256,
    "lastname": 256,
    "displayname": 256,
    "jobTitle": 256,
    "workPhone": 64,
}
GROUP_NAME_LIMIT = 256
GROUP_DESCRIPTION_LIMIT = 1024
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()./ x-]*$")
# Characters nobody sees on screen that still change what is stored or sent: C0/C1 controls (refused
# by XML, so a SAML assertion carrying one could not be built), bidirectional embeddings, overrides and
# isolates (they reorder what a reader sees: "evil" shown as "live"), zero-width spaces, word joiners
# and byte order marks (two names that look the same but differ), lone surrogates and noncharacters.
# Zero-width (non-)joiners stay allowed: Persian, Indic scripts and emoji sequences need them.
_INVISIBLE = "\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_HIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_HIDDEN_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")


def hidden_character_error(text: str, *, multiline: bool = False) -> str | None:
    """A message naming the first control or bidirectional-override character in ``text``, if any.

    ``multiline`` allows line breaks and tabs (descriptions typed in a text area).
    """
    found = (_HIDDEN_MULTILINE if multiline else _HIDDEN).search(text)
    if found is None:
        return None
    return f"Remove the invisible control character (U+{ord(found.group()):04X}) from this field."


def timezone_names() -> list[str]:
    """IANA time zone names for the user form's select."""
    return sorted(name for name in available_timezones() if "/" in name or name == "UTC")


def user_input_errors(values: Mapping[str, str]) -> dict[str, str]:
    """The form's message per field for the values the directory refuses whatever else it holds.

    ``values`` are cleaned as the Users form's are (stripped; email lower-case), keyed as
    ``directory.USER_FIELDS``. Whether a username or email is taken is for the caller: that needs the
    directory. Manual import checks an application's users with the same rules.
    """
    errors: dict[str, str] = {}
    username = values.get("username")
    if username is not None:
        if not username:
            errors["username"] = "Username is required."
        elif not _USERNAME.match(username):
            errors["username"] = "Username may contain letters, numbers, and . _ - @ only, and no spaces."
    email = values.get("email")
    if email is not None:
        if not email:
            errors["email"] = "Email is required."
        elif not _EMAIL.match(email):
            errors["email"] = f"{email} is not a valid email address."
    for field, limit in FIELD_LIMITS.items():
        if field in values and len(values[field]) > limit and field not in errors:
            errors[field] = f"At most {limit} characters."
    for field, value in values.items():
        hidden = hidden_character_error(value)
        if hidden and field not in errors:
            errors[field] = hidden
    if values.get("workPhone") and not _PHONE.match(values["workPhone"]):
        errors["workPhone"] = "A phone number may contain digits, spaces and + ( ) - . x only."
    if values.get("timezone") and values["timezone"] not in available_timezones():
        errors["timezone"] = "Choose a time zone from the list."
    if "state" in values and values["state"] not in USER_STATES:
        errors["state"] = "State is ACTIVATED or SUSPENDED."
    return errors


def show_hidden_characters(text: str) -> str:
    """``text`` with each character :func:`hidden_character_error` refuses written as ``[U+202E]``, so a
    value the directory refused can be shown as it is without reordering or hiding what surrounds it."""
    return _HIDDEN.sub(lambda found: f"[U+{ord(found.group()):04X}]", text)
