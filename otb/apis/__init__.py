"""REST endpoints for open-to-buy: purchase orders and receipts, the OTB table, OTB exceptions
and their decisions, approved budgets.

Thin views over `otb.services`, `otb.orders` and `otb.selectors`: reads are scoped to the
user's visible departments, writes to the editable ones. Refusals answer {"detail": ...}: bad
input or an OTB rule 400, not allowed 403, nothing of that id visible 404, insufficient OTB 409
(with what is short per fiscal month). Money is a decimal string with two places, at retail
unless the field says cost; a fiscal month is `year * 100 + month` (202603: month 3 of FY2026).
"""

from otb.apis.budgets import OTBBudgetList, OTBBudgetRevise, OTBTable, PlanVersionOTB
from otb.apis.exceptions import OTBExceptionDecide, OTBExceptionList
from otb.apis.orders import PurchaseOrderDetail, PurchaseOrderLineReceive, PurchaseOrderList
from otb.markdowns.apis import (
    MarkdownBudget,
    MarkdownCandidates,
    MarkdownProposalDecide,
    MarkdownProposalDetail,
    MarkdownProposalList,
    MarkdownProposalSubmit,
    PriceChangeList,
)

__all__ = [
    "MarkdownBudget",
    "MarkdownCandidates",
    "MarkdownProposalDecide",
    "MarkdownProposalDetail",
    "MarkdownProposalList",
    "MarkdownProposalSubmit",
    "OTBBudgetList",
    "OTBBudgetRevise",
    "OTBExceptionDecide",
    "OTBExceptionList",
    "OTBTable",
    "PlanVersionOTB",
    "PriceChangeList",
    "PurchaseOrderDetail",
    "PurchaseOrderLineReceive",
    "PurchaseOrderList",
]
