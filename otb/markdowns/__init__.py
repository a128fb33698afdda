"""Markdowns: candidates (selectors), proposals and their approval (services)."""
