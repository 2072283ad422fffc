from django.urls import path

from . import views

app_name = "inventory_lots"

urlpatterns = [
    path("lots/", views.LotListView.as_view(), name="lot_list"),
    path("lots/<int:pk>/", views.LotDetailView.as_view(), name="lot_detail"),
    path("usage/", views.UsageListView.as_view(), name="usage_list"),
    path("usage/<int:pk>/", views.UsageDetailView.as_view(), name="usage_detail"),
    path("adjustments/new/", views.AdjustmentCreateView.as_view(), name="adjustment_create"),
    path("adjustments/<int:pk>/", views.AdjustmentDetailView.as_view(), name="adjustment_detail"),
    path("adjustments/<int:pk>/reverse/", views.AdjustmentReverseView.as_view(), name="adjustment_reverse"),
    path("lock-date/", views.LockDateView.as_view(), name="lock_date"),
    path("counts/new/", views.CountSheetView.as_view(), name="count_sheet"),
]
