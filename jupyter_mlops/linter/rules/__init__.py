"""The built-in rules: one module per rule, in one package per family (NB0xx-NB1xx correctness,
NB2xx dependencies, NB3xx portability, NB4xx security, NB5xx ml, NB6xx maintainability), beside
the small helpers those rules share. `linter.registry` finds the rules by importing these
modules; nothing here needs to list them."""
