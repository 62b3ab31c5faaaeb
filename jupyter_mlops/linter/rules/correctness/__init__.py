"""Rules NB0xx and NB1xx: the notebook does not run as saved, or Run All gives other results."""
