"""The test database as a URL, for subprocesses (workers, manage.py checks)."""

from urllib.parse import quote

from django.conf import settings


def subprocess_database_url() -> str:
    """postgresql://user[:password]@host[:port]/name — the host may be the embedded server's
    socket directory, so it is percent-encoded (dj-database-url decodes it back)."""
    db = settings.DATABASES["default"]
    auth = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else "")
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}@{host}{port}/{db['NAME']}"
