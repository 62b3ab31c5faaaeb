"""Rules NB4xx: secrets in code, untrusted code and data, injection."""
