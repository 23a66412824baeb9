"""Partner organisations, their people, skills and agreements (the org/partners issue)."""
