"""The console's reads: the inquiry list and detail (with notes), the dashboard's numbers and
the conversations (Rasa's events) with the inquiry each became."""
