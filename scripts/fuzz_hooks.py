"""Schemathesis hooks for `make fuzz` (scripts/fuzz.sh).

They tell the generator what docs/openapi.yaml says in words but JSON
Schema cannot say, and sign the run in:

- a cursor is one the API issued: the generator makes cursors of the shape
  the API issues (`conduit-article-cursor`, `conduit-comment-cursor`);
- `GET /api/articles` takes at most one of `tag`, `author` and `favorited`,
  and no list takes a `cursor` with an `offset` other than 0: generated
  cases that break either rule are dropped;
- repeated tags are dropped before a tag list is counted: a case whose
  list is over TAGS_MAX only by its repeats is dropped (JSON Schema can
  count items, not distinct ones);
- an `Idempotency-Key` names one request: a valid generated key is made
  unique, so a key the generator draws twice never names two requests;
- `cargo lambda watch` answers a 500 of its own, before any function runs,
  to a request it cannot put into a Lambda event: a body that is not UTF-8
  sent as text (`Content-Type: application/json`, `text/plain`), or a header
  value with bytes beyond ASCII. API Gateway hands such a request to the
  function, which answers it (a 400 for such a body). Failures of exactly
  those answers to exactly those requests are dropped; any other 500 fails
  the run.
- authenticated requests carry `Authorization: Token <jwt>` of a user the
  run registered (FUZZ_TOKEN, from scripts/fuzz.sh). When the run ends that
  user's sessions (`DELETE /api/user/sessions`), a new user is registered.
  Routes where the token is optional are called with it every other time,
  so both of their answers are tested.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import unicodedata
import urllib.request
import uuid

import schemathesis
import yaml
from hypothesis import strategies as st

API = os.environ["FUZZ_API"]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# `a:<created>#<article id>`, as app::cursor::articles writes it.
_article_positions = st.builds(
    lambda t, article: (
        f"a:{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{t.microsecond // 1000:03d}Z#{article}"
    ),
    st.datetimes(),
    st.uuids(version=4),
)
schemathesis.openapi.format("conduit-article-cursor", _article_positions.map(_cursor))
# `c:<comment id>`, as app::cursor::comments writes it.
schemathesis.openapi.format(
    "conduit-comment-cursor",
    st.integers(min_value=0, max_value=2**40).map(lambda n: _cursor(f"c:{n}")),
)

with open(os.path.join(os.path.dirname(__file__), "..", "docs", "openapi.yaml"), encoding="utf-8") as _file:
    # The description states it beside `x-limit: TAGS_MAX`.
    TAGS_MAX = yaml.safe_load(_file)["components"]["schemas"]["TagList"]["maxItems"]
_LISTS = {("GET", "/api/articles"), ("GET", "/api/articles/feed")}
_KEYED = {("POST", "/api/users"), ("POST", "/api/articles/{slug}/comments")}
_KEY = re.compile(r"^[!-+\--~]{1,255}$")


def _operation(case) -> tuple[str, str]:
    return (case.operation.method.upper(), case.operation.path)


def _tags_counted(case) -> list | None:
    """The tag list of an article body, if the case sends one."""
    body = case.body
    article = body.get("article") if isinstance(body, dict) else None
    tags = article.get("tagList") if isinstance(article, dict) else None
    return tags if isinstance(tags, list) else None


@schemathesis.hook
def filter_case(context, case):
    """Drops the cases whose validity the description states in words only."""
    query = case.query or {}
    if _operation(case) in _LISTS:
        # One filter at most, and no cursor with a nonzero offset.
        if sum(1 for name in ("tag", "author", "favorited") if name in query) > 1:
            return False
        if "cursor" in query and query.get("offset") not in (None, 0, "0"):
            return False
    tags = _tags_counted(case)
    if tags is not None and len(tags) > TAGS_MAX and all(isinstance(t, str) for t in tags):
        # Repeats are dropped before tags are counted: such a list may be
        # longer than TAGS_MAX and still hold at most TAGS_MAX tags.
        distinct = {unicodedata.normalize("NFC", t.strip()) for t in tags}
        if len(distinct) <= TAGS_MAX:
            return False
    return True


@schemathesis.hook
def map_case(context, case):
    """Makes every valid generated `Idempotency-Key` name one request only."""
    if _operation(case) in _KEYED and case.headers:
        key = case.headers.get("Idempotency-Key")
        if isinstance(key, str) and _KEY.match(key):
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
    return case


def _register() -> str:
    name = f"fuzz{uuid.uuid4().hex[:12]}"
    body = json.dumps({"user": {"username": name, "email": f"{name}@fuzz.example", "password": "fuzz-password"}})
    request = urllib.request.Request(
        f"{API}/api/users",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["user"]["token"]


class _Session:
    """The run's signed-in user: its token, until its sessions end."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: str | None = os.environ.get("FUZZ_TOKEN") or None
        self.calls = 0

    def current(self) -> str:
        with self.lock:
            if self.token is None:
                self.token = _register()
            return self.token

    def ended(self) -> None:
        with self.lock:
            self.token = None


SESSION = _Session()
_OPTIONAL = {
    ("GET", "/api/profiles/{username}"),
    ("GET", "/api/articles"),
    ("GET", "/api/articles/{slug}"),
    ("GET", "/api/articles/{slug}/comments"),
}


@schemathesis.auth(refresh_interval=None, retry_on=[])
class Token:
    def get(self, case, context):
        return SESSION.current()

    def set(self, case, token, context):
        operation = (case.operation.method.upper(), case.operation.path)
        if operation in _OPTIONAL:
            with SESSION.lock:
                SESSION.calls += 1
                anonymous = SESSION.calls % 2 == 0
            if anonymous:
                return
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Token {token}"


@schemathesis.hook
def after_call(context, case, response):
    """Registers a new user once the run's user signed out everywhere."""
    signed_out = (
        case.operation.method.upper() == "DELETE"
        and case.operation.path == "/api/user/sessions"
        and response.status_code == 204
    )
    ended = False
    if response.status_code == 401:
        try:
            ended = "session" in response.json().get("errors", {})
        except Exception:
            ended = False
    if signed_out or ended:
        SESSION.ended()


# The body of the 500 `cargo lambda watch` answers itself; the API's own 500
# is `{"errors":{"server":["internal error"]}}`.
_EMULATOR_500 = b'{"type":"https://httpstatuses.com/500"'


def _beyond_ascii(value) -> bool:
    if isinstance(value, bytes):
        return any(byte > 0x7F for byte in value)
    return any(ord(char) > 0x7F for char in str(value))


def _not_utf8(body) -> bool:
    if not isinstance(body, bytes):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _sent_as_text(request) -> bool:
    media = str(request.headers.get("Content-Type", "")).split(";")[0].strip().lower()
    return media.startswith("text/") or media == "application/json" or media.endswith("+json")


# Where the dropped failures are listed, one a line.
REFUSALS = os.environ.get("FUZZ_REFUSALS")
_refusals_lock = threading.Lock()


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Drops the failures of the emulator's own 500 to a request it cannot carry."""
    if response is None or response.status_code != 500 or not response.content.startswith(_EMULATOR_500):
        return True
    request = response.request
    uncarried = (_sent_as_text(request) and _not_utf8(request.body)) or any(
        _beyond_ascii(value) for value in request.headers.values()
    )
    if uncarried and REFUSALS:
        with _refusals_lock, open(REFUSALS, "a", encoding="utf-8") as log:
            log.write(f"{request.method} {request.url} {type(failure).__name__}\n")
    return not uncarried
