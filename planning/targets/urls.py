from django.urls import path

from planning.targets import views

urlpatterns = [
    path("targets/", views.targets_page, name="targets"),
    path("targets/new/", views.target_create_view, name="target-create"),
    path("targets/<int:pk>/", views.target_detail, name="target-detail"),
    path("targets/<int:pk>/cell/", views.target_cell, name="target-cell"),
    path("targets/<int:pk>/step/", views.target_step, name="target-step"),
    path("targets/reconcile/", views.reconcile_page, name="reconcile"),
    path("targets/reconcile/propose/", views.reconcile_propose, name="reconcile-propose"),
    path("targets/reconcile/spread/", views.reconcile_spread, name="reconcile-spread"),
]
