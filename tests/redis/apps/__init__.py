"""The conformance apps' actions on a Redis hub, served by several worker processes.

Every app reads the Redis URL from ``BEEFLOW_TEST_REDIS_URL`` and answers ``GET /health`` with the
hub's health as JSON.
"""
