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
    path("exceptions/", apis.OTBExceptionList.as_view(), name="api-otb-exceptions"),
    path(
        "exceptions/<int:exception_id>/decide/",
        apis.OTBExceptionDecide.as_view(),
        name="api-otb-exception-decide",
    ),
    path("budgets/", apis.OTBBudgetList.as_view(), name="api-otb-budgets"),
]
