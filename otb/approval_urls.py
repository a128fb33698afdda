from django.urls import path

from otb import approval_views

urlpatterns = [
    path("", approval_views.inbox, name="approvals"),
    path("plan/<int:version_id>/changes/", approval_views.promotion_changes, name="approval-promotion"),
    path("<str:kind>/<int:object_id>/", approval_views.decide, name="approval-decide"),
]
