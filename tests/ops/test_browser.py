"""GraphiQL in a real browser (Debian's Chromium, driven by Playwright), with every request
to anywhere but the server refused: the page must work with no internet."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import pytest
from playwright.async_api import Browser, Page, Route, expect

from db.unchecked import insert_resonance
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import token_for
from tests.ops.conftest import Served

pytestmark = pytest.mark.usefixtures("graphiql_assets")


@pytest.fixture
async def page(browser: Browser, served: Served) -> AsyncIterator[Page]:
    """A fresh browser profile (no saved tabs or headers) that can reach the server only."""
    context = await browser.new_context()
    refused: list[str] = []

    async def only_the_server(route: Route) -> None:
        if route.request.url.startswith(served.url):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_server)
    page = await context.new_page()
    yield page
    await context.close()
    assert refused == [], f"the page asked the internet for {refused}"


async def set_editor(page: Page, tool: str, text: str) -> None:
    """Type into the Variables or Headers editor (CodeMirror) below the query."""
    await page.get_by_text(tool, exact=True).click()
    await page.evaluate(
        """text => {
            const shown = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
            document.querySelector(shown).CodeMirror.setValue(text);
        }""",
        text,
    )


async def test_graphiql_runs_its_example_query_and_shows_the_result(
    page: Page, served: Served, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn, username="keeper")
    await make_entry(
        conn, author, title="Fog at the lighthouse", content="The bell rang all night."
    )

    await page.goto(f"{served.url}/graphql")
    # The example is ready and the Authorization header has its place, shown.
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("query Explore")
    await expect(page.locator(".graphiql-editor-tool")).to_contain_text(
        '"Authorization": "Bearer <token from make seed>"'
    )
    await page.locator(".graphiql-execute-button").click()

    result = page.locator(".result-window")
    # The placeholder token is not sent: the query runs anonymous and finds the entry.
    await expect(result).to_contain_text("Fog at the lighthouse")
    await expect(result).to_contain_text('"username": "keeper"')
    await expect(result).not_to_contain_text("errors")


async def test_graphiql_runs_a_subscription_with_the_token_from_its_headers(
    page: Page, served: Served, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn)
    # Private: only its author may subscribe, so the token must reach the WebSocket.
    entry = await make_entry(conn, author, privacy="private")

    await page.goto(f"{served.url}/graphql")
    await page.get_by_role("tab", name="LiveCounts").click()
    await set_editor(
        page, "Headers", json.dumps({"Authorization": f"Bearer {token_for(author['id'])}"})
    )
    await set_editor(page, "Variables", json.dumps({"entryId": entry_gid(entry)}))
    await page.locator(".graphiql-execute-button").click()

    result = page.locator(".result-window")
    await expect(result).to_contain_text('"resonanceCount": 0')
    await insert_resonance(conn, user_id=author["id"], entry_id=entry["id"])
    await expect(result).to_contain_text('"resonanceCount": 1')


async def run_explore_signed_in(page: Page, served: Served, user_id: UUID) -> None:
    """Open the page, paste the user's token into the first tab's Headers and run it."""
    await page.goto(f"{served.url}/graphql")
    headers = json.dumps({"Authorization": f"Bearer {token_for(user_id)}"})
    await set_editor(page, "Headers", headers)
    await page.locator(".graphiql-execute-button").click()
    await expect(page.locator(".result-window")).to_contain_text('"entries"')


async def test_a_token_pasted_in_one_tab_reaches_the_other_tabs(
    page: Page, served: Served, conn: asyncpg.Connection
) -> None:
    reader = await make_user(conn, username="tabbed_reader")
    await run_explore_signed_in(page, served, reader["id"])

    await page.get_by_role("tab", name="MyFeed").click()  # its Headers: the placeholder
    await page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    await expect(result).to_contain_text('"username": "tabbed_reader"')
    await expect(result).not_to_contain_text("UNAUTHENTICATED")


async def test_an_empty_authorization_runs_that_tab_anonymous(
    page: Page, served: Served, conn: asyncpg.Connection
) -> None:
    reader = await make_user(conn, username="anonymous_for_a_tab")
    await run_explore_signed_in(page, served, reader["id"])

    await page.get_by_role("tab", name="MyFeed").click()
    await set_editor(page, "Headers", json.dumps({"Authorization": ""}))
    await page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    await expect(result).to_contain_text("UNAUTHENTICATED")  # the feed needs a viewer
    await expect(result).not_to_contain_text("anonymous_for_a_tab")


async def test_no_example_is_cut_off_at_1280_by_720(page: Page, served: Served) -> None:
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.goto(f"{served.url}/graphql")
    for tab in ("Explore", "MyFeed", "Resonate", "LiveCounts"):
        await page.get_by_role("tab", name=tab).click()
        await expect(page.locator(".graphiql-query-editor")).to_be_visible()
        overflow = await page.evaluate(
            """() => {
                const editor = '.graphiql-query-editor .CodeMirror-scroll';
                const scroller = document.querySelector(editor);
                return scroller.scrollWidth - scroller.clientWidth;
            }"""
        )
        assert overflow <= 0, f"{tab}: {overflow} px cut off"
