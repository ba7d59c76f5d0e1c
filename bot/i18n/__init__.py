"""The languages of the assistant: reply catalogues, language detection and the domain build."""
