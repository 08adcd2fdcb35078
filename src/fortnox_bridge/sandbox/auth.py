"""Developer apps, consents and tokens of the sandbox's OAuth server.

Access tokens are JWT-shaped (HS256, with a ``tenantId`` claim) and live one hour on the sandbox
clock; refresh tokens live 45 days and are single use (each refresh rotates them); authorization
codes live 10 minutes and are single use. The registry keeps every live token, so a token is
checked by lookup, survives a restart when the state is persisted, and dies with a reset.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fortnox_bridge.sandbox.errors import OAuthError

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=45)
AUTH_CODE_LIFETIME = timedelta(minutes=10)
DEFAULT_CLIENT_ID = "sandbox-app"
DEFAULT_REDIRECT_URI = "http://localhost/callback"

#: Scopes a Fortnox app can be granted.
KNOWN_SCOPES = frozenset(
    {
        "article", "archive", "bookkeeping", "companyinformation", "connectfile", "costcenter",
        "currency", "customer", "inbox", "invoice", "noxfinansinvoice", "offer", "order",
        "payment", "price", "print", "profile", "project", "salary", "settings", "supplier",
        "supplierinvoice", "timereporting",
    }
)  # fmt: skip

# Recorded OAuth error bodies and their odd content types (recorded traffic).
BAD_CLIENT = ("invalid_client", "The client credentials are invalid")
BAD_REFRESH = ("invalid_grant", "Invalid refresh token")
# The sandbox's wording where Fortnox's is not recorded.
BAD_CODE = ("invalid_grant", "Invalid authorization code")
NO_CONSENT = ("invalid_grant", "No consent for this tenant")


@dataclass(frozen=True)
class DeveloperApp:
    """A developer app: credentials, registered redirect URIs, the scopes it may ask for."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()
    scopes: frozenset[str] = KNOWN_SCOPES


@dataclass(frozen=True)
class TokenGrant:
    """What an access or refresh token stands for."""

    tenant_id: int
    scopes: frozenset[str]
    client_id: str
    expires_at: datetime


@dataclass(frozen=True)
class AuthCode:
    """An authorization code waiting to be exchanged."""

    client_id: str
    tenant_id: int
    scopes: frozenset[str]
    redirect_uri: str | None
    expires_at: datetime
    service_account: bool


@dataclass(frozen=True)
class SandboxUser:
    """A Fortnox user who can sign in on the consent page: an accounting bureau's user belongs
    to several companies and chooses one of them at consent; another user has one company."""

    user_id: int
    name: str
    #: The companies (tenant ids) the user may approve an integration for, in their order.
    companies: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"user_id": self.user_id, "name": self.name, "companies": list(self.companies)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SandboxUser:
        """Inverse of :meth:`to_dict`."""
        return cls(int(raw["user_id"]), str(raw["name"]), tuple(int(c) for c in raw["companies"]))


@dataclass(frozen=True)
class Consent:
    """A company's consent to an app: from a user (refresh tokens) or a service account."""

    scopes: frozenset[str]
    service_account: bool


@dataclass(frozen=True)
class IssuedTokens:
    """The result of a token grant."""

    access_token: str
    refresh_token: str | None
    grant: TokenGrant

    def body(self) -> dict[str, Any]:
        """The token endpoint's JSON body, keys as recorded."""
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            "token_type": "bearer",
            "scope": " ".join(sorted(self.grant.scopes)),
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body


