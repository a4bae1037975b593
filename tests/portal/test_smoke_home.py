from django.urls import reverse


def test_home_lists_villages_of_each_township(client, county):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Bostan" in response.content.decode()
