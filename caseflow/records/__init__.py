"""Structured investigation records (询问笔录, 现场检查笔录) that produce their documents and evidence."""
