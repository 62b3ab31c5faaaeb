"""Rules: dependencies."""
