"""Organisations as partners name them: matching keys, similarity and the join decision."""
