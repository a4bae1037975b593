from django.urls import reverse


def test_home_lists_villages_of_each_township(client, county):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Bostan" in response.content.decode()


def test_the_village_page_links_to_its_commitments(client, county, english):
    response = client.get(reverse("village", args=[county.village.code]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    link = reverse("meetings:commitments", args=[county.village.code])
    assert f'<a href="{link}">Commitments of Bostan</a>' in html
    assert reverse("meetings:commitments", args=[county.neighbour.code]) not in html
