"""The partner simulator (`make simulate`); see __main__.py."""
