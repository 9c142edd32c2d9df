"""The token convention shared by the conformance apps: ``token-<user>`` authenticates ``<user>``."""

from __future__ import annotations

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
