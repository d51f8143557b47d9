"""The mock BlogIn's Flask app: admin console, sign-in, SAML SP and SCIM server."""

from __future__ import annotations

import logging
import secrets

from flask import Flask

from sandbox.blogin.system import BlogIn
from sandbox.blogin.web.display import register_display_filters
from sandbox.form_parsing import install_form_parsing
from sandbox.url_rules import LazyBuilderRule
from sandbox.webcommon import (
    install_cookie_sessions,
    install_db_session,
    install_static_urls,
    register_health,
    register_html_errors,
)

log = logging.getLogger("sandbox.blogin.web")


def create_app(system: BlogIn, test_config: dict[str, object] | None = None) -> Flask:
    """Build the Flask app that serves ``system``."""
    app = Flask(__name__)
    app.url_rule_class = LazyBuilderRule
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_NAME="blogin_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["blogin"] = system
    install_cookie_sessions(app)
    install_form_parsing(app)
    install_static_urls(app)
    install_db_session(app, system.database, log)
    register_health(app, system.name)
    register_cross_site_check(app)
    register_blueprints(app)
    register_html_errors(app, log)
    register_refused_values(app)
    register_context(app)
    register_display_filters(app)
    return app


def register_blueprints(app: Flask) -> None:
    from sandbox.blogin.scim.service import mount as mount_scim
    from sandbox.blogin.web import auth, home, people, provisioning, settings, sso

    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(provisioning.bp)
    app.register_blueprint(people.bp)
    # In front of the console: SCIM requests never reach Flask.
    mount_scim(app)


def register_cross_site_check(app: Flask) -> None:
    from sandbox.blogin.web.context import refuse_cross_site

    app.before_request(refuse_cross_site)


def register_refused_values(app: Flask) -> None:
    """A value the database cannot take in a statement (on PostgreSQL, a NUL character typed or pasted into a
    field) is the visitor's input, not a fault: a 400 page saying so, nothing changed, nothing kept."""
    from flask import render_template
    from sqlalchemy.exc import DataError

    @app.errorhandler(DataError)
    def refused_value(error: DataError) -> tuple[str, int]:
        log.info("a value was refused by the database: %s", error.orig)
        return (
            render_template(
                "error.html",
                code=400,
                title="That value cannot be used",
                message="Something you entered contains a character BlogIn cannot store (such as a NUL character) "
                "or is far longer than the field allows. Go back, correct it and try again.",
            ),
            400,
        )


def register_context(app: Flask) -> None:
    from sandbox.blogin.web.context import signed_in

    @app.context_processor
    def console_context() -> dict[str, object]:
        return {"current_user": signed_in(), "system_base_url": app.extensions["blogin"].base_url}
