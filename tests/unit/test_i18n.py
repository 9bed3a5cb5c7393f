"""posyandu.i18n: every message an input schema can give has its Bahasa Indonesia text.

Walks every marshmallow schema of the application and each message its fields and
validators can produce (marshmallow's defaults, formatted as marshmallow formats them,
and the project's own), and checks that the default language, ``id``, is not left with
the English text. A new field type, validator or English-only message fails here."""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Iterator

import pytest
from marshmallow import Schema, ValidationError, fields, validate

import posyandu
from posyandu.i18n import translate_field_message
from posyandu.messages import Msg

# messages a field only gives when dumping, or only with options no schema of ours sets
NOT_ON_INPUT = {"format", "invalid_awareness"}


def _all_schemas() -> list[type[Schema]]:
    for module in pkgutil.walk_packages(posyandu.__path__, "posyandu."):
        importlib.import_module(module.name)

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)
    return sorted({c for c in below(Schema) if c.__module__.startswith("posyandu.")}, key=lambda c: c.__qualname__)


def _validator_messages(v: Any) -> Iterator[str]:
    if isinstance(v, validate.Length):
        if v.equal is not None:
            yield v.message_equal.format(equal=v.equal)
        elif v.min is not None and v.max is not None:
            yield v.message_all.format(min=v.min, max=v.max)
        elif v.min is not None:
            yield v.message_min.format(min=v.min)
        else:
            yield v.message_max.format(max=v.max)
    elif isinstance(v, validate.Range):
        both, low = v.min is not None and v.max is not None, v.min is not None
        yield v._format_error(v.min, v.message_all if both else v.message_min if low else v.message_max)
    elif isinstance(v, validate.OneOf):
        yield v._format_error("x")
    elif isinstance(v, validate.Regexp):
        yield v._format_error("x")
    elif callable(v) and not isinstance(v, validate.Validator):
        return  # a function of posyandu.validators: it raises its own Msg
    else:
        raise AssertionError(f"a validator this test does not know: {v!r}")


def _field_messages(field: fields.Field, where: str) -> Iterator[tuple[str, str]]:
    for key, template in field.error_messages.items():
        if key in NOT_ON_INPUT:
            continue
        yield where, template.format(obj_type=getattr(field, "OBJ_TYPE", "value"), input="x") \
            if isinstance(template, str) and not isinstance(template, Msg) else template
    for v in field.validators:
        for message in _validator_messages(v):
            yield where, message
    for inner in ("inner", "key_field", "value_field"):
        if getattr(field, inner, None) is not None:
            yield from _field_messages(getattr(field, inner), f"{where}.{inner}")


def _input_messages() -> list[tuple[str, str]]:
    found = []
    for cls in _all_schemas():
        for name, field in cls().fields.items():
            if not field.dump_only:
                found.extend(_field_messages(field, f"{cls.__module__}.{cls.__qualname__}.{name}"))
    return found


def test_every_message_an_input_schema_gives_is_in_indonesian():
    found = _input_messages()
    assert len(found) > 500
    untranslated = sorted({(str(message), where) for where, message in found
                           if translate_field_message(message) == str(message)})
    assert untranslated == []


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_field_message_is_written_as_the_phones_own_are(language):
    """A field message starts in lower case and ends with no full stop, as the PWA's own ("wajib diisi")
    and api-contract's ("must be between 0.5 and 70"): marshmallow's translated ones said "Wajib diisi.",
    so a form showed both under its fields, and its English ones "Missing data for required field." beside
    ours. A first word in capitals (NIK, UUID) is a name, kept."""
    said = {str(translate_field_message([message], language)[0]) for _, message in _input_messages()}
    odd = sorted(m for m in said if m.endswith(".") or (m[:1].isupper() and not m.split()[0].isupper()))
    assert odd == []


@pytest.mark.parametrize("message, indonesian", [
    ("String does not match expected pattern.", "tidak sesuai format yang diminta"),
    ("Special numeric values (nan or infinity) are not permitted.", "nilai khusus (NaN atau tak hingga) tidak diizinkan"),
    ("Number too large.", "angka terlalu besar"),
    # the rule, as the PWA says it (i18n.js max_chars, password_rule): was "lebih panjang dari 40 karakter"
    ("Longer than maximum length 40.", "paling banyak 40 karakter"),
    ("Shorter than minimum length 3.", "paling sedikit 3 karakter"),
])
def test_the_messages_found_in_english(message, indonesian):
    assert translate_field_message(message) == indonesian


