"""The slow-consumer policy is the application's: each adapter hands ``outgoing`` to the core as it is."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from flask import Flask

from beeflow_websocket.core.outgoing import OutgoingLimits
from beeflow_websocket.fastapi import configure_beeflow_websocket as configure_fastapi
from beeflow_websocket.flask import configure_beeflow_websocket as configure_flask


def test_fastapi_and_flask_take_outgoing_limits_or_a_mapping() -> None:
    limits = OutgoingLimits(max_frames=64, close_code=1008)
    assert configure_fastapi(FastAPI(), autodiscover=False, outgoing=limits).config.outgoing is limits
    dispatcher = configure_flask(Flask(__name__), autodiscover=False, outgoing={"max_frames": 64, "close_code": 1008})
    assert dispatcher.config.outgoing == limits
    assert configure_fastapi(FastAPI(), autodiscover=False).config.outgoing == OutgoingLimits()


def test_a_close_code_other_than_1013_or_1008_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="close_code"):
        configure_fastapi(FastAPI(), autodiscover=False, outgoing={"close_code": 1000})
