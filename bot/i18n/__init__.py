"""The languages of the assistant: reply catalogues, language detection and the domain build;
and the core's own wording and refusals, marked for the console's translations (wording.py)."""
