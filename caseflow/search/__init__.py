"""Full-text retrieval over cases, documents and evidence (issue 5, Build item 6)."""
