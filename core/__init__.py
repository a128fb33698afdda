"""Mechanisms every app shares, each written once: versioned rows and conflicts, the audit trail,
approvals, background runs, tabular imports, application errors, department scope, money and
fiscal-week keys. Core imports no Merchplan app; the apps register with it."""
