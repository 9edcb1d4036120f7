"""GraphiQL in a real browser (Debian's Chromium, driven by Playwright), with every request
to anywhere but the server refused: the page must work with no internet."""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
from playwright.async_api import Browser, Page, Route, expect

from db.unchecked import insert_resonance
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import token_for
from tests.ops.conftest import Served

pytestmark = pytest.mark.usefixtures("graphiql_assets")


@asynccontextmanager
async def fresh_page(browser: Browser, served: Served) -> AsyncIterator[Page]:
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


@pytest.fixture
async def page(browser: Browser, served: Served) -> AsyncIterator[Page]:
    async with fresh_page(browser, served) as page:
        yield page


@pytest.fixture(scope="module")
def served_in_development(database_url: str) -> Iterator[Served]:
    """The server as `make run` starts it without JWT_SECRET (the development secret)."""
    with tempfile.TemporaryDirectory(prefix="resonance-served-") as folder:
        server = Served(database_url, Path(folder) / "server.log", JWT_SECRET="")
        yield server
        server.stop()


@pytest.fixture
async def dev_page(browser: Browser, served_in_development: Served) -> AsyncIterator[Page]:
    async with fresh_page(browser, served_in_development) as page:
        yield page


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


async def sign_in_from_the_bar(page: Page, served: Served, username: str) -> None:
    """Open the page at 1280x720 and sign in as `username` from its development bar."""
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.goto(f"{served.url}/graphql")
    await page.locator("#dev-username").fill(username)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#dev-status")).to_contain_text(f"Signed in as {username}")


async def test_in_development_the_page_signs_in_as_a_user_and_every_tab_runs_as_them(
    dev_page: Page, served_in_development: Served, conn: asyncpg.Connection
) -> None:
    await make_user(conn, username="ada", role="admin")
    await sign_in_from_the_bar(dev_page, served_in_development, "ada")
    await expect(dev_page.locator("#dev-status")).to_contain_text("ada (admin)")
    # The bar's words fit the window: nothing cut off.
    cut = await dev_page.evaluate(
        "() => [...document.querySelectorAll('#dev-sign-in, #dev-status')]"
        ".map(e => e.scrollWidth - e.clientWidth)"
    )
    assert max(cut) <= 0, f"{cut} px cut off"

    await dev_page.get_by_role("tab", name="MyFeed").click()  # its Headers: the placeholder
    await dev_page.locator(".graphiql-execute-button").click()
    result = dev_page.locator(".result-window")
    await expect(result).to_contain_text('"username": "ada"')
    await expect(result).not_to_contain_text("errors")


async def test_a_subscription_runs_as_the_user_signed_in_from_the_bar(
    dev_page: Page, served_in_development: Served, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn, username="grace")
    # Private: only its author may subscribe, so the page's token must reach the WebSocket.
    entry = await make_entry(conn, author, privacy="private")
    await sign_in_from_the_bar(dev_page, served_in_development, "grace")

    await dev_page.get_by_role("tab", name="LiveCounts").click()
    await set_editor(dev_page, "Variables", json.dumps({"entryId": entry_gid(entry)}))
    await dev_page.locator(".graphiql-execute-button").click()
    result = dev_page.locator(".result-window")
    await expect(result).to_contain_text('"resonanceCount": 0')
    await insert_resonance(conn, user_id=author["id"], entry_id=entry["id"])
    await expect(result).to_contain_text('"resonanceCount": 1')


async def test_signing_out_from_the_bar_runs_the_tabs_anonymous(
    dev_page: Page, served_in_development: Served, conn: asyncpg.Connection
) -> None:
    await make_user(conn, username="alan")
    await sign_in_from_the_bar(dev_page, served_in_development, "alan")
    await dev_page.get_by_role("button", name="Sign out").click()
    await expect(dev_page.locator("#dev-status")).to_contain_text("Signed out")

    await dev_page.get_by_role("tab", name="MyFeed").click()
    await dev_page.locator(".graphiql-execute-button").click()
    result = dev_page.locator(".result-window")
    await expect(result).to_contain_text("UNAUTHENTICATED")  # the feed needs a viewer
    await expect(result).not_to_contain_text('"username": "alan"')


async def test_the_bar_says_when_no_such_user_exists(
    dev_page: Page, served_in_development: Served, conn: asyncpg.Connection
) -> None:
    await dev_page.goto(f"{served_in_development.url}/graphql")
    await dev_page.locator("#dev-username").fill("nobody_here")
    await dev_page.get_by_role("button", name="Sign in").click()
    await expect(dev_page.locator("#dev-status")).to_contain_text("no user named 'nobody_here'")


async def test_with_a_real_jwt_secret_the_page_offers_no_sign_in(
    page: Page, served: Served
) -> None:
    await page.goto(f"{served.url}/graphql")
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("query Explore")
    await expect(page.locator("#dev-sign-in")).to_be_hidden()
    await expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
