"""Targets and reconciliation (DESIGN.md section 12): top-down targets by division, department
and fiscal month, their approval and publication, and the reconciliation of plans against them.

- `figures`: the amounts by department (and class) and month of targets, working plans,
  original plans and last year, read in a fixed number of queries.
- `services`: create, edit (a division-month spreads to its departments), submit and decide
  (through core.approvals), publish; propose targets from the plans; spread targets into a plan.
- `reconcile`: the reconciliation table (division > department > class, by month), variances
  and the tolerance flag.
- `views`, `urls`: the pages.
"""
