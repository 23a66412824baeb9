"""Customer accounts, reservations, deal registrations and leads (the deals issue)."""
