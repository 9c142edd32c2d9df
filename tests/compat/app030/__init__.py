"""A 0.3.0 application, unchanged: its own actions, events and recipients, served by every adapter.

``actions.py``, ``events.py`` and ``recipients.py`` are found by autodiscovery, as in 0.3.0. Room
memberships live in the application's store (SQLite at ``$APP030_DB``), so a recipient resolves
the same websocket ids in every server process.
"""
