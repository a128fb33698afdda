from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import django_stubs_ext
        from rest_framework import generics, serializers

        # DRF generics subscripted for the type checker (`ListAPIView[Model]`) must work at run time.
        django_stubs_ext.monkeypatch(
            extra_classes=[serializers.ModelSerializer, generics.ListAPIView, generics.GenericAPIView]
        )
        from planning.roles import sync_roles_after_migrate

        # After every migrate, so permissions of models added later reach the groups too.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="planning.sync_roles")
        from planning.services import fiscal_weeks_after_migrate

        post_migrate.connect(fiscal_weeks_after_migrate, dispatch_uid="planning.fiscal_weeks")
        from core import scope
        from planning.models import Department

        # The one department scope every app checks (core.scope.require_department).
        scope.register(visible=Department.objects.visible_to, editable=Department.objects.editable_by)
        from planning.plans import approval_kind

        # Plans in the one approval flow (core.approvals), first in the inbox.
        approval_kind.register()
        from planning.targets import approval_kind as target_approval_kind

        # Targets after plans: a manager's own requests.
        target_approval_kind.register()
