from django.urls import path

from . import views

app_name = "production"

urlpatterns = [
    path("", views.ProductionOrderListView.as_view(), name="production_order_list"),
    path("new/", views.ProductionOrderCreateView.as_view(), name="production_order_create"),
    path("<int:pk>/", views.ProductionOrderDetailView.as_view(), name="production_order_detail"),
    path("<int:pk>/issue/", views.IssueComponentsView.as_view(), name="issue_components"),
    path("<int:pk>/job-costs/new/", views.JobCostCreateView.as_view(), name="job_cost_create"),
    path("<int:pk>/produce/", views.ProduceView.as_view(), name="produce"),
    path("<int:pk>/release/", views.ReleaseView.as_view(), name="release"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("job-costs/<int:pk>/", views.JobCostDetailView.as_view(), name="job_cost_detail"),
    path("job-costs/<int:pk>/reverse/", views.JobCostReverseView.as_view(), name="job_cost_reverse"),
]
