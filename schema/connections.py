"""Pages of a list (Relay cursor connections): one generic Connection of Edges, worded per list.

Every list of entries or users is the same shape: edges (a node and its cursor), the nodes
alone, and where the page sits. `Connection` and `Edge` declare that shape once; each list
gets a subclass (`EntryConnection(Connection[Entry, EntryEdge])`), which is what names the
GraphQL type. Their descriptions are the generic's, with the items named for that list:
`@worded(Noun("entry", "entries", "An"))` turns "A page of {many}." into "A page of
entries." (Strawberry would copy the generic's words to every specialisation as they are).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar, cast, get_args

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from resolvers.pagination import Page
from schema.deferred import defer

FIRST_DESCRIPTION = "How many items to return from the start, 0 to 100."
AFTER_DESCRIPTION = "Return the items after this cursor (an `endCursor` of this list)."
LAST_DESCRIPTION = (
    "How many items to return from the end, 0 to 100 (Relay's backward pagination); "
    "`first` is then not used."
)
BEFORE_DESCRIPTION = "Return the items before this cursor (a `startCursor` of this list)."

# A list field's arguments: `first: First = DEFAULT_FIRST, after: After = None, last: Last =
# None, before: Before = None`.
First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]
Last = Annotated[int | None, strawberry.argument(description=LAST_DESCRIPTION)]
Before = Annotated[str | None, strawberry.argument(description=BEFORE_DESCRIPTION)]

NodeT = TypeVar("NodeT")
EdgeT = TypeVar("EdgeT", bound="Edge[Any]")
Specialised = TypeVar("Specialised", bound=type)


@strawberry.type(description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Items follow this page (within `before`, when it was given)."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (within `after`, when it was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the first item: pass it as `before` for the page before."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item: pass it as `after` for the next page."
    )
    # What the fields are made of, when read (schema/deferred.py): a flag may be a read
    # (resolvers/pagination.Page), made only for a query that asks for it.
    page: strawberry.Private[Page | None] = None

    @classmethod
    def from_page(cls, page: Page) -> PageInfo:
        info = cls.__new__(cls)  # the fields are deferred: not given here
        info.page = page
        return info

    def _page(self) -> Page:
        assert self.page is not None, "a PageInfo built without its page has its fields"
        return self.page

    def _start_cursor(self) -> str | None:
        page = self._page()
        return page.cursor(0) if page.rows else None

    def _end_cursor(self) -> str | None:
        page = self._page()
        return page.cursor(-1) if page.rows else None


defer(PageInfo, "has_next_page", lambda info: info._page().has_next_page)
defer(PageInfo, "has_previous_page", lambda info: info._page().has_previous_page)
defer(PageInfo, "start_cursor", PageInfo._start_cursor)
defer(PageInfo, "end_cursor", PageInfo._end_cursor)


@dataclass(frozen=True)
class Noun:
    """How a list's descriptions name its items: {one}, {many} and the {article} of one."""

    one: str
    many: str
    article: str


@strawberry.type(description="{article} {one} in a list, with the cursor to read on after it.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Pass as `after` to read the {many} after this one.")
    node: NodeT = strawberry.field(description="The {one}.")


@strawberry.type(description="A page of {many}.")
class Connection(Generic[NodeT, EdgeT]):
    edges: list[EdgeT] = strawberry.field(description="The {many} of this page, with cursors.")
    nodes: list[NodeT] = strawberry.field(description="The {many} of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    # The page it shows, when made by from_page: its edges and page_info are made from it
    # when read (schema/deferred.py).
    page: strawberry.Private[Page | None] = None

    # The list's Edge subclass, from the type arguments (set by @worded).
    edge_type: ClassVar[Callable[..., Any]]

    @classmethod
    def from_page(cls, page: Page, node: Callable[[Any], NodeT]) -> Self:
        """The page's rows as nodes (`node` makes one of a row); edges and cursors wait for
        a query that reads them."""
        connection = cls.__new__(cls)  # edges and page_info are deferred: not given here
        connection.nodes = [node(row) for row in page.rows]
        connection.page = page
        return connection

    @classmethod
    def of(cls, page: Page | Awaitable[Page], node: Callable[[Any], NodeT]) -> Self:
        """from_page, for a page that may still be to read (resolvers/pagination.counted_page).
        A page still to read gives an awaitable of the connection, which the resolver
        returns as it is: graphql-core awaits whatever a resolver returns that is
        awaitable, so a plain resolver answers at once when it can and waits when it must,
        while its annotation stays the GraphQL type's."""
        if isinstance(page, Page):
            return cls.from_page(page, node)
        return cast(Self, cls._read(page, node))

    @classmethod
    async def _read(cls, page: Awaitable[Page], node: Callable[[Any], NodeT]) -> Self:
        return cls.from_page(await page, node)

    def _edges(self) -> list[EdgeT]:
        page = self.page
        assert page is not None, "a Connection built without its page has its edges"
        edge = self.edge_type
        return [edge(cursor=page.cursor(i), node=n) for i, n in enumerate(self.nodes)]

    def _page_info(self) -> PageInfo:
        assert self.page is not None, "a Connection built without its page has its page_info"
        return PageInfo.from_page(self.page)


defer(Connection, "edges", Connection._edges)
defer(Connection, "page_info", Connection._page_info)


def worded(noun: Noun) -> Callable[[Specialised], Specialised]:
    """Strawberry's type for a subclass of Edge or Connection, its descriptions and its fields'
    naming `noun`'s items."""

    def decorate(cls: Specialised) -> Specialised:
        generic = get_object_definition(cls, strict=True)  # the base's, until decorated
        words = {"one": noun.one, "many": noun.many, "article": noun.article}
        description = (generic.description or "").format(**words)
        typed = strawberry.type(cls, description=description)
        definition = get_object_definition(typed, strict=True)
        definition.fields = [_worded(field, words) for field in definition.fields]
        if issubclass(typed, Connection):
            typed.edge_type = get_args(typed.__orig_bases__[0])[1]  # type: ignore[attr-defined]
        return typed

    return decorate


def _worded(field: StrawberryField, words: dict[str, str]) -> StrawberryField:
    """A copy of an inherited field (the generic's own is shared by every subclass)."""
    field = copy.copy(field)
    field.description = (field.description or "").format(**words)
    return field
