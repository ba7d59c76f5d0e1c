"""Wikidata's public API, as the delivery worker asks it to identify organisations (issue 17)."""
