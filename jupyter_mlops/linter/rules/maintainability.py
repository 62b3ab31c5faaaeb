"""Rules: maintainability."""
