"""The archive of closed cases: archive records, the assembled case file, BagIt export, legal holds."""
