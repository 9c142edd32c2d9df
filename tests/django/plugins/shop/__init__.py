"""A Django app with beeflow plugin modules, for the autodiscovery tests."""
