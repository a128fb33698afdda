"""Signals of the demo loader, so other apps can clear their rows without planning importing them."""

from django.dispatch import Signal

# Sent inside `demo_delete`'s transaction before planning deletes its demo data: apps whose
# rows point at items, weeks or locations delete them (the foreign keys protect planning's).
demo_data_deleting = Signal()
