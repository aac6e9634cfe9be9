"""jr-mock for Python tests: start the jr-mock binary (a fake Jira Cloud) on a free
loopback port and drive its control API.

>>> from jr_mock import JrMock
>>> with JrMock.start() as jira:                                  # doctest: +SKIP
...     jira.send_event({"webhookEvent": "jira:issue_created",
...                      "issue": {"key": "ABC-1", "fields": {"project": {"key": "ABC"}}}})
...     jira.advance(24 * 60 * 60 * 1000)    # a virtual day: every retry runs now
...     print(jira.deliveries(), jira.failed())

With pytest, ask for the ``jr_mock`` fixture (registered by this package's ``pytest11``
entry point); see :mod:`jr_mock.pytest_plugin`.

The binary is found, in order: the ``binary`` argument, the ``JR_MOCK_BIN`` environment
variable, the one installed with this package (in the environment's scripts directory),
then ``jr-mock`` on ``PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Dict, List, Optional, Sequence, Type

__all__ = [
    "DEFAULT_IDENTITIES",
    "Identities",
    "JrMock",
    "JrMockError",
    "find_binary",
]

_PREFIX = "jr-mock listening on "
_START_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 5.0
_REQUEST_TIMEOUT_S = 60.0
#: The most pages :meth:`JrMock.deliveries` and :meth:`JrMock.requests` follow.
MAX_PAGES = 10_000


class JrMockError(RuntimeError):
    """jr-mock could not be started, or a control call failed (the message says which)."""


@dataclass(frozen=True)
class Identities:
    """The identities every jr-mock knows unless a config file replaces them."""

    #: OAuth 2.0 app ``oauth-app``: its static bearer token and client secret.
    oauth_app_token: str = "oauth-app-token"
    oauth_app_secret: str = "oauth-app-secret"
    #: OAuth 2.0 app ``other-app``.
    other_app_token: str = "other-app-token"
    other_app_secret: str = "other-app-secret"
    #: Connect app: key (the JWT ``iss``), shared secret and base URL.
    connect_key: str = "com.example.connect-app"
    connect_secret: str = "connect-app-secret"
    connect_base_url: str = "https://connect-app.example.com"
    #: A user (not an app): basic auth; the webhook API answers it 403.
    user_email: str = "user@example.com"
    user_token: str = "user-token"


DEFAULT_IDENTITIES = Identities()


def find_binary(binary: Optional[str] = None) -> str:
    """The jr-mock binary to start (see the module's docs for the order).

    Raises :class:`JrMockError` when none is found.
    """
    if binary:
        return binary
    from_env = os.environ.get("JR_MOCK_BIN")
    if from_env:
        return from_env
    exe = "jr-mock.exe" if sys.platform == "win32" else "jr-mock"
    installed = os.path.join(sysconfig.get_path("scripts"), exe)
    if os.path.isfile(installed):
        return installed
    on_path = shutil.which("jr-mock")
    if on_path:
        return on_path
    raise JrMockError(
        "no jr-mock binary: install this package with its binary (pip install python/), "
        "set JR_MOCK_BIN, or pass binary="
    )


class JrMock:
    """A running jr-mock. Every method is one call to its control API on loopback.

    Times are milliseconds since the UNIX epoch on jr-mock's virtual clock.
    """

    def __init__(self, process: "subprocess.Popen[bytes]", base_url: str) -> None:
        self.process = process
        #: The site base URL, ``http://127.0.0.1:PORT``.
        self.base_url = base_url
        self.identities = DEFAULT_IDENTITIES
        tenant = self._call_or_none("GET", "/_edge/tenant_info")
        #: The site's cloud ID (from ``/_edge/tenant_info``), or None when it has none.
        self.cloud_id: Optional[str] = tenant.get("cloudId") if tenant else None
        #: Where OAuth 2.0 apps and scoped API tokens call it, as Atlassian's API gateway
        #: serves a site: ``{base_url}/ex/jira/{cloud_id}`` (on the site URL they get 401).
        #: Connect apps and API tokens call :attr:`base_url`.
        self.gateway_url: Optional[str] = (
            f"{base_url}/ex/jira/{self.cloud_id}" if self.cloud_id else None
        )

    @classmethod
    def start(
        cls,
        binary: Optional[str] = None,
        args: Sequence[str] = (),
        env: Optional[Dict[str, str]] = None,
        fixtures: Optional["os.PathLike[str] | str"] = None,
    ) -> "JrMock":
        """Starts jr-mock on a free loopback port and returns once it listens.

        ``args`` go after ``--port 0`` (for example ``["--retry-delay-ms", "60000"]``).
        ``fixtures`` is a directory of recordings (``jr --record DIR``) to answer from
        (``--fixtures DIR``): a request matching a recording gets its answer.
        Raises :class:`JrMockError` when it cannot start or prints no URL in 15 s.
        """
        path = find_binary(binary)
        try:
            process = subprocess.Popen(
                [path, "--port", "0", *(["--fixtures", os.fspath(fixtures)] if fixtures else []), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                env={**os.environ, **(env or {})},
            )
        except OSError as e:
            raise JrMockError(f"cannot start {path}: {e}") from e
        line = _first_line(process, _START_TIMEOUT_S)
        if not line.startswith(_PREFIX):
            process.kill()
            process.wait()
            raise JrMockError(f"{path} did not print its URL; first line: {line!r}")
        # Drain later output so jr-mock never blocks on a full pipe.
        threading.Thread(target=_drain, args=(process,), daemon=True).start()
        return cls(process, line[len(_PREFIX):].strip())

    # -- the control API -------------------------------------------------

    def advance(self, ms: int) -> int:
        """Moves the virtual clock forward by ``ms``; returns the new time once every
        delivery attempt due by then has run."""
        return int(self._call("POST", "/_mock/clock", {"advanceMs": ms})["nowMs"])

    def now(self) -> int:
        """The virtual time."""
        return int(self._call("GET", "/_mock/clock")["nowMs"])

    def send_event(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """Posts a Jira event (``{"webhookEvent": ..., "issue": ...}``); returns
        ``{"timestamp", "deliveries"}`` after each delivery's first attempt."""
        return self._call("POST", "/_mock/events", event)

    def deliveries(self) -> List[Dict[str, Any]]:
        """Every delivery attempt, oldest first (all pages)."""
        return self._all_pages("/_mock/deliveries", "deliveries")

    def failed(self) -> List[Dict[str, Any]]:
        """The failed-delivery store, oldest first."""
        return list(self._call("GET", "/_mock/failed")["failed"])

    def requests(self) -> List[Dict[str, Any]]:
        """Every request jr-mock received, oldest first, credentials redacted."""
        return self._all_pages("/_mock/requests", "requests")

    def reset(self) -> None:
        """Clears webhooks, failures, pending deliveries and logs; the clock stays."""
        self._call("POST", "/_mock/reset")

    def stop(self) -> None:
        """Stops jr-mock (SIGTERM, SIGKILL after 5 s) and waits for it. Idempotent."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "JrMock":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    # -- HTTP ------------------------------------------------------------

    def _call(self, method: str, route: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + route,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        # Never through a proxy: jr-mock is on loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=_REQUEST_TIMEOUT_S) as response:
                text = response.read()
        except urllib.error.HTTPError as e:
            raise JrMockError(f"{method} {route} answered {e.code}: {e.read()!r}") from e
        except urllib.error.URLError as e:
            raise JrMockError(f"{method} {route}: {e.reason}") from e
        return json.loads(text) if text else {}

    def _call_or_none(self, method: str, route: str) -> Optional[Dict[str, Any]]:
        try:
            answer = self._call(method, route)
        except JrMockError:
            return None
        return answer if isinstance(answer, dict) else None

    def _all_pages(self, route: str, field: str) -> List[Dict[str, Any]]:
        items: List[Dict[str, Any]] = []
        after: Optional[Any] = None
        for _ in range(MAX_PAGES):
            query = "" if after is None else "?after=" + urllib.parse.quote(str(after))
            answer = self._call("GET", route + query)
            items.extend(answer.get(field, []))
            after = answer.get("nextAfter")
            if after is None:
                return items
        raise JrMockError(f"{route} still had pages after {MAX_PAGES}")


def _first_line(process: "subprocess.Popen[bytes]", timeout_s: float) -> str:
    """The first stdout line, or :class:`JrMockError` after ``timeout_s``."""
    result: List[bytes] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    if not result:
        process.kill()
        process.wait()
        raise JrMockError(f"jr-mock printed no URL within {timeout_s} s")
    if not result[0]:
        code = process.wait()
        raise JrMockError(f"jr-mock exited with {code} before printing its URL")
    return result[0].decode("utf-8", "replace")


def _drain(process: "subprocess.Popen[bytes]") -> None:
    if process.stdout is not None:
        for _ in process.stdout:
            pass
