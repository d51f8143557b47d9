"""The mock JumpCloud's Flask app: Admin Portal, User Console, SAML IdP and APIs."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, Request

from sandbox.form_parsing import install_form_parsing
from sandbox.jumpcloud.system import JumpCloud
from sandbox.url_rules import LazyBuilderRule
from sandbox.webcommon import (
    install_cookie_sessions,
    install_db_session,
    install_static_urls,
    register_health,
    register_html_errors,
)

log = logging.getLogger("sandbox.jumpcloud.web")


def create_app(system: JumpCloud, test_config: dict[str, object] | None = None) -> Flask:
    """Build the Flask app that serves ``system``."""
    app = Flask(__name__)
    app.url_rule_class = LazyBuilderRule
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_NAME="jumpcloud_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["jumpcloud"] = system
    install_cookie_sessions(app)
    install_form_parsing(app)
    install_static_urls(app)
    install_db_session(app, system.database, log)
    register_health(app, system.name)
    register_blueprints(app)
    register_html_errors(app, log, template_for=error_template)
    register_context(app)
    return app


# Pages an end user sees: the User Console and the SAML IdP's addresses, which applications send users to.
_END_USER_PATHS = ("/userconsole", "/saml2")


def error_template(request: Request) -> str:
    """The User Console's error page for the addresses end users open; the Admin Portal's for the others
    (an end user has no admin access, so the portal's navigation would lead nowhere)."""
    path = request.path
    for prefix in _END_USER_PATHS:
        if path == prefix or path.startswith(f"{prefix}/"):
            return "userconsole/error.html"
    return "error.html"


def register_context(app: Flask) -> None:
    from sandbox.jumpcloud.web.context import current_admin

    @app.context_processor
    def portal_context() -> dict[str, object]:
        return {"current_admin": current_admin(), "system_base_url": system_base_url(app)}


def system_base_url(app: Flask) -> str:
    return str(app.extensions["jumpcloud"].base_url)


def register_blueprints(app: Flask) -> None:
    from sandbox.jumpcloud.web import api_insights, api_v1, api_v2, auth, groups, insights, portal, settings, users

    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(groups.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(insights.bp)
    app.register_blueprint(api_v1.bp)
    app.register_blueprint(api_v2.bp)
    app.register_blueprint(api_insights.bp)

    from sandbox.jumpcloud.web import application_panel, applications, idp, userconsole

    app.register_blueprint(applications.bp)
    app.register_blueprint(application_panel.bp)
    app.register_blueprint(idp.bp)
    app.register_blueprint(userconsole.bp)

    from sandbox.jumpcloud.web import identity_management, mailbox

    app.register_blueprint(identity_management.bp)
    app.register_blueprint(mailbox.bp)
