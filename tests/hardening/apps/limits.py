"""Small outgoing limits for the hardening servers, from ``BEEFLOW_TEST_OUTGOING`` (frames:bytes:grace)."""

from __future__ import annotations

import dataclasses
import os

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.outgoing import OutgoingLimits


def apply(dispatcher: Dispatcher) -> Dispatcher:
    """Give ``dispatcher`` the limits of the environment (its connections read them when they open)."""
    spec = os.environ.get("BEEFLOW_TEST_OUTGOING")
    if spec:
        frames, size, grace = spec.split(":")
        limits = OutgoingLimits(max_frames=int(frames), max_bytes=int(size), grace=float(grace))
        dispatcher.config = dataclasses.replace(dispatcher.config, outgoing=limits)
    return dispatcher
