"""RFC 9457 problems: the answers a client gets when an action cannot be carried out.

Two families, by whose fault it was:

- the client's (4xx): a bad frame, an unknown action, a payload that fails its schema, or a
  :class:`WebSocketProblem` a handler raises on purpose (403, 404, 409, ...). The problem says what
  went wrong and the connection stays open.
- the application's (5xx): a handler that raised anything else (500, logged with its traceback,
  never described to the client) or a generated stub nobody implemented yet (501).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

__all__ = [
    "ACTION_INTERRUPTED",
    "DEFAULT_PROBLEM_TYPE",
    "INTERNAL_ERROR",
    "INVALID_MESSAGE",
    "INVALID_MESSAGE_PROBLEM",
    "INVALID_PAYLOAD",
    "MESSAGE_TOO_LARGE",
    "NOT_IMPLEMENTED",
    "RATE_LIMITED",
    "RESERVED_MEMBERS",
    "UNKNOWN_ACTION",
    "UNKNOWN_ACTION_PROBLEM",
    "ActionNotImplemented",
    "ProblemKind",
    "WebSocketProblem",
    "build_problem_type",
    "problem_type",
]


def problem_type(slug: str, base_url: str | None) -> str:
    """Return the problem ``type`` URI: ``about:blank`` without a base URL, else ``<base>/<slug>``."""
    if not base_url:
        return "about:blank"
    return f"{base_url.rstrip('/')}/{slug}"


@dataclass(frozen=True, slots=True)
class ProblemKind:
    """One kind of problem the runtime itself answers with."""

    code: str
    slug: str
    status: int
    title: str

    def problem(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, str]] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> WebSocketProblem:
        """An instance of this kind, ready to raise or send."""
        return WebSocketProblem(
            self.status,
            self.code,
            slug=self.slug,
            title=self.title,
            detail=detail,
            errors=errors,
            extensions=extensions,
        )


INVALID_MESSAGE = ProblemKind("invalid_websocket_message", "invalid-message", 400, "Invalid WebSocket message")
UNKNOWN_ACTION = ProblemKind("unknown_websocket_action", "unknown-action", 400, "Unknown WebSocket action")
INVALID_PAYLOAD = ProblemKind("invalid_websocket_payload", "invalid-payload", 422, "Invalid action payload")
MESSAGE_TOO_LARGE = ProblemKind("websocket_message_too_large", "message-too-large", 413, "WebSocket message too large")
NOT_IMPLEMENTED = ProblemKind(
    "websocket_action_not_implemented", "not-implemented", 501, "WebSocket action not implemented"
)
INTERNAL_ERROR = ProblemKind("internal_websocket_error", "internal-error", 500, "Internal server error")
#: The action was running in a process that lost the session (another process adopted it): it was
#: cancelled there, and the request may be sent again.
ACTION_INTERRUPTED = ProblemKind(
    "websocket_action_interrupted", "action-interrupted", 503, "WebSocket action interrupted"
)
#: A rate limit refused the frame (:mod:`.limits`); the problem's ``retry_after`` says when to try again.
RATE_LIMITED = ProblemKind("websocket_rate_limited", "rate-limited", 429, "Too many requests")


#: 0.3.0's names: the ``type`` slugs of two problems, and the ``type`` without a base URL.
INVALID_MESSAGE_PROBLEM = INVALID_MESSAGE.slug
UNKNOWN_ACTION_PROBLEM = UNKNOWN_ACTION.slug
DEFAULT_PROBLEM_TYPE = "about:blank"


def build_problem_type(problem_type_base_url: str | None, problem_slug: str) -> str:
    """0.3.0's spelling of :func:`problem_type`: ``<base URL>/<slug>``, or ``about:blank`` without a base."""
    base = (problem_type_base_url or "").strip()
    return problem_type(problem_slug.lstrip("/"), base or None)


#: Members an extension may not set: the problem's own, and those that mark other frame kinds.
RESERVED_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "code", "instance", "msg_id", "req_id", "errors"}
    | {"seq", "event", "recipient", "recipient_id", "payload", "completed", "events", "action"}
)


class WebSocketProblem(Exception):  # noqa: N818 - it is a problem, answered as one
    """Raise from a handler to answer the action with a problem of your choice.

    ``status`` is an HTTP status (403, 404, 409, ...), ``code`` a stable machine-readable code and
    ``slug`` the last segment of the problem ``type`` URI (defaults to ``code`` with dashes).
    ``errors`` lists ``{"pointer": ..., "detail": ...}`` items for field-level failures and
    ``extensions`` adds members of your own. Everything here is sent to the client: put no secrets
    in it. Events yielded before the raise have already been sent.
    """

    def __init__(
        self,
        status: int,
        code: str,
        *,
        title: str | None = None,
        detail: str | None = None,
        slug: str | None = None,
        errors: Sequence[Mapping[str, str]] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"a problem status must be 4xx or 5xx, got {status}")
        if errors is not None:
            for item in errors:
                if set(item) != {"pointer", "detail"} or not all(isinstance(v, str) for v in item.values()):
                    raise ValueError(f"problem errors are {{'pointer': str, 'detail': str}} items, got {item!r}")
        clashing = RESERVED_MEMBERS.intersection(extensions or {})
        if clashing:
            raise ValueError(f"problem extensions cannot use the frame members {sorted(clashing)}")
        self.status = status
        self.code = code
        self.slug = slug or code.replace("_", "-")
        self.title = title or _phrase(status)
        self.detail = detail
        self.errors = [dict(item) for item in errors] if errors is not None else None
        self.extensions = dict(extensions or {})
        super().__init__(detail or self.title)


class ActionNotImplemented(WebSocketProblem):
    """Raised by generated handler stubs until the application implements them (501)."""

    def __init__(self, action: str) -> None:
        super().__init__(
            NOT_IMPLEMENTED.status,
            NOT_IMPLEMENTED.code,
            slug=NOT_IMPLEMENTED.slug,
            title=NOT_IMPLEMENTED.title,
            detail=f"The action '{action}' is not implemented yet.",
        )
        self.action = action


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
