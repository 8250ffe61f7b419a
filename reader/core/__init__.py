"""The ground floor every layer stands on: types, errors, settings, events, tokens, usage meters
and the append-only JSONL log. It imports nothing of tome's above it."""
