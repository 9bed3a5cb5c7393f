"""Every item of a paginated list (``{"items": [...], "next_cursor": ...}``), read page by page through the
test client, each page checked for its shape and size."""
from __future__ import annotations

from typing import Any


def all_pages(client: Any, url: str, headers: dict[str, str], limit: int = 50, **args: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        resp = client.get(url, headers=headers, query_string={**args, "limit": limit, **({"cursor": cursor} if cursor else {})})
        page = resp.get_json()
        assert resp.status_code == 200 and set(page) == {"items", "next_cursor"}, page
        assert len(page["items"]) <= limit
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items
