"""Writes that span models or have side effects: keyword-only, typed, atomic.

One module per area; import them from ``cases.services``.
"""
