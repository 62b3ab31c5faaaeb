"""Rules: portability."""
