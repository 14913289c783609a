"""Pure functions over the knowledge base's frames: no I/O here."""
