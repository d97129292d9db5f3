"""Evidence store: hashing, freshness and integrity checks, importers, library pull and drift."""
