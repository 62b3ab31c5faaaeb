"""Rules: ml."""
