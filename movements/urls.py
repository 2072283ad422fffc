from django.urls import path

from . import views

app_name = "movements"

urlpatterns = [
    path("inventory-transactions/", views.InventoryTransactionsView.as_view(), name="inventory_transactions"),
    path("inventory-transactions.csv", views.inventory_transactions_csv, name="inventory_transactions_csv"),
]
