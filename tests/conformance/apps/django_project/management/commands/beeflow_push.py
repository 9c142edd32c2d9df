"""``python -m django beeflow_push user alice hello``: push an event from a process with no sockets."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from beeflow_websocket.django import get_dispatcher
from tests.conformance.apps.events import Said, SaidPayload


class Command(BaseCommand):
    help = "Push a 'said' event to a recipient through the channel layer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("recipient", choices=["websocket", "user", "group"])
        parser.add_argument("recipient_id")
        parser.add_argument("text")

    def handle(self, *args: Any, **options: Any) -> None:
        event = Said(
            recipient=options["recipient"],
            recipient_id=options["recipient_id"],
            payload=SaidPayload(sender="command", text=options["text"]),
        )
        get_dispatcher().push_sync(event)
        self.stdout.write("pushed")
