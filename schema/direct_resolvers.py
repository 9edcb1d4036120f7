"""Our resolvers called as Strawberry calls them, without its per-call wrapper.

For every call of a field with a resolver, Strawberry's wrapper makes its `Info`, converts
the arguments (looking each argument's GraphQL name up through its name converter, a
camel-casing per argument per call), builds the chain of field extensions, and wraps an async
resolver in one more coroutine: on the feed, 20 `branches(first: 3)` a page, a tenth of the
server's Python CPU. A field with no field extensions (no permission classes) in a schema with
no exception handlers needs none of the chain: `DirectCall` does the rest as
`strawberry.schema.schema_converter.get_arguments` and `StrawberryField.get_result` do,
the arguments converted once per field when they are literals that convert to immutable
values. Arguments from variables are converted per call: when every argument is a built-in
scalar (an Int, a String, ...), whose value graphql-core gives as the resolver takes it, by
a lookup of each one's GraphQL name worked out once, not Strawberry's conversion, which
camel-cases every argument's name on each call (the feed's four paging arguments, 2% of its
instructions). Any other field keeps Strawberry's wrapper.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from strawberry import ID
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

# Strawberry's wrappers of a resolver (schema_converter.GraphQLCoreConverter.from_resolver).
_WRAPPERS = ("from_resolver.<locals>._resolver", "from_resolver.<locals>._async_resolver")
# Converted argument values that may be kept and handed to every call.
_IMMUTABLE = (str, int, float, bool, type(None), Enum)
# Python types of arguments that graphql-core's coerced value already is (an ID is a str).
_AS_GIVEN = (int, str, float, bool)


class DirectCall:
    """A Strawberry field's resolver and how to call it."""

    __slots__ = (
        "_as_given",
        "_converted",
        "config",
        "definition",
        "info_class",
        "info_name",
        "parent_name",
        "registry",
        "resolver",
        "root_name",
        "takes_self",
    )

    def __init__(self, definition: StrawberryField, strawberry_schema: Any) -> None:
        self.definition = definition
        self.config = strawberry_schema.config
        self.info_class = self.config.info_class
        self.registry = strawberry_schema.schema_converter.scalar_registry
        # The converted arguments of literal ones, once known to be immutable.
        self._converted: dict[str, Any] | None = None
        # Each argument's (GraphQL name, Python name) when all need no conversion.
        self._as_given = _names_as_given(definition.arguments, self.config)
        resolver = definition.base_resolver
        assert resolver is not None
        self.resolver = resolver
        self.takes_self = resolver.self_parameter is not None
        self.parent_name = _name(resolver.parent_parameter)
        self.root_name = _name(resolver.root_parameter)
        self.info_name = _name(resolver.info_parameter)

    def __call__(
        self, source: Any, info: GraphQLResolveInfo[Any], args: dict[str, Any], literal: bool
    ) -> Any:
        definition = self.definition
        strawberry_info = self.info_class(_raw_info=info, _field=definition)
        converted = self._converted
        if converted is None:
            if self._as_given is not None:
                converted = {python: args[name] for name, python in self._as_given if name in args}
            else:
                converted = convert_arguments(
                    args,
                    definition.arguments,
                    scalar_registry=self.registry,
                    config=self.config,
                    info=strawberry_info,
                )
            if literal and all(isinstance(v, _IMMUTABLE) for v in converted.values()):
                self._converted = converted
        kwargs = dict(converted)
        if self.parent_name:
            kwargs[self.parent_name] = source
        if self.root_name:
            kwargs[self.root_name] = source
        if self.info_name:
            kwargs[self.info_name] = strawberry_info
        if self.takes_self:
            return self.resolver(source, **kwargs)
        return self.resolver(**kwargs)


def _names_as_given(
    arguments: list[StrawberryArgument], config: Any
) -> tuple[tuple[str, str], ...] | None:
    """(GraphQL name, Python name) of each argument, when every one is a built-in scalar (or
    null): its coerced value is the resolver's. None when any needs Strawberry's conversion."""
    names = []
    for argument in arguments:
        kind = argument.type
        if isinstance(kind, StrawberryOptional):
            kind = kind.of_type
        if not (isinstance(kind, type) and issubclass(kind, _AS_GIVEN)) and kind is not ID:
            return None
        assert argument.python_name
        names.append((config.name_converter.from_argument(argument), argument.python_name))
    return tuple(names)


def _name(parameter: Any) -> str | None:
    return None if parameter is None else str(parameter.name)


def direct_call(field_def: GraphQLField, schema: GraphQLSchema) -> DirectCall | None:
    """How to call the field's resolver directly; None when Strawberry's wrapper must."""
    resolve = field_def.resolve
    if resolve is None or not getattr(resolve, "__qualname__", "").endswith(_WRAPPERS):
        return None
    definition = (field_def.extensions or {}).get("strawberry-definition")
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    if (
        not isinstance(definition, StrawberryField)
        or definition.base_resolver is None
        or definition.extensions
        or definition.is_subscription
        or strawberry_schema is None
        or strawberry_schema.schema_converter._exception_handler_specs
    ):
        return None
    return DirectCall(definition, strawberry_schema)
