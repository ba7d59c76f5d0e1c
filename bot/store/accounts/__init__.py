"""Console accounts in the database: users, JSON API tokens and failed logins."""
