"""The conformance app on Django Channels: the 0.3.0 README setup plus the token middleware."""
