from django.urls import path

from otb import order_views, views

urlpatterns = [
    path("", views.otb_page, name="otb"),
    path("drill/", views.otb_drill, name="drill"),
    path("on-order/<int:version_id>/", views.plan_on_order, name="plan-on-order"),
    path("budgets/", views.budget_list, name="budgets"),
    path("budgets/revise/", views.budget_revise, name="budget-revise"),
    path("budgets/<int:budget_id>/submit/", views.budget_submit, name="budget-submit"),
    path("budgets/<int:budget_id>/decide/", views.budget_decide, name="budget-decide"),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/new/", order_views.order_new, name="order-new"),
    path("orders/<int:order_id>/", order_views.order_detail, name="order"),
    path("orders/<int:order_id>/lines/<int:line_id>/receive/", order_views.line_receive, name="line-receive"),
    path("orders/<int:order_id>/lines/<int:line_id>/change/", order_views.line_change, name="line-change"),
    path("orders/<int:order_id>/lines/<int:line_id>/cancel/", order_views.line_cancel, name="line-cancel"),
    path("exceptions/<int:exception_id>/decide/", order_views.exception_decide, name="exception-decide"),
]
