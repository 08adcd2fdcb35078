"""A fake Fortnox OAuth + API pair with single-use refresh tokens, for the token tests."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx

from fortnox_bridge.clock import ManualClock

META = {"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1}


class FakeFortnox:
    """Token endpoint with single-use refresh tokens, and an API that checks the bearer."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.generation = 0
        self.valid_access = "access-0"
        self.valid_refresh = "refresh-0"
        self.refresh_calls = 0
        self.token_bodies: list[dict[str, list[str]]] = []
        self.api_calls = 0
        self.reject_next_api_calls = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth-v1/token":
            return self._token(request)
        self.api_calls += 1
        if self.reject_next_api_calls:
            self.reject_next_api_calls -= 1
            return httpx.Response(401, json={"message": "unauthorized"})
        if request.headers.get("authorization") != f"Bearer {self.valid_access}":
            return httpx.Response(401, json={"message": "unauthorized"})
        return httpx.Response(200, json={"MetaInformation": META, "Customers": []})

    def _token(self, request: httpx.Request) -> httpx.Response:
        body = parse_qs(request.content.decode())
        self.token_bodies.append(body)
        if request.headers.get("authorization") != httpx.BasicAuth("app", "secret")._auth_header:
            return httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_description": "The client credentials are invalid",
                },
            )
        if body["grant_type"] == ["refresh_token"]:
            self.refresh_calls += 1
            if body["refresh_token"] != [self.valid_refresh]:
                # Fortnox sends this JSON with a text/html content type.
                return httpx.Response(
                    400,
                    content=json.dumps(
                        {"error": "invalid_grant", "error_description": "Invalid refresh token"}
                    ),
                    headers={"Content-Type": "text/html"},
                )
        self.generation += 1
        self.valid_access = f"access-{self.generation}"
        self.valid_refresh = f"refresh-{self.generation}"
        answer = {
            "access_token": self.valid_access,
            "expires_in": 3600,
            "scope": "customer",
            "token_type": "bearer",
        }
        if body["grant_type"] != ["client_credentials"]:
            answer["refresh_token"] = self.valid_refresh
        return httpx.Response(200, json=answer)
