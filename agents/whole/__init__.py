"""Whole: every page in order in one answer call, for documents that fit in the window."""
