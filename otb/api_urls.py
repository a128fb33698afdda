from django.urls import path

from otb import apis

urlpatterns = [
    path("orders/", apis.PurchaseOrderList.as_view(), name="api-otb-orders"),
    path("orders/<int:order_id>/", apis.PurchaseOrderDetail.as_view(), name="api-otb-order"),
    path(
        "orders/<int:order_id>/lines/<int:line_id>/receive/",
        apis.PurchaseOrderLineReceive.as_view(),
        name="api-otb-order-line-receive",
    ),
    path("otb/", apis.OTBTable.as_view(), name="api-otb-table"),
    path("plan-versions/<int:version_id>/otb/", apis.PlanVersionOTB.as_view(), name="api-otb-plan-version"),
    path("exceptions/", apis.OTBExceptionList.as_view(), name="api-otb-exceptions"),
    path(
        "exceptions/<int:exception_id>/decide/",
        apis.OTBExceptionDecide.as_view(),
        name="api-otb-exception-decide",
    ),
    path("budgets/", apis.OTBBudgetList.as_view(), name="api-otb-budgets"),
    path("budgets/revise/", apis.OTBBudgetRevise.as_view(), name="api-otb-budget-revise"),
    path("markdowns/", apis.MarkdownProposalList.as_view(), name="api-otb-markdowns"),
    path("markdowns/candidates/", apis.MarkdownCandidates.as_view(), name="api-otb-markdown-candidates"),
    path("markdowns/budget/", apis.MarkdownBudget.as_view(), name="api-otb-markdown-budget"),
    path("markdowns/<int:proposal_id>/", apis.MarkdownProposalDetail.as_view(), name="api-otb-markdown"),
    path(
        "markdowns/<int:proposal_id>/submit/",
        apis.MarkdownProposalSubmit.as_view(),
        name="api-otb-markdown-submit",
    ),
    path(
        "markdowns/<int:proposal_id>/decide/",
        apis.MarkdownProposalDecide.as_view(),
        name="api-otb-markdown-decide",
    ),
    path("price-changes/", apis.PriceChangeList.as_view(), name="api-otb-price-changes"),
]
