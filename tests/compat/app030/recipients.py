"""Recipients of the 0.3.0 application: a room resolves to the websocket ids of its members."""

from beeflow_websocket.core.recipient_registry import RecipientRegistryMeta

from . import store


class RoomRecipient(metaclass=RecipientRegistryMeta, name="room"):
    """Resolve a room name into the websocket ids that joined it."""

    async def resolve(self, recipient_id: str) -> tuple[str, ...]:
        return store.members(recipient_id)
