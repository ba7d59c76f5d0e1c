"""What staff and affiliates work with, without I/O: accounts and roles, password hashing,
transcripts as people read them, and flagged messages as training data."""
