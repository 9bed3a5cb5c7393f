"""The PWA's own words (static/pwa/js/i18n.js), for tests that the server says a mistake as the phone does."""
from __future__ import annotations

import re
from pathlib import Path

I18N = Path(__file__).parents[2] / "static/pwa/js/i18n.js"


def pwa_words(key: str) -> list[str]:
    """[Bahasa Indonesia, English] of ``key`` in the PWA's dictionary."""
    found = re.search(rf"\b{key}: \['([^']*)', '([^']*)'\]", I18N.read_text(encoding="utf-8"))
    assert found, key
    return [found[1], found[2]]
