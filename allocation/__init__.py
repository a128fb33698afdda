"""Allocation: need-based distribution of DC stock to stores and channels (allocation issue)."""
