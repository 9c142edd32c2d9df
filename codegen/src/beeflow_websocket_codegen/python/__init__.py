"""Python output: payload models, events, action bases, problems and handler stubs."""
