from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportsIndexView.as_view(), name="index"),
    path("valuation/", views.ValuationView.as_view(), name="valuation"),
    path("valuation.csv", views.export_view("valuation", "csv"), name="valuation_csv"),
    path("valuation.xlsx", views.export_view("valuation", "xlsx"), name="valuation_xlsx"),
    path("roll-forward/", views.RollForwardView.as_view(), name="roll_forward"),
    path("roll-forward.csv", views.export_view("roll_forward", "csv"), name="roll_forward_csv"),
    path("roll-forward.xlsx", views.export_view("roll_forward", "xlsx"), name="roll_forward_xlsx"),
    path("aging/", views.AgingView.as_view(), name="aging"),
    path("aging.csv", views.export_view("aging", "csv"), name="aging_csv"),
    path("aging.xlsx", views.export_view("aging", "xlsx"), name="aging_xlsx"),
]
