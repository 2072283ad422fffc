import pytest
from django.core.management import CommandError, call_command


def test_api_token_prints_a_working_token(viewer, office, capsys):
    call_command("api_token", viewer.username)
    key = capsys.readouterr().out.strip()
    assert len(key) == 40
    call_command("api_token", viewer.username)
    assert capsys.readouterr().out.strip() == key  # stable until rotated
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/offices/")
    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "HQ"
    call_command("api_token", viewer.username, "--rotate")
    assert capsys.readouterr().out.strip() != key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/offices/").status_code == 401


def test_api_token_unknown_user_is_a_command_error(db):
    with pytest.raises(CommandError, match="No user named"):
        call_command("api_token", "nobody")
