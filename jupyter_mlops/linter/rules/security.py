"""Rules: security."""
