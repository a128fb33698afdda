"""Open-to-buy: purchase orders, OTB budgets, markdowns and approvals (OTB issue)."""
