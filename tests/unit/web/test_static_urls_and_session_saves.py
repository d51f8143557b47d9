"""Static URLs in templates are the ones Flask builds, and a session with nothing to write sets no cookie
but still varies on it, as Flask's session interface does."""

from __future__ import annotations

from flask import Flask, render_template_string, session

from sandbox.webcommon import install_cookie_sessions, install_static_urls


def _app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test"
    install_cookie_sessions(app)
    install_static_urls(app)

    @app.get("/page/<name>")
    def page(name: str) -> str:
        return render_template_string(
            "{{ url_for('static', filename='site.css') }}|{{ url_for('static', filename=name) }}|"
            "{{ url_for('page', name=name) }}|{{ url_for('static', filename='site.css', _external=True) }}",
            name=name,
        )

    @app.get("/set")
    def set_value() -> str:
        session["who"] = "ada"
        return "set"

    @app.get("/read")
    def read_value() -> str:
        return str(session.get("who"))

    @app.get("/untouched")
    def untouched() -> str:
        return "untouched"

    @app.get("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.get("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["who"] = "ada"
        return "permanent"

    return app


def test_static_urls_are_flasks_own_for_each_script_root_and_other_urls_are_untouched() -> None:
    client = _app().test_client()
    first = client.get("/page/a%20b.svg").text
    again = client.get("/page/a%20b.svg").text
    mounted = client.get("/page/logo.svg", base_url="http://localhost/sandbox/").text
    assert first == again == "/static/site.css|/static/a%20b.svg|/page/a%20b.svg|http://localhost/static/site.css"
    assert mounted == (
        "/sandbox/static/site.css|/sandbox/static/logo.svg|/sandbox/page/logo.svg|"
        "http://localhost/sandbox/static/site.css"
    )


def test_a_session_with_nothing_to_write_sets_no_cookie_but_varies_when_read() -> None:
    client = _app().test_client()
    assert client.get("/set").headers.get("Set-Cookie", "").startswith("session=")
    read = client.get("/read")
    assert read.text == "ada"
    assert "Set-Cookie" not in read.headers
    assert read.headers.get("Vary") == "Cookie"
    untouched = client.get("/untouched")
    assert "Set-Cookie" not in untouched.headers and "Vary" not in untouched.headers
    cleared = client.get("/clear")
    assert "session=;" in cleared.headers.get("Set-Cookie", "")  # the cookie is removed
    assert client.get("/read").text == "None"


def test_a_permanent_session_is_written_again_on_every_request_when_flask_says_so() -> None:
    client = _app().test_client()
    client.get("/permanent")
    assert client.get("/read").headers.get("Set-Cookie", "").startswith("session=")
