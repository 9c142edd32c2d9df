"""The application's token check: the access-token subprotocol ``user-<id>`` authenticates user ``<id>``."""

from collections.abc import Iterable


def user_id_for_token(token: str) -> int | None:
    prefix, _, number = token.partition("-")
    return int(number) if prefix == "user" and number.isdigit() else None


def token_from_subprotocols(subprotocols: Iterable[str]) -> str:
    offered = list(subprotocols)
    if "access-token" in offered and offered.index("access-token") + 1 < len(offered):
        return offered[offered.index("access-token") + 1]
    return ""
