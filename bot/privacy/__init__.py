"""Personal data in conversations: what is removed before anything is stored (`redaction`), and
how the contact answers a partner gave with consent are kept apart from the transcript
(`sealing`: encrypted per conversation, so that deleting the conversation's key erases them
everywhere at once)."""
