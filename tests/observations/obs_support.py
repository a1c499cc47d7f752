"""Form data for the observation page, as a browser would send it."""

from __future__ import annotations

import uuid


def page_data(items, *, answers=None, notes=None, **fields) -> dict:
    """Return POST data: ``answers`` maps an item's index to its verdict."""
    data = {"draft_seq": "", "submit_token": str(uuid.uuid4())}
    for index, verdict in (answers or {}).items():
        data[f"item-{items[index].pk}"] = verdict
    for index, note in (notes or {}).items():
        data[f"note-{items[index].pk}"] = note
    data.update({key: str(value) for key, value in fields.items()})
    return data
