"""The sync engine: flow declarations, their discovery, and the runner that applies them."""
