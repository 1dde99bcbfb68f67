"""Evidence of a case (issue 5): items with their statutory type and collectors, files streamed into
content-addressed storage after content sniffing, and an append-only chain of custody."""
