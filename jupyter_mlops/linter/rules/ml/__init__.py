"""Rules NB5xx: seeds and random_state, leakage between train and test data, model export."""
