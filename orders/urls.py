from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="order_list"),
    path("new/", views.OrderCreateView.as_view(), name="order_create"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("<int:pk>/ship/", views.ShipmentCreateView.as_view(), name="shipment_create"),
    path("<int:pk>/return/", views.ReturnCreateView.as_view(), name="return_create"),
    path("<int:pk>/close/", views.OrderCloseView.as_view(), name="order_close"),
    path("<int:pk>/reopen/", views.OrderReopenView.as_view(), name="order_reopen"),
    path("shipments/<int:pk>/", views.ShipmentDetailView.as_view(), name="shipment_detail"),
    path("shipments/<int:pk>/print/", views.ShipmentPrintView.as_view(), name="shipment_print"),
    path("returns/<int:pk>/", views.ReturnDetailView.as_view(), name="return_detail"),
    path("shipments/<int:pk>/reverse/", views.ShipmentReverseView.as_view(), name="shipment_reverse"),
    path("returns/<int:pk>/reverse/", views.ReturnReverseView.as_view(), name="return_reverse"),
]
