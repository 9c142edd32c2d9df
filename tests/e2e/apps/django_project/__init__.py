"""Django Channels on daphne: the chat package behind ``AccessTokenAuthMiddleware``."""
