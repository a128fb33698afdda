from django.apps import AppConfig


class OtbConfig(AppConfig):
    name = "otb"
    default_auto_field = "django.db.models.BigAutoField"
