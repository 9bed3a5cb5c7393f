"""A user-facing message in both languages, for pure modules that know nothing of the request
(``posyandu.i18n`` picks the language when it is answered)."""
from __future__ import annotations


class Msg(str):
    """A field message with both translations; str() is the English text."""

    id_text: str

    def __new__(cls, en: str, id_: str) -> "Msg":
        obj = super().__new__(cls, en)
        obj.id_text = id_
        return obj
