"""Development sign-in: `POST /dev/sign-in {"username": "ada"}` answers a token for that user,
so GraphiQL can sign in as a demo user from the page.

Only with the development JWT_SECRET: its tokens anyone can mint already (the secret is in
the source, and `make token` mints them), so the route gives nothing away. With a real
secret it is not mounted (404) and the page offers no sign-in. The token is server/token.py's,
as `make token` and `make seed` mint them; an admin's carries `role: admin`, as `make seed`'s
do. Bad input is a GraphQL-shaped error with a 4xx status, as a refused /graphql request is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db.executor import Pool
from db.users import fetch_user_by_username
from db.visibility import ANONYMOUS
from resolvers import validation
from resolvers.errors import BadUserInput, NotFound
from server import http_input
from server.errors import http_error
from server.settings import Settings
from server.token import mint

PATH = "/dev/sign-in"
# Who the page suggests: the demo users `make seed` prints tokens for (seed/corpus.py's
# FEATURED; the server may not import seed/, so a test holds the two equal).
DEMO_USERS = ("ada", "grace", "alan")
# The body holds one username of at most 30 characters: anything much larger is not one.
MAX_BODY_BYTES = 1024
SHAPE = 'the request body must be a JSON object: {"username": "<a username>"}'


def offered(settings: Settings) -> bool:
    """With the development secret only: a real one keeps who may be whom to its tokens."""
    return settings.uses_development_secret


def routes(settings: Settings) -> list[Route]:
    """The route when sign-in is offered, else none (a 404)."""
    if not offered(settings):
        return []
    return [Route(PATH, _endpoint(settings), methods=["GET", "POST"])]


def _endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await sign_in(request, settings)

    return endpoint


async def sign_in(request: Request, settings: Settings) -> Response:
    try:
        username = await _username(request)
        pool: Pool = request.app.state.pool
        row = await fetch_user_by_username(pool, ANONYMOUS, username)
        if row is None:
            demo = ", ".join(DEMO_USERS)
            raise NotFound(f"no user named {username!r}: `make seed` loads the demo users ({demo})")
    except http_input.Refused as refused:
        return http_error(refused, refused.status, refused.headers)
    except NotFound as error:
        return http_error(error, 404)
    except BadUserInput as error:  # a username that cannot be one
        return http_error(error, 400)
    admin = row["role"] == "admin"
    token = mint(row["id"], settings, admin=admin)
    answer = {"username": row["username"], "admin": admin, "authorization": f"Bearer {token}"}
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def _username(request: Request) -> str:
    """The username the body names, read within MAX_BODY_BYTES and checked as a username."""
    if request.method != "POST":
        raise http_input.Refused(f"POST a JSON body to {PATH}", 405, {"Allow": "POST"})
    http_input.check_post_headers(request.headers)
    http_input.check_declared_length(request.headers, MAX_BODY_BYTES)
    limited = Request(request.scope, http_input.limited(request.receive, MAX_BODY_BYTES))
    parsed = http_input.parse(await limited.body(), "the request body")
    if not isinstance(parsed, dict) or not isinstance(parsed.get("username"), str):
        raise http_input.Refused(SHAPE, 400)
    return validation.username(parsed["username"].strip(), "username")
