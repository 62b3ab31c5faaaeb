"""Rules NB3xx: code that works only on the author's machine."""
