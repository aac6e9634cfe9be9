"""An app's webhook tests against jr-mock with the ``jr_mock`` pytest fixture (from the
installed ``jr-mock`` package): register a dynamic webhook as the OAuth 2.0 app, make
jr-mock fire an event, and assert the app received the signed delivery; an app that is
down (503) sees Jira's retries and the delivery ends in the failed store; a delivery signed
with another secret is rejected. Everything is on 127.0.0.1.

Run: pip install python/ && pytest python/examples
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict

import pytest

from jr_mock import JrMock
from receiver import Receiver

ISSUE_CREATED = {
    "webhookEvent": "jira:issue_created",
    "issue": {
        "key": "ABC-1",
        "fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Bug"}, "status": {"name": "To Do"}},
    },
}


def register(jira: JrMock, token: str, url: str) -> int:
    """``POST /rest/api/3/webhook`` as an OAuth 2.0 app (through the gateway URL, as on
    Jira Cloud); returns the new webhook's ID."""
    body = {"url": url, "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = ABC"}]}
    request = urllib.request.Request(
        f"{jira.gateway_url}/rest/api/3/webhook",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        answer: Dict[str, Any] = json.loads(response.read())
    return int(answer["webhookRegistrationResult"][0]["createdWebhookId"])


@pytest.fixture
def receiver(jr_mock: JrMock):
    # The app checks tokens against jr-mock's virtual clock, as it would Jira's time.
    app = Receiver(jr_mock.identities.oauth_app_secret, clock=lambda: jr_mock.now() / 1000)
    yield app
    app.close()


def test_the_app_receives_a_signed_issue_created(jr_mock: JrMock, receiver: Receiver) -> None:
    webhook_id = register(jr_mock, jr_mock.identities.oauth_app_token, receiver.url)

    sent = jr_mock.send_event(ISSUE_CREATED)

    assert [d["status"] for d in sent["deliveries"]] == [204]
    assert len(receiver.events) == 1
    event = receiver.events[0]
    assert event["webhookEvent"] == "jira:issue_created"
    assert event["matchedWebhookIds"] == [webhook_id]
    assert receiver.rejected == 0


def test_an_app_that_is_down_sees_retries_then_a_failure_record(jr_mock: JrMock, receiver: Receiver) -> None:
    register(jr_mock, jr_mock.identities.oauth_app_token, receiver.url)
    receiver.down = True

    jr_mock.send_event(ISSUE_CREATED)
    jr_mock.advance(24 * 60 * 60 * 1000)  # every retry, at once

    attempts = [d for d in jr_mock.deliveries() if d["url"] == receiver.url]
    assert len(attempts) == 6 and all(a["status"] == 503 for a in attempts)
    assert receiver.refused == 6 and receiver.events == []
    assert [f["url"] for f in jr_mock.failed()] == [receiver.url]


def test_a_delivery_signed_with_another_secret_is_rejected(jr_mock: JrMock) -> None:
    impostor = Receiver("not-the-client-secret", clock=lambda: jr_mock.now() / 1000)
    try:
        register(jr_mock, jr_mock.identities.oauth_app_token, impostor.url)
        sent = jr_mock.send_event(ISSUE_CREATED)
    finally:
        impostor.close()
    assert [d["status"] for d in sent["deliveries"]] == [401]
    assert impostor.rejected == 1 and impostor.events == []
