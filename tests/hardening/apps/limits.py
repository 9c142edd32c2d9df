"""Outgoing limits for the hardening servers, from ``BEEFLOW_TEST_OUTGOING``
(``frames:bytes:grace``, optionally ``:close_code``)."""

from __future__ import annotations

import dataclasses
import os

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.outgoing import CLOSE_TRY_AGAIN_LATER, OutgoingLimits


def apply(dispatcher: Dispatcher) -> Dispatcher:
    """Give ``dispatcher`` the limits of the environment (its connections read them when they open)."""
    spec = os.environ.get("BEEFLOW_TEST_OUTGOING")
    if spec:
        frames, size, grace, *code = spec.split(":")
        limits = OutgoingLimits(
            max_frames=int(frames),
            max_bytes=int(size),
            grace=float(grace),
            close_code=int(code[0]) if code else CLOSE_TRY_AGAIN_LATER,
        )
        dispatcher.config = dataclasses.replace(dispatcher.config, outgoing=limits)
    return dispatcher
