"""A URL under /api/ that no route matches (a malformed id) answers the API's JSON 404 body, not the
HTML page; pages keep theirs."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/lots/abc/", "/api/v1/usages/1x/", "/api/v1/no-such-thing/"])
def test_unmatched_api_url_is_a_json_404(api, viewer, path):
    response = api(viewer).get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "Not found.", "field": None, "errors": {}}


def test_pages_keep_the_html_404(viewer_client):
    response = viewer_client.get("/lots/abc/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
