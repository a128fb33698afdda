"""/otb/policies/, /otb/health/ and /otb/vendors/ (included under the otb namespace)."""

from django.urls import path

from otb.replenishment import health_views, matrix_views

urlpatterns = [
    path("policies/", matrix_views.policy_matrix_page, name="policy-matrix"),
    path("policies/<str:cell>/", matrix_views.policy_cell_save, name="policy-cell-save"),
    path("health/", health_views.inventory_health_page, name="inventory-health"),
    path("vendors/", health_views.vendor_reliability_page, name="vendor-reliability"),
]
