"""Framework-free protocol runtime: registries, frames, problems, connections and the dispatcher.

Nothing here imports a web framework; the adapters in ``beeflow_websocket.django``,
``beeflow_websocket.fastapi`` and ``beeflow_websocket.flask`` only move frames in and out.
"""
