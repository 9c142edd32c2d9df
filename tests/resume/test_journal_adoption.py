"""Adopting a session through a hub with a journal (as ``RedisHub`` keeps in Redis), in one process.

The adopting dispatcher's hub answers ``since`` from a list of journaled deliveries, and while it
reads them, live deliveries arrive (one it also journaled, one newer): the session numbers the
journal's first, then the newer live one, each event once, in mark order.
"""

from __future__ import annotations

from collections.abc import Mapping

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.history import MemoryHistory
from beeflow_websocket.core.hub import Delivery, LocalHub
from beeflow_websocket.core.recipient_registry import Address
from beeflow_websocket.core.session_store import SharedMemoryStore
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .test_adoption import request, settle
from .test_sessions import seqs, texts

ANN = Address("user", "ann")


def tail(text: str) -> str:
    return f'"event":"echoed","payload":{{"text":"{text}"}}}}'


class JournalHub(LocalHub):
    """A LocalHub whose ``since`` answers from ``journal`` after delivering ``live`` (mid-read)."""

    def __init__(self, journal: list[Delivery] | None, live: list[Delivery]) -> None:
        super().__init__()
        self.journal = journal
        self.live = live
        self.asked: list[Mapping[Address, int]] = []

    async def since(self, after: Mapping[Address, int]) -> list[Delivery] | None:
        self.asked.append(dict(after))
        for delivery in self.live:
            await self.deliver(delivery)
        if self.journal is None:
            return None
        return [delivery for delivery in self.journal if delivery.mark > after.get(delivery.address, 0)]


def workers(hub: JournalHub) -> tuple[Dispatcher, Dispatcher]:
    history = MemoryHistory()
    shared = SharedMemoryStore()
    return (
        Dispatcher(history=history, store=shared.view("a")),
        Dispatcher(history=history, hub=hub, store=shared.view("b")),
    )


async def test_the_journal_is_numbered_first_then_newer_live_deliveries_each_once() -> None:
    journal = [Delivery(ANN, tail(f"j{mark}"), None, mark) for mark in (1, 2, 4, 5)]
    journal.insert(2, Delivery(ANN, tail("own answer"), "ws-ann", 3))  # answered directly by the session
    hub = JournalHub(journal, live=[Delivery(ANN, tail("j4"), None, 4), Delivery(ANN, tail("live 6"), None, 6)])
    a, b = workers(hub)
    async with AsyncWebSocketTestClient(a, sessions=True, user_id="ann", websocket_id="ws-ann") as client:
        await client.drop()
        async with AsyncWebSocketTestClient(b, user_id="ann", resume=request(client)) as again:
            assert again.session is not None
            assert again.session["resumed"] is True
            await settle()
            await hub.deliver(Delivery(ANN, tail("live 5 again"), None, 5))  # numbered already
            await hub.deliver(Delivery(ANN, tail("live 7"), None, 7))
            await settle()
            assert texts(again.received) == ["j1", "j2", "j4", "j5", "live 6", "live 7"]
            assert seqs(again.received) == list(range(client.last_seq + 1, client.last_seq + 7))
    assert hub.asked == [{Address("websocket", "ws-ann"): 0, ANN: 0}]


async def test_a_journal_that_cannot_tell_makes_the_resume_a_history_gap() -> None:
    hub = JournalHub(None, live=[])
    a, b = workers(hub)
    async with AsyncWebSocketTestClient(a, sessions=True, user_id="ann") as client:
        await client.drop()
        async with AsyncWebSocketTestClient(b, user_id="ann", resume=request(client)) as again:
            assert again.session is not None
            assert again.session["resumed"] is False
            assert again.session["resync"] == "history-gap"
