"""The GraphiQL page at /graphql: example tabs ready to run, the headers editor open with the
place for a token, with the development secret a bar to sign in as a demo user
(server/dev_sign_in.py), and its scripts from the server itself (server/assets.py)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from server import dev_sign_in
from server.assets import ASSETS, BY_NAME
from server.settings import Settings

TEMPLATE = Path(__file__).resolve().parent / "static" / "graphiql.html"

# The widest line an example may have: the query editor's width at 1280x720, the examples'
# comment lines included (a longer one is cut off there).
EXAMPLE_LINE_WIDTH = 44

# Shown in the headers editor. The page never sends a value holding a <placeholder>.
HEADERS = '{\n  "Authorization": "Bearer <token from make seed>"\n}'

EXPLORE = """\
# Resonance: logbook entries and dreams.
#
# Run: the play button (or Ctrl-Enter).
# Docs (the book, top left): every type,
# field and argument.
#
# A token: `make seed` loads demo data and
# prints some; `make token WHO=<username>`
# mints one. Paste it into Headers below
# (in place of <token from make seed>):
# every tab then reads and writes as that
# user. "Authorization": "" in a tab's
# Headers runs that tab anonymous.
#
# Other tabs: a feed, a mutation, live
# counts.

query Explore {
  entries(first: 5) {
    nodes {
      id
      type
      title
      content
      tags
      createdAt
      author {
        username
        name
      }
      counts {
        resonanceCount
        branchCount
        amplificationCount
        shareCount
      }
      branches(first: 3) {
        nodes {
          id
          title
          author {
            username
          }
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
"""

FEED = """\
# Needs a token (see Explore). Entries by
# you and the users you follow, and what
# they amplified (reason), newest first.

query MyFeed {
  viewer {
    username
    followerCount
    followingCount
  }
  feed(first: 10) {
    edges {
      reason {
        amplifiedBy {
          username
        }
      }
      node {
        id
        title
        author {
          username
        }
        counts {
          resonanceCount
        }
        viewerHasResonated
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
"""

RESONATE = """\
# Needs a token (see Explore). Put an Entry
# id (from Explore) in Variables below.
# Resonating twice leaves one resonance;
# unresonate takes it back.

mutation Resonate($entryId: ID!) {
  resonate(entryId: $entryId) {
    id
    viewerHasResonated
    counts {
      id
      resonanceCount
    }
  }
}
"""

LIVE_COUNTS = """\
# Live over WebSocket: the counts now, then
# after every change. Put an Entry id in
# Variables, run it and keep it running
# (switching tabs here stops it). Then
# resonate with that entry from a second
# window of this page (its Resonate tab),
# or from a shell: the lines below without
# their #s, a token and the id put in.
#
# curl -s 127.0.0.1:8000/graphql \\
#  -H 'Authorization: Bearer <token>' \\
#  -H 'Content-Type: application/json' \\
#  -d "$(printf %s \\
#  '{"query": "mutation($e: ID!) {' \\
#  ' resonate(entryId: $e) { id } }",' \\
#  ' "variables": {"e": "<Entry id>"}}')"
#
# Watch the counts move here. The button
# stops it.

subscription LiveCounts($entryId: ID!) {
  entryCounts(entryId: $entryId) {
    entry {
      id
      counts {
        id
        resonanceCount
        branchCount
        amplificationCount
        shareCount
      }
    }
  }
}
"""

ENTRY_VARIABLES = '{\n  "entryId": "<an Entry id from Explore>"\n}'

TABS = (
    {"query": EXPLORE, "headers": HEADERS},
    {"query": FEED, "headers": HEADERS},
    {"query": RESONATE, "variables": ENTRY_VARIABLES, "headers": HEADERS},
    {"query": LIVE_COUNTS, "variables": ENTRY_VARIABLES, "headers": HEADERS},
)


def _script_json(value: object) -> str:
    """JSON that cannot end its <script> element early."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_config(settings: Settings) -> dict[str, object]:
    """What the page's script reads: the tabs, and where to sign in when it may."""
    sign_in = None
    if dev_sign_in.offered(settings):
        sign_in = {"path": dev_sign_in.PATH, "users": list(dev_sign_in.DEMO_USERS)}
    return {"tabs": TABS, "headers": HEADERS, "signIn": sign_in}


def render_page(settings: Settings) -> str:
    """The page, each asset from the server when it was fetched, else from the CDN."""
    styles, scripts = [], []
    for asset in ASSETS:
        url, integrity = html.escape(asset.url), html.escape(asset.integrity)
        if asset.is_script:
            scripts.append(f'<script src="{url}" integrity="{integrity}" crossorigin></script>')
        else:
            styles.append(
                f'<link rel="stylesheet" href="{url}" integrity="{integrity}" crossorigin />'
            )
    return (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{{styles}}", "\n    ".join(styles))
        .replace("{{scripts}}", "\n    ".join(scripts))
        .replace("{{config}}", _script_json(page_config(settings)))
    )


# The files are named by version, so a browser may keep them for good.
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


async def vendor_file(request: Request) -> Response:
    """GET /static/vendor/<package>@<version>/<path>: one of the fetched assets, nothing else."""
    asset = BY_NAME.get(request.path_params["name"])
    if asset is None or not asset.local_path.is_file():
        return Response("Not Found", status_code=404, media_type="text/plain")
    return FileResponse(asset.local_path, headers=_IMMUTABLE)
