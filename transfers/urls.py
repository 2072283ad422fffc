from django.urls import path

from . import views

app_name = "transfers"

urlpatterns = [
    path("transfers/new/", views.TransferCreateView.as_view(), name="transfer_create"),
    path("transfers/<int:pk>/", views.TransferDetailView.as_view(), name="transfer_detail"),
    path("transfers/<int:pk>/reverse/", views.TransferReverseView.as_view(), name="transfer_reverse"),
]
