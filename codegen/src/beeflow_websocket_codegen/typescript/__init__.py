"""The TypeScript emitter: payload declarations and a typed client over @beeflow/websocket-client.

``runtime/`` holds a copy of ``clients/typescript/src`` (the generated client carries it, so it
compiles without an npm install); a test keeps the copy identical to the source.
"""
