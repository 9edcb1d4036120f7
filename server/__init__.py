"""The HTTP/WebSocket server: settings, the Starlette app and its entry point."""
