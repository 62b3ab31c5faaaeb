"""Rules NB6xx: code that is hard to test, review and turn into a package."""
