from django.urls import path

from . import views

app_name = "cogs"

urlpatterns = [
    path("runs/", views.RunListView.as_view(), name="run_list"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run_progress"),
    path("runs/<int:pk>/entries.csv", views.RunEntriesCsvView.as_view(), name="run_entries_csv"),
    path("unallocated/", views.UnallocatedView.as_view(), name="unallocated"),
]
