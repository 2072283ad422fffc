from tests.conftest import adjust_in


def test_pages_render_for_viewer(viewer_client, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10")
    for url in ["/", "/lots/", f"/lots/{lot.pk}/", "/usage/", "/lots/?status=open&lic=WIDGET"]:
        response = viewer_client.get(url)
        assert response.status_code == 200, url
    response = viewer_client.get(f"/lots/{lot.pk}/")
    assert b"General Info" in response.content and b"Current Inventory" in response.content


def test_api_lot_detail(api, viewer, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="10")
    response = api(viewer).get(f"/api/v1/lots/{lot.pk}/")
    assert response.status_code == 200, response.content
    assert response.json()["sections"]["current"]["in_value"] == "50.00"
    assert api(viewer).get("/api/v1/lots/?lic=WIDGET").json()["results"][0]["id"] == lot.pk
