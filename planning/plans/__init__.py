"""Plans: creation and seeding, versions and approvals, the grid, cell edits and recompute."""
