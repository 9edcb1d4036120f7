"""Differential tests: the compiled executor against graphql-core's, on a toy schema."""
