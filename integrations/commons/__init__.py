"""Clients of Wikimedia Commons' Action API and of the Wikimedia Analytics REST API."""
