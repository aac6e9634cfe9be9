"""The ``jr_mock`` pytest fixture, registered through this package's ``pytest11`` entry
point: any test in an environment where ``jr-mock`` is installed can ask for it.

.. code-block:: python

    def test_my_app_gets_the_event(jr_mock):
        jr_mock.send_event({"webhookEvent": "jira:issue_created", "issue": {...}})
        assert jr_mock.deliveries()

Settings (``pytest.ini``, ``pyproject.toml`` ``[tool.pytest.ini_options]`` or ``-o``):

- ``jr_mock_scope``: ``function`` (default: a fresh jr-mock per test) or ``session``
  (one for the whole run; call ``jr_mock.reset()`` where a test needs a clean fake).
- ``jr_mock_args``: more arguments for jr-mock, one per line (``--retry-delay-ms 60000``).
- ``jr_mock_binary``: the binary (default: ``JR_MOCK_BIN``, then the installed one).

The process is stopped when the fixture is torn down, also after a failing or
interrupted test, and killed at interpreter exit if anything got past that.
"""

from __future__ import annotations

import atexit
import shlex
from typing import Iterator, List

import pytest

from . import JrMock


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("jr_mock_scope", "function (default) or session", default="function")
    parser.addini("jr_mock_args", "extra jr-mock arguments", type="linelist", default=[])
    parser.addini("jr_mock_binary", "the jr-mock binary to start", default="")


def _scope(fixture_name: str, config: pytest.Config) -> str:
    scope = str(config.getini("jr_mock_scope")).strip() or "function"
    if scope not in ("function", "session"):
        raise pytest.UsageError(f"jr_mock_scope must be function or session, not {scope!r}")
    return scope


def _args(config: pytest.Config) -> List[str]:
    args: List[str] = []
    for line in config.getini("jr_mock_args"):
        args.extend(shlex.split(line))
    return args


@pytest.fixture(scope=_scope)
def jr_mock(request: pytest.FixtureRequest) -> Iterator[JrMock]:
    """A running jr-mock (:class:`jr_mock.JrMock`), stopped after use."""
    config = request.config
    binary = str(config.getini("jr_mock_binary")).strip() or None
    mock = JrMock.start(binary=binary, args=_args(config))
    atexit.register(mock.stop)
    try:
        yield mock
    finally:
        mock.stop()
        atexit.unregister(mock.stop)
