"""Exports of the lists (people, cases, hearings, detentions, follow-ups, facilities) to CSV and
XLSX: the list's own filter, two profiles (full, redacted), streamed or built in the background
with a one-time download link; every export in the audit trail."""
