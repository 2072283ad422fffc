from django.urls import path

from . import views

app_name = "purchasing"

urlpatterns = [
    path("", views.POListView.as_view(), name="po_list"),
    path("po/new/", views.POCreateView.as_view(), name="po_create"),
    path("po/<int:pk>/", views.PODetailView.as_view(), name="po_detail"),
    path("po/<int:pk>/print/", views.POPrintView.as_view(), name="po_print"),
    path("po/<int:pk>/receive/", views.ReceiveView.as_view(), name="po_receive"),
    path("po/<int:pk>/invoice/", views.InvoiceCreateView.as_view(), name="po_invoice"),
    path("po/<int:pk>/close/", views.CloseView.as_view(), name="po_close"),
    path("receipts/<int:pk>/", views.ReceiptDetailView.as_view(), name="receipt_detail"),
    path("receipts/<int:pk>/print/", views.ReceiptPrintView.as_view(), name="receipt_print"),
    path("receipts/<int:pk>/reverse/", views.ReverseReceiptView.as_view(), name="receipt_reverse"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("accrued/", views.AccruedReportView.as_view(), name="accrued_report"),
    path("accrued.csv", views.accrued_report_csv, name="accrued_report_csv"),
]
