"""Serving a recorded answer: ``JrMock.start(fixtures=DIR)`` answers a request that matches a
recording (``jr --record DIR``, format ``jr-recording/1``) with the recorded status and body,
its site URLs moved to jr-mock, and says so in the request journal."""

from __future__ import annotations

import base64
import json
import urllib.request
from pathlib import Path

from jr_mock import JrMock

SITE = "https://your-domain.atlassian.net"


def write_recording(directory: Path) -> None:
    recording = {
        "format": "jr-recording/1",
        "time": 1764619200000,
        "operationId": "getIssue",
        "base": {"url": SITE, "cloudId": None},
        "request": {"method": "GET", "path": "/rest/api/3/issue/SHOP-7", "query": [],
                    "headers": [["authorization", "<redacted>"]], "body": None},
        "response": {"status": 200, "headers": [["content-type", "application/json"]],
                     "body": {"json": {"key": "SHOP-7", "self": f"{SITE}/rest/api/3/issue/20001"}}},
    }
    (directory / "getIssue.1.json").write_text(json.dumps(recording))


def test_a_recorded_answer_is_served_with_its_urls_moved(tmp_path: Path) -> None:
    write_recording(tmp_path)
    with JrMock.start(fixtures=tmp_path) as jira:
        ids = jira.identities
        token = base64.b64encode(f"{ids.user_email}:{ids.user_token}".encode()).decode()
        request = urllib.request.Request(
            f"{jira.base_url}/rest/api/3/issue/SHOP-7", headers={"Authorization": f"Basic {token}"}
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            body = response.read().decode()
        assert body == json.dumps(
            {"key": "SHOP-7", "self": f"{jira.base_url}/rest/api/3/issue/20001"}, separators=(",", ":")
        )
        [entry] = [r for r in jira.requests() if r["path"] == "/rest/api/3/issue/SHOP-7"]
        assert (entry["source"], entry["fixture"]) == ("fixture", "getIssue.1.json")
