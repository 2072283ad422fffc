"""The DRF plumbing every app's API shares (docs/architecture.md "Layout"): serializer fields
(``fields``), the error body and exception handler (``errors``), the cursor pagination
(``pagination``), role permissions (``permissions``), the base of file downloads (``exports``),
the master-data serializer and viewset (``master_data``) and the router (``routers``). Here in
``core`` so an app's ``api.py`` imports only ``core`` and the apps below it; settings name the
handler, pagination and permission classes from here."""
