"""The executive weekly report, the home pages, their exports and the weekly mail."""
