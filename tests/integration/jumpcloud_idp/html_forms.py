"""Reading an HTML form as a browser submits it: what is typed, ticked and selected, in document order."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_TEXT_INPUTS = {"text", "hidden", "url", "email", "number", "password", "search", "tel", ""}


@dataclass
class Form:
    """One ``<form>``: its attributes and the (name, value) pairs it would submit, in order."""

    attributes: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]

    def set(self, name: str, *values: str) -> None:
        """Replace every field called ``name`` with ``values`` (none: unticked, or emptied)."""
        positions = [index for index, (key, _value) in enumerate(self.fields) if key == name]
        at = positions[0] if positions else len(self.fields)
        self.fields = [pair for pair in self.fields if pair[0] != name]
        for offset, value in enumerate(values):
            self.fields.insert(at + offset, (name, value))

    def tick(self, name: str, on: bool = True) -> None:
        self.set(name, *(["on"] if on else []))

    def data(self) -> dict[str, list[str]]:
        """The fields in the shape httpx posts as ``data`` (repeated names keep their order)."""
        out: dict[str, list[str]] = {}
        for key, value in self.fields:
            out.setdefault(key, []).append(value)
        return out


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: list[str] | None = None
        self._option_value: tuple[str | None, bool] = (None, False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(attributes)
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "").lower()
            if kind in _TEXT_INPUTS:
                self._form.fields.append((name, attributes.get("value", "")))
            elif kind in ("checkbox", "radio") and "checked" in attributes:
                self._form.fields.append((name, attributes.get("value", "on")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = []
            self._option_value = (dict(attrs).get("value"), "selected" in attributes)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._textarea[1])
            # A browser drops the one newline that directly follows <textarea>.
            self._form.fields.append((self._textarea[0], text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option_value
            self._select[1].append((value if value is not None else "".join(self._option).strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [value for value, _ in options[:1]]
            self._form.fields.extend((name, value) for value in chosen[:1])
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    """Every form in ``html``."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def form_with(html: str, field_name: str) -> Form:
    """The first form that has a field called ``field_name``."""
    for form in forms_of(html):
        if any(key == field_name for key, _value in form.fields):
            return form
    raise AssertionError(f"no form with a field {field_name!r} in the page")
