"""Planning: the retail calendar, merchandise and location master data, stock and sales
history, roles, and (in later issues) plans and the stock-planning engine."""
