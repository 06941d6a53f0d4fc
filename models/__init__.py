"""Teaching models for the lectures: one readable file per idea."""
