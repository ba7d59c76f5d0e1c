"""Rasa's tracker store as this project needs it (see `store`)."""
