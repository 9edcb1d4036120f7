"""`python -m schema` prints the schema in SDL (`make schema` writes it to schema.graphql)."""

from strawberry.printer import print_schema

from schema import schema

print(print_schema(schema))