def test_a_region_code_is_refused_in_indonesian():
    """REGION_CODE carries its own message in both languages (validators.Pattern)."""
    from posyandu.registry.schemas import REGION_CODE

    with pytest.raises(ValidationError) as refused:
        REGION_CODE("35.2")
    assert [translate_field_message(m) for m in refused.value.messages] == ["harus kode Kemendagri, misalnya 35.25.01.2001"]


@pytest.mark.parametrize("header, expected", [
    (None, "id"),
    ("*", "id"),                          # RFC 9110 12.5.4: any language, so the default
    ("*;q=0.3", "id"),
    ("en;q=0.5, *;q=0.9", "id"),          # Indonesian (by "*") preferred to English: was English
    ("en;q=0.9, *;q=0.5", "en"),
    ("*, en;q=0", "id"),                  # English not acceptable, anything else is
    ("*, id;q=0", "en"),                  # Indonesian not acceptable: "*" gives English
    ("en, *", "en"),                      # a tie: the language named beats one "*" gives
    ("*, en", "en"),
    ("en-US, *;q=0.5, id;q=0.1", "en"),   # "*" gives only what is not named: id stays 0.1
    ("id;q=0.1, *;q=0.5", "en"),          # ...so English, by "*", at 0.5
    ("fr, *;q=0", "id"),                  # nothing acceptable: the default
    ("fr", "id"),
    ("en-US,id;q=0.9", "en"),
    ("id-ID,en;q=0.9", "id"),
    ("en-US, id", "en"),                  # equal preference: the first listed
    ("id, en-US", "id"),
    ("en;q=0, id-ID;q=0.5", "id"),
    # q=0 is "not acceptable" (RFC 9110 12.4.2): Indonesian refused by name, English is answered
    ("id;q=0", "en"),                     # was Indonesian
    ("id-ID;q=0", "en"),
    ("fr, id;q=0", "en"),
    ("id;q=0, fr;q=0.5", "en"),
    # nothing acceptable at all: the default, Indonesian
    ("*;q=0", "id"),
    ("id;q=0, en;q=0", "id"),
    ("id;q=0, *;q=0", "id"),              # English refused by "*", Indonesian by name
    ("en;q=0", "id"),
])
def test_the_language_asked_for_counts_the_wildcard_for_each_language_not_named(header, expected):
    from flask import Flask

    from posyandu.i18n import lang

    headers = {} if header is None else {"Accept-Language": header}
    with Flask(__name__).test_request_context(headers=headers):
        assert lang() == expected, header


def test_every_message_names_the_roles_and_the_phone_as_the_pwa_does():
    """A message's English says "midwife" and "cadre", as the PWA's English does (i18n.js role_bidan,
    role_kader): "only a bidan or admin may accept this with a reason: ask the bidan" put Indonesian
    words on an English screen. Its Indonesian says no English role either, and a phone is "HP", as
    every text of the PWA says it ("ponsel" once, in the refusal of an admin's own password)."""
    import re

    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(posyandu.__path__, "posyandu.")]
    said = {f"{module.__name__}.{key}": value for module in modules for key, value in vars(module).items()
            if isinstance(value, Msg)}
    assert len(said) > 30
    odd = {key: str(m) for key, m in said.items() if re.search(r"\b(bidan|kader|balita|anak)\b", str(m), re.I)}
    odd |= {key: m.id_text for key, m in said.items() if re.search(r"\b(midwife|cadre|child|ponsel)\b", m.id_text, re.I)}
    assert odd == {}


def test_every_message_of_ours_is_written_in_one_style_in_both_languages():
    """A field's message (lower case, no full stop) in one language is one in the other, and a sentence
    a sentence: REQUIRED said "wajib diisi" and "Missing data for required field.", a form's English
    showing marshmallow's style beside ours. Read from the source: a Msg made inside a function too."""
    import re
    from pathlib import Path

    def sentence(text: str) -> bool:
        return text.endswith(".") or (text[:1].isupper() and not text.split()[0].isupper())

    odd = []
    for path in Path(posyandu.__file__).parent.rglob("*.py"):
        source = path.read_text()
        for made in re.finditer(r'Msg\(\s*((?:"[^"]*"\s*)+),\s*((?:"[^"]*"\s*)+)', source):
            en, id_ = ("".join(re.findall(r'"([^"]*)"', made.group(n))) for n in (1, 2))
            if en and id_ and sentence(en) != sentence(id_):
                odd.append((path.name, en, id_))
    assert odd == []
