"""The GraphiQL page as served: its examples, its headers slot, and where its assets come from."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from pathlib import Path

import asyncpg
import httpx
import pytest
from graphql import parse, validate

from schema import schema
from server import assets, dev_sign_in, graphiql
from server.settings import DEVELOPMENT_JWT_SECRET, Settings
from tests.factories import counts, entry_gid, make_entry, make_user
from tests.graphql import app_client, data, token_for
from tests.ops.conftest import Served

HTML = {"Accept": "text/html"}


def page_config(page: str) -> dict[str, object]:
    found = re.search(r'<script id="resonance-config" type="application/json">(.*?)</script>', page)
    assert found is not None
    config: dict[str, object] = json.loads(found.group(1))
    return config


async def test_the_page_opens_with_examples_and_the_authorization_header_slot(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    config = page_config(response.text)
    tabs = config["tabs"]
    assert isinstance(tabs, list)
    assert [tab["query"] for tab in tabs] == [
        graphiql.EXPLORE,
        graphiql.FEED,
        graphiql.RESONATE,
        graphiql.LIVE_COUNTS,
    ]
    assert all(tab["headers"] == graphiql.HEADERS for tab in tabs)
    assert '"Authorization": "Bearer <token from make seed>"' in graphiql.HEADERS
    assert 'defaultEditorToolsVisibility: "headers"' in response.text


@pytest.mark.parametrize(
    "example", [graphiql.EXPLORE, graphiql.FEED, graphiql.RESONATE, graphiql.LIVE_COUNTS]
)
def test_every_example_is_valid_against_the_schema(example: str) -> None:
    assert validate(schema._schema, parse(example)) == []


@pytest.mark.parametrize(
    "example", [graphiql.EXPLORE, graphiql.FEED, graphiql.RESONATE, graphiql.LIVE_COUNTS]
)
def test_no_line_of_an_example_is_wider_than_the_editor_at_1280_by_720(example: str) -> None:
    too_wide = [line for line in example.splitlines() if len(line) > graphiql.EXAMPLE_LINE_WIDTH]
    assert too_wide == []


async def test_in_development_the_page_offers_to_sign_in_as_the_demo_users(
    settings: Settings,
) -> None:
    async with app_client(settings, jwt_secret=DEVELOPMENT_JWT_SECRET) as client:
        config = page_config((await client.get("/graphql", headers=HTML)).text)
    assert config["signIn"] == {"path": dev_sign_in.PATH, "users": ["ada", "grace", "alan"]}


async def test_with_a_real_jwt_secret_the_page_offers_no_sign_in(
    client: httpx.AsyncClient,
) -> None:
    config = page_config((await client.get("/graphql", headers=HTML)).text)
    assert config["signIn"] is None


def shown_command(example: str) -> str:
    """The shell command an example shows, its lines without their #s."""
    lines = example.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# curl "))
    command = []
    for line in lines[start:]:
        command.append(line.removeprefix("#"))
        if not line.endswith("\\"):
            break
    return "\n".join(command)


async def test_the_curl_line_of_the_live_counts_example_resonates(
    served: Served, conn: asyncpg.Connection
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    command = (
        shown_command(graphiql.LIVE_COUNTS)
        .replace("127.0.0.1:8000", served.url.removeprefix("http://"))
        .replace("<token>", token_for(author["id"]))
        .replace("<Entry id>", entry_gid(entry))
    )
    shell = ["sh", "-c", command]
    ran = await asyncio.to_thread(subprocess.run, shell, capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"data": {"resonate": {"id": entry_gid(entry)}}}
    assert (await counts(conn, entry["id"]))["resonance_count"] == 1


def test_the_explore_example_says_how_to_get_a_token() -> None:
    assert "make seed" in graphiql.EXPLORE
    assert "make token WHO=<username>" in graphiql.EXPLORE


async def test_the_first_example_runs(client: httpx.AsyncClient) -> None:
    result = await data(client, graphiql.EXPLORE)
    assert "entries" in result


async def test_the_page_loads_its_assets_from_the_server_when_they_were_fetched(
    client: httpx.AsyncClient, graphiql_assets: None
) -> None:
    page = (await client.get("/graphql", headers=HTML)).text
    for asset in assets.ASSETS:
        assert f'"/static/vendor/{asset.name}" integrity="{asset.integrity}"' in page
    assert "unpkg.com" not in page


async def test_the_page_falls_back_to_the_cdn_for_missing_assets(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path)
    page = (await client.get("/graphql", headers=HTML)).text
    for asset in assets.ASSETS:
        assert f'"https://unpkg.com/{asset.name}" integrity="{asset.integrity}"' in page
    assert "/static/vendor/" not in page


async def test_fetched_assets_are_served_with_a_long_cache_life(
    client: httpx.AsyncClient, graphiql_assets: None
) -> None:
    asset = assets.BY_NAME["graphiql@3.8.3/graphiql.min.js"]
    response = await client.get(f"/static/vendor/{asset.name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert assets.integrity_of(response.content) == asset.integrity


@pytest.mark.parametrize(
    "name", ["react@18.2.0/package.json", "../../settings.py", "..%2F..%2Fsettings.py", "x"]
)
async def test_nothing_but_the_listed_assets_is_served(
    client: httpx.AsyncClient, name: str
) -> None:
    assert (await client.get(f"/static/vendor/{name}")).status_code == 404


def test_fetching_without_npm_reports_and_leaves_the_page_on_the_cdn(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "vendor")
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it
    assert assets.main([]) == 0  # setup goes on
    assert "npm is not installed" in capsys.readouterr().err
    assert assets.main(["--strict"]) == 1
    assert not (tmp_path / "vendor").exists()


def test_a_fetched_file_with_another_hash_is_not_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io
    import tarfile

    def pack(specs: list[str], into: Path, timeout: float) -> dict[str, Path]:
        tarballs = {}
        for spec in specs:
            tarball = into / f"{spec.replace('/', '-')}.tgz"
            with tarfile.open(tarball, "w:gz") as archive:
                for asset in assets.ASSETS:
                    if f"{asset.package}@{asset.version}" == spec:
                        body = b"tampered"
                        info = tarfile.TarInfo(f"package/{asset.path}")
                        info.size = len(body)
                        archive.addfile(info, io.BytesIO(body))
            tarballs[spec] = tarball
        return tarballs

    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "vendor")
    monkeypatch.setattr(assets, "_pack", pack)
    problems = assets.fetch()
    assert len(problems) == len(assets.ASSETS)
    assert all("not the pinned one" in problem for problem in problems)
    assert assets.missing() == list(assets.ASSETS)
