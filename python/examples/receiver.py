"""A tiny Jira app's webhook receiver, stdlib only: it accepts a delivery when the
``Authorization: Bearer`` JWT is HS256-signed with the app's client secret and not
expired, and remembers the event. This is the code under test in ``test_webhooks.py``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_bearer(authorization: str, client_secret: str, now_s: float) -> Dict[str, Any]:
    """The claims of a valid delivery token; ValueError when it is not valid."""
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer":
        raise ValueError("not a Bearer token")
    header, claims, signature = token.split(".")
    if json.loads(_b64url(header)).get("alg") != "HS256":
        raise ValueError("not HS256")
    expected = hmac.new(client_secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64url(signature)):
        raise ValueError("bad signature")
    payload = json.loads(_b64url(claims))
    if payload["exp"] < now_s:
        raise ValueError("expired")
    return payload


class Receiver:
    """Listens on a free loopback port; ``url`` is where Jira should send events."""

    def __init__(self, client_secret: str, clock=time.time) -> None:
        self.events: List[Dict[str, Any]] = []
        self.rejected = 0
        #: While True, the app answers 503 (as when it is overloaded or deploying).
        self.down = False
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.down:
                    receiver.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                try:
                    verify_bearer(self.headers.get("Authorization", ""), client_secret, clock())
                except (ValueError, KeyError) as e:
                    receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    self.wfile.write(str(e).encode())
                    return
                receiver.events.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jira/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
