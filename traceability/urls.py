from django.urls import path

from . import views

app_name = "traceability"

urlpatterns = [
    path("lots/<int:pk>/", views.TraceView.as_view(), name="trace"),
    path("lots/<int:pk>/recall/", views.RecallView.as_view(), name="recall"),
    path("lots/<int:pk>/recall.csv", views.RecallCsvView.as_view(), name="recall_csv"),
    path("lots/<int:pk>/unit-cost/", views.UnitCostCorrectionView.as_view(), name="unit_cost"),
    path("serials/", views.SerialSearchView.as_view(), name="serials"),
]
