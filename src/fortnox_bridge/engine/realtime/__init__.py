"""Real time from Fortnox's WebSocket topics: the stream's listener and its health."""
