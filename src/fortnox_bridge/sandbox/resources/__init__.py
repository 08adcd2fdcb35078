"""One declaration module per resource (``RESOURCE = ResourceSpec(...)``), found by discovery."""
