"""Servers for the browser tests: the chat example's generated package on each framework."""
