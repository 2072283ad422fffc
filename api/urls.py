from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import exports, views
from .docs import ApiDocsView
from .root import ApiRootView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False  # api.root lists every endpoint, not only the router's
router.register("offices", views.OfficeViewSet, basename="office")
router.register("line-item-codes", views.LineItemCodeViewSet, basename="lic")
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("lots", views.LotViewSet, basename="lot")
router.register("usages", views.UsageViewSet, basename="usage")

# Each app adds its endpoints in <app>/api.py as ``urlpatterns`` (routed under /api/v1/).
# Fixed paths go before the router: its lot detail route with a format suffix (lots/<pk>.<format>)
# would otherwise take lots/export.csv.
v1 = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("adjustments/", views.AdjustmentListCreateView.as_view(), name="adjustment-list"),
    path("adjustments/<int:pk>/", views.AdjustmentDetailView.as_view(), name="adjustment-detail"),
    path("lock-date/", views.LockDateView.as_view(), name="lock-date"),
    path("lots/export.csv", exports.LotExportCsvView.as_view(), name="lot-export-csv"),
    path("lots/export.xlsx", exports.LotExportXlsxView.as_view(), name="lot-export-xlsx"),
    path("", include("purchasing.api")),
    path("", include("orders.api")),
    path("", include("production.api")),
    path("", include("cogs.api")),
    path("", include("traceability.api")),
    path("", include("reports.api")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),  # no inline JS (CSP); 401: a login link
]
