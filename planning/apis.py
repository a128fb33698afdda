"""Read-only REST endpoints for the calendar and master data (other apps and ERP links read them)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import generics, serializers

from planning import calendar
from planning.models import Department, FiscalWeek, Location


class FiscalWeekSerializer(serializers.ModelSerializer[FiscalWeek]):
    class Meta:
        model = FiscalWeek
        fields = ["id", "year", "week", "month", "quarter", "week_of_month", "start_date", "end_date"]


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    division = serializers.CharField(source="division.code")

    class Meta:
        model = Department
        fields = ["id", "code", "name", "division"]


class LocationSerializer(serializers.ModelSerializer[Location]):
    channel = serializers.CharField(source="channel.code", allow_null=True)
    region = serializers.CharField(source="region.code", allow_null=True)

    class Meta:
        model = Location
        fields = ["id", "code", "name", "kind", "channel", "region", "grade", "cluster", "capacity_units"]


class FiscalWeekList(generics.ListAPIView[FiscalWeek]):
    """Fiscal weeks; `?year=2024` filters one fiscal year."""

    serializer_class = FiscalWeekSerializer

    def get_queryset(self) -> QuerySet[FiscalWeek]:
        weeks = FiscalWeek.objects.all()
        year = self.request.query_params.get("year")
        if year is not None:
            # isdecimal(), not isdigit(): "²" is a digit that int() rejects.
            if not year.isdecimal() or not calendar.MIN_YEAR <= int(year) <= calendar.MAX_YEAR:
                message = f"Give a fiscal year from {calendar.MIN_YEAR} to {calendar.MAX_YEAR}, e.g. 2024."
                raise serializers.ValidationError({"year": message})
            weeks = weeks.filter(year=int(year))
        return weeks


class DepartmentList(generics.ListAPIView[Department]):
    serializer_class = DepartmentSerializer

    def get_queryset(self) -> QuerySet[Department]:
        return Department.objects.visible_to(self.request.user).select_related("division")


class LocationList(generics.ListAPIView[Location]):
    serializer_class = LocationSerializer
    queryset = Location.objects.select_related("channel", "region")
