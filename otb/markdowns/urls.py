from django.urls import path

from otb.markdowns import views

urlpatterns = [
    path("", views.proposal_list, name="markdown-list"),
    path("candidates/<int:department_id>/", views.candidates, name="markdown-candidates"),
    path("budget/<int:department_id>/", views.budget, name="markdown-budget"),
    path("<int:proposal_id>/", views.proposal_detail, name="markdown-detail"),
    path("<int:proposal_id>/submit/", views.proposal_submit, name="markdown-submit"),
    path("<int:proposal_id>/decide/", views.proposal_decide, name="markdown-decide"),
]
