"""Issue 15: security headers on the HTML pages, a Secure session cookie over HTTPS, one charset."""

from __future__ import annotations

import pytest


def test_review_pages_forbid_framing_sniffing_and_foreign_scripts(client):
    response = client.get("/review/login")
    assert response.status_code == 200
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'self'" in csp
    assert client.get("/v1/health").headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_secure_over_https_only(app):
    plain = [c for c in app.test_client().get("/review/login").headers.getlist("Set-Cookie")
             if c.startswith("session=")]
    secure = [c for c in app.test_client().get("/review/login", base_url="https://localhost").headers
              .getlist("Set-Cookie") if c.startswith("session=")]
    assert plain and secure
    assert all("; Secure" not in c for c in plain)
    assert all("; Secure" in c for c in secure)


@pytest.fixture
def config_overrides():
    return {"PROXY_FIX": 1}


def test_behind_a_proxy_the_forwarded_scheme_counts(client):
    response = client.get("/review/login", headers={"X-Forwarded-Proto": "https"})
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies and all("; Secure" in c for c in cookies)


def test_one_charset_in_content_type(app):
    @app.get("/_charset")
    def _charset():
        from flask import Response

        return Response("x", mimetype="text/plain; charset=utf-8")

    response = app.test_client().get("/_charset")
    assert response.headers["Content-Type"].lower().count("charset") == 1
