"""The token convention shared by the conformance apps: ``token-<user>`` authenticates ``<user>``."""

from __future__ import annotations

import os

#: Origins the apps accept; any other Origin header is refused before the handshake completes.
ALLOWED_ORIGINS = ["http://allowed.example"]
#: Frame size limit of the conformance apps (small, so the 1009 test is quick).
MAX_MESSAGE_SIZE = 64 * 1024


def user_for_token(token: str) -> str | None:
    if token.startswith("token-") and len(token) > len("token-"):
        return token.removeprefix("token-")
    return None


async def user_for_token_async(token: str) -> str | None:
    return user_for_token(token)


def _env_limit(name: str) -> tuple[float, int] | None:
    # "per_second,burst", set by tests/limits to start the apps with a rate limit.
    value = os.environ.get(name)
    if not value:
        return None
    per_second, burst = value.split(",")
    return float(per_second), int(burst)


#: Limits the apps start with when tests/limits sets them (none by default).
RATE_LIMIT = _env_limit("BEEFLOW_TEST_RATE_LIMIT")
MAX_CONNECTIONS = (
    int(os.environ["BEEFLOW_TEST_MAX_CONNECTIONS"]) if os.environ.get("BEEFLOW_TEST_MAX_CONNECTIONS") else None
)
IDLE_TIMEOUT = float(os.environ["BEEFLOW_TEST_IDLE_TIMEOUT"]) if os.environ.get("BEEFLOW_TEST_IDLE_TIMEOUT") else None
