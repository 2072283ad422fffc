from django.urls import path

from . import pages, views

app_name = "reports"

urlpatterns = [
    path("", views.ReportsIndexView.as_view(), name="index"),
    path("close/", pages.CloseView.as_view(), name="close"),
    path("close/check/", pages.CloseCheckView.as_view(), name="close_check"),
    path("valuation/", views.ValuationView.as_view(), name="valuation"),
    path("valuation.csv", views.export_view("valuation", "csv"), name="valuation_csv"),
    path("valuation.xlsx", views.export_view("valuation", "xlsx"), name="valuation_xlsx"),
    path("roll-forward/", views.RollForwardView.as_view(), name="roll_forward"),
    path("roll-forward.csv", views.export_view("roll_forward", "csv"), name="roll_forward_csv"),
    path("roll-forward.xlsx", views.export_view("roll_forward", "xlsx"), name="roll_forward_xlsx"),
    path("aging/", views.AgingView.as_view(), name="aging"),
    path("aging.csv", views.export_view("aging", "csv"), name="aging_csv"),
    path("aging.xlsx", views.export_view("aging", "xlsx"), name="aging_xlsx"),
    path("journal/", views.JournalPageView.as_view(), name="journal"),
    path("journal.csv", views.export_view("journal", "csv"), name="journal_csv"),
    path("journal.xlsx", views.export_view("journal", "xlsx"), name="journal_xlsx"),
    path("journal/export/", views.JournalExportPageView.as_view(), name="journal_export"),
    path("journal-exports/<int:pk>.csv", views.journal_export_file_view("csv"), name="journal_export_csv"),
    path("journal-exports/<int:pk>.xlsx", views.journal_export_file_view("xlsx"), name="journal_export_xlsx"),
]
