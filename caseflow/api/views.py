"""API views (thin: load schema → service → dump schema)."""
