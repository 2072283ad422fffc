from django.urls import path

from . import views

app_name = "transfers"

urlpatterns = [
    path("transfers/<int:pk>/", views.TransferDetailView.as_view(), name="transfer_detail"),
]
