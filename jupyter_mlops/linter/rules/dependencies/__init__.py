"""Rules NB2xx: the environment the notebook needs cannot be rebuilt."""
