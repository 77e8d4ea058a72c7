"""LAN security: login, roles, CSRF, cross-site guard, headers, rate limit, no secrets anywhere."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import pytest

from adapter.config import Settings
from adapter.web import auth
from tests.fixtures_app import LAN_ADDR, login

PUBLIC = {"static", "auth.login", "auth.logout", "bookmark.run", "bookmark.progress"}
ADMIN_ONLY_PREFIXES = ("settings.", "users.", "tokens.")
SECRET_PASSWORD = "Tajne-Heslo-mServeru-42"
SECRET_SHOP = "cs_tajny_klic_obchodu_77"
SECRET_PULL = "pull-heslo-pohody-99"
USER_PASSWORDS = ("heslo-spravce-1", "heslo-obsluhy-1")


@pytest.fixture
def app_settings(data_dir):
    base = Settings(data_dir=data_dir)
    return replace(
        base,
        pohoda=replace(base.pohoda, url="http://127.0.0.1:1", user="admin", password=SECRET_PASSWORD, ico="12345678",
                       pull_user="pohoda", pull_password=SECRET_PULL),
        eshop=replace(base.eshop, url="http://127.0.0.1:1", consumer_key="ck_abc", consumer_secret=SECRET_SHOP),
    )


def url_for_rule(rule) -> str:
    """A concrete URL for a rule (dummy values for its arguments)."""
    values = {"agenda": "stock", "mode": "sync", "run_id": 1, "entry_id": 1, "user_id": 1, "token_id": 1,
              "name": "connections", "side": "pohoda", "sig": "x", "what": "sent.xml", "filename": "app.css"}
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(values.get(arg, "1")), url)
        url = re.sub(rf"<any\([^)]*\):{arg}>", str(values.get(arg, "1")), url)
    return url


def app_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC]


def test_every_route_needs_a_login_from_the_lan(app, lan_client, users):
    checked = 0
    for rule in app_rules(app):
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = lan_client.open(url_for_rule(rule), method=method)
            assert response.status_code in (302, 401), (rule.rule, method, response.status_code)
            if response.status_code == 302:
                assert "/auth/login" in response.headers["Location"], rule.rule
            checked += 1
    assert checked > 20


def test_exempt_endpoints_are_marked_public(app):
    for endpoint in PUBLIC - {"static"}:
        assert auth.is_public(app.view_functions[endpoint]), endpoint
    assert not auth.is_public(app.view_functions["dashboard.index"])


def test_htmx_request_without_login_gets_hx_redirect(lan_client, users):
    response = lan_client.get("/jobs/1", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/auth/login")


def test_script_without_login_gets_401(lan_client, users):
    assert lan_client.get("/runs/", headers={"Accept": "application/json"}).status_code == 401


def test_loopback_without_users_is_usable_and_recommends_an_admin(client):
    html = client.get("/").get_data(as_text=True)
    assert "vytvořte účet správce" in html
    assert client.get("/settings/connections").status_code == 200


def test_first_admin_is_created_from_loopback(client, lan_client):
    response = client.post("/users/", data={"username": "prvni", "password": "dlouhe-heslo", "password2": "dlouhe-heslo",
                                            "role": "staff"})
    assert response.status_code == 302
    html = client.get("/users/").get_data(as_text=True)
    assert "prvni" in html and "Správce" in html  # the first account is always an admin
    assert login(lan_client, "prvni", "dlouhe-heslo").status_code == 302
    assert lan_client.get("/settings/connections").status_code == 200


def test_login_on_loopback_when_asked(app, client, users):
    assert client.get("/").status_code == 200
    app.extensions["adapter"].store.save({"app": {"login_on_loopback": True}})
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(client, *users["staff"])
    assert client.get("/").status_code == 200


def test_login_and_logout_from_the_lan(lan_client, admin_login):
    admin_login(lan_client)
    assert lan_client.get("/").status_code == 200
    assert lan_client.post("/auth/logout").status_code == 302
    assert lan_client.get("/").status_code == 302


def test_login_redirects_to_next_but_never_off_site(lan_client, users):
    response = lan_client.post("/auth/login?next=/runs/", data={"username": "spravce", "password": USER_PASSWORDS[0]})
    assert response.headers["Location"] == "/runs/"
    response = lan_client.post("/auth/login?next=//evil.example/", data={"username": "spravce", "password": USER_PASSWORDS[0]})
    assert response.headers["Location"] == "/"


def test_wrong_password_and_rate_limit(lan_client, users):
    for _ in range(10):
        assert login(lan_client, "spravce", "spatne").status_code in (401, 429)
    blocked = login(lan_client, "spravce", USER_PASSWORDS[0])
    assert blocked.status_code == 429
    assert "Příliš mnoho neúspěšných pokusů" in blocked.get_data(as_text=True)


def test_blocked_user_loses_access_at_once(app, client, lan_client, staff_login):
    from adapter import ledger

    staff_login(lan_client)
    assert lan_client.get("/").status_code == 200
    staff = ledger.User.get(ledger.User.username == "obsluha")
    assert client.post(f"/users/{staff.id}/active", data={"active": "0"}).status_code == 302
    assert lan_client.get("/").status_code == 302


def test_staff_cannot_reach_admin_pages(app, lan_client, staff_login):
    staff_login(lan_client)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(ADMIN_ONLY_PREFIXES):
            for method in sorted(rule.methods & {"GET", "POST"}):
                assert lan_client.open(url_for_rule(rule), method=method).status_code == 403, rule.rule
    html = lan_client.get("/").get_data(as_text=True)
    assert "Nastavení" not in html and "Synchronizovat" in html
    assert lan_client.post("/jobs/products/start/sync", headers={"HX-Request": "true"}).status_code == 200
    app.extensions["adapter"].runner.wait("products", 10)


def test_admin_reaches_admin_pages(lan_client, admin_login):
    admin_login(lan_client)
    for url in ("/settings/connections", "/users/", "/tokens/"):
        assert lan_client.get(url).status_code == 200


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/jobs/products/start/sync", csrf=False)
    assert response.status_code == 400
    assert "Formulář vypršel" in response.get_data(as_text=True)
    response = client.post("/settings/connections", data={"pohoda.ico": "12345678"}, csrf=False)
    assert response.status_code == 400


def test_csrf_token_in_form_field_is_accepted(client):
    token = client.csrf_token()
    response = client.post("/users/", data={"csrf_token": token, "username": "x", "password": "", "password2": ""},
                           csrf=False)
    assert response.status_code == 302


@pytest.mark.parametrize(("site", "refused"), [("cross-site", True), ("same-site", True), ("same-origin", False), ("none", False)])
def test_cross_site_posts_are_refused(app, client, site, refused):
    response = client.post("/jobs/products/start/sync", headers={"Sec-Fetch-Site": site, "HX-Request": "true"})
    assert (response.status_code == 403) is refused
    app.extensions["adapter"].runner.wait("products", 10)


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    static.close()
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html and "style=" not in html
    assert '"includeIndicatorStyles": false' in html


def test_session_cookie_flags(lan_client, users):
    response = login(lan_client, "spravce", USER_PASSWORDS[0])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_upload_size_limit(app, client):
    app.extensions["adapter"].store.save({"payments": {"max_upload_mb": 1}})
    response = client.post("/auth/login", data={"username": "x", "password": "y" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "příliš velký" in response.get_data(as_text=True)


def test_is_loopback():
    assert auth.is_loopback("127.0.0.1") and auth.is_loopback("127.8.9.1") and auth.is_loopback("::1")
    assert auth.is_loopback("::ffff:127.0.0.1")
    assert not auth.is_loopback(LAN_ADDR) and not auth.is_loopback("0.0.0.0") and not auth.is_loopback(None)  # noqa: S104
    assert not auth.is_loopback("nesmysl")


def test_no_secret_in_any_page_or_log(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [SECRET_PASSWORD, SECRET_SHOP, SECRET_PULL, *USER_PASSWORDS]
    client.post("/users/", data={"username": "spravce", "password": USER_PASSWORDS[0], "password2": USER_PASSWORDS[0]})
    login(client, "nikdo", USER_PASSWORDS[1])
    client.post("/tokens/", data={"name": "plánovač"})
    client.post("/settings/test/pohoda", headers={"HX-Request": "true"})
    client.post("/settings/test/eshop", headers={"HX-Request": "true"})
    client.post("/jobs/orders/start/sync", headers={"HX-Request": "true"})
    app.extensions["adapter"].runner.wait("orders", 10)
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint not in ("static", "bookmark.run", "bookmark.progress"):
            pages.append(client.get(url_for_rule(rule)))
    for name in ("connections", "orders", "stock", "other"):
        pages.append(client.get(f"/settings/{name}"))
    texts = [p.get_data(as_text=True) for p in pages]
    for secret in secrets:
        assert not any(secret in t for t in texts), secret
        assert secret not in caplog.text, secret