class AuthRegistry:
    """Apps, consents, codes and tokens of one sandbox."""

    def __init__(self, new_secret: Callable[[], str] | None = None) -> None:
        self._new_secret = new_secret or (lambda: secrets.token_urlsafe(32))
        self.signing_key = self._new_secret()
        self.apps: dict[str, DeveloperApp] = {}
        self.access: dict[str, TokenGrant] = {}
        self.refresh: dict[str, TokenGrant] = {}
        self.codes: dict[str, AuthCode] = {}
        self.consents: dict[tuple[str, int], Consent] = {}
        #: Users who sign in on the consent page, by id.
        self.users: dict[int, SandboxUser] = {}
        self.dirty = True
        self.default_app = self.register_app(
            (DEFAULT_REDIRECT_URI,), KNOWN_SCOPES, client_id=DEFAULT_CLIENT_ID
        )

    def register_app(
        self, redirect_uris: tuple[str, ...], scopes: frozenset[str], client_id: str | None = None
    ) -> DeveloperApp:
        """A new developer app with fresh credentials."""
        app = DeveloperApp(
            client_id=client_id or str(uuid.uuid4()),
            client_secret=self._new_secret(),
            redirect_uris=redirect_uris,
            scopes=scopes,
        )
        self.apps[app.client_id] = app
        self.dirty = True
        return app

    def reset(self) -> None:
        """Forget consents, codes, tokens and users; the apps stay."""
        self.access.clear()
        self.refresh.clear()
        self.codes.clear()
        self.consents.clear()
        self.users.clear()
        self.dirty = True

    def add_user(self, name: str, companies: tuple[int, ...]) -> SandboxUser:
        """A new user of ``companies`` with the next user id."""
        user = SandboxUser(max(self.users, default=0) + 1, name, companies)
        self.users[user.user_id] = user
        self.dirty = True
        return user

    def client(self, client_id: str, client_secret: str) -> DeveloperApp:
        """The app these credentials belong to, or 401 ``invalid_client``."""
        app = self.apps.get(client_id)
        if app is None or not hmac.compare_digest(app.client_secret, client_secret):
            raise OAuthError(401, *BAD_CLIENT)
        return app

    def grant_for(self, access_token: str, now: datetime) -> TokenGrant | None:
        """The live grant behind ``access_token``, or ``None`` if unknown or expired."""
        grant = self.access.get(access_token)
        if grant is None or grant.expires_at <= now:
            return None
        return grant

    def issue(
        self,
        app: DeveloperApp,
        tenant_id: int,
        scopes: frozenset[str],
        now: datetime,
        *,
        with_refresh: bool = True,
    ) -> IssuedTokens:
        """An access token (and a refresh token) for ``app`` on ``tenant_id``."""
        self._prune(now)
        grant = TokenGrant(tenant_id, scopes, app.client_id, now + ACCESS_TOKEN_LIFETIME)
        access = self._jwt(grant, now)
        self.access[access] = grant
        refresh = None
        if with_refresh:
            refresh = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
            self.refresh[refresh] = TokenGrant(
                tenant_id, scopes, app.client_id, now + REFRESH_TOKEN_LIFETIME
            )
            self.consents.setdefault((app.client_id, tenant_id), Consent(scopes, False))
        self.dirty = True
        return IssuedTokens(access, refresh, grant)

    def new_code(self, app: DeveloperApp, code: AuthCode) -> str:
        """Store ``code`` for a later exchange; returns its value."""
        value = secrets.token_urlsafe(24)
        self.codes[value] = code
        if code.service_account:
            self.consents[(app.client_id, code.tenant_id)] = Consent(code.scopes, True)
        self.dirty = True
        return value

    def redeem_code(
        self, app: DeveloperApp, value: str, redirect_uri: str | None, now: datetime
    ) -> IssuedTokens:
        """Exchange an authorization code (single use, 10 minutes)."""
        code = self.codes.pop(value, None)
        self.dirty = True
        if (
            code is None
            or code.client_id != app.client_id
            or code.expires_at <= now
            or (code.redirect_uri is not None and redirect_uri != code.redirect_uri)
        ):
            raise OAuthError(400, *BAD_CODE)
        return self.issue(app, code.tenant_id, code.scopes, now)

    def rotate(self, app: DeveloperApp, value: str, now: datetime) -> IssuedTokens:
        """Refresh: new access and refresh tokens; the old refresh token dies at once."""
        grant = self.refresh.get(value)
        if grant is None or grant.client_id != app.client_id or grant.expires_at <= now:
            raise OAuthError(400, *BAD_REFRESH)
        del self.refresh[value]
        return self.issue(app, grant.tenant_id, grant.scopes, now)

    def client_credentials(
        self, app: DeveloperApp, tenant_id: int, scopes: frozenset[str] | None, now: datetime
    ) -> IssuedTokens:
        """A service-account token (no refresh token) for a tenant that consented to ``app``.

        A user consent also counts: Fortnox turns an existing refresh-token connection into a
        client-credentials consent with the same scopes.
        """
        consent = self.consents.get((app.client_id, tenant_id))
        if consent is None:
            raise OAuthError(400, *NO_CONSENT)
        if scopes is not None and not scopes <= consent.scopes:
            raise OAuthError(400, "invalid_scope", "Scope exceeds the consented scopes")
        return self.issue(app, tenant_id, scopes or consent.scopes, now, with_refresh=False)

    def revoke(self, app: DeveloperApp, value: str) -> None:
        """Revoke a refresh token of ``app`` and end that user consent (RFC 7009: unknown is ok).

        Access tokens cannot be revoked in Fortnox; they run out within the hour.
        """
        grant = self.refresh.get(value)
        if grant is None or grant.client_id != app.client_id:
            return
        del self.refresh[value]
        key = (app.client_id, grant.tenant_id)
        consent = self.consents.get(key)
        if consent is not None and not consent.service_account:
            del self.consents[key]
        self.dirty = True

    def _jwt(self, grant: TokenGrant, now: datetime) -> str:
        claims = {
            "iss": "fortnox-bridge-sandbox",
            "tenantId": grant.tenant_id,
            "clientId": grant.client_id,
            "scope": " ".join(sorted(grant.scopes)),
            "iat": int(now.timestamp()),
            "exp": int(grant.expires_at.timestamp()),
            "jti": secrets.token_hex(8),
        }
        return encode_jwt(claims, self.signing_key)

    def _prune(self, now: datetime) -> None:
        """Drop expired tokens and codes so a long-running sandbox stays small."""
        if len(self.access) < 1024:
            return
        for table in (self.access, self.refresh):
            for key in [k for k, g in table.items() if g.expires_at <= now]:
                del table[key]
        for key in [k for k, c in self.codes.items() if c.expires_at <= now]:
            del self.codes[key]


def encode_jwt(claims: dict[str, Any], key: str) -> str:
    """An HS256 JSON Web Token (RFC 7519) with ``claims``.

    Written out with the standard library because the token only has to look and decode like
    Fortnox's (clients read ``tenantId`` without checking the signature).
    """
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(key.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, without checking its signature (as a client would read them)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
