from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportListView.as_view(), name="import_list"),
    path("<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("<int:pk>/commit/", views.CommitView.as_view(), name="batch_commit"),
    path("<int:pk>/reverse/", views.ReverseView.as_view(), name="batch_reverse"),
    path("<int:pk>/errors/", views.ErrorsDownloadView.as_view(), name="batch_errors"),
    path("templates/<str:kind>.<str:fmt>", views.TemplateDownloadView.as_view(), name="template"),
]
