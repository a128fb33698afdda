from django.urls import path  # noqa: F401 - the endpoints are added here

urlpatterns: list = []
