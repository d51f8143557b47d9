"""Settings › User Authentication › Configure SSO & User provisioning › User Provisioning; Test faults."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from sandbox.blogin.models.provisioning import FAULT_ENDPOINTS, FAULT_STATUSES
from sandbox.blogin.scim import PREFIX
from sandbox.blogin.scim.api import gate
from sandbox.blogin.scim.faults import all_faults, clear_faults, describe, save_fault
from sandbox.blogin.scim.settings import provisioning_settings, regenerate_token, save_status
from sandbox.blogin.web.context import admin_required, current_user, signed_in, system
from sandbox.webcommon import db

bp = Blueprint("provisioning", __name__, url_prefix="/settings")


def _actor() -> str:
    user = current_user()
    return user.user_name if user else ""


@bp.get("/sso/provisioning")
@admin_required
def show() -> str:
    settings = provisioning_settings(db())
    return render_template("settings/provisioning.html", settings=settings, base_url=f"{system().base_url}{PREFIX}")


@bp.post("/sso/provisioning")
@admin_required
def save() -> Response:
    first = provisioning_settings(db()).token is None
    settings = save_status(db(), request.form.get("enabled") == "on", actor=_actor())
    state = "On" if settings.enabled else "Off"
    if first:
        flash(f"Saved. User provisioning is {state}; your Secret (Bearer) token has been generated.", "success")
    else:
        flash(f"Saved. User provisioning is {state}.", "success")
    return redirect(url_for("provisioning.show"))


@bp.post("/sso/provisioning/regenerate")
@admin_required
def regenerate() -> Response:
    regenerate_token(db(), actor=_actor())
    flash(
        "A new Secret (Bearer) token was generated. The old token no longer works: update it in JumpCloud.", "success"
    )
    return redirect(url_for("provisioning.show"))


@bp.get("/test-faults")
@admin_required
def faults() -> str:
    return render_template(
        "settings/test_faults.html",
        faults=all_faults(db()),
        statuses=FAULT_STATUSES,
        describe=describe,
        errors={},
        typed={},
    )


def _number(name: str, errors: dict[str, str], *, upper: int) -> int:
    raw = request.form.get(name, "").strip() or "0"
    try:
        value = int(raw)
    except ValueError:
        errors[name] = "Enter a whole number."
        return 0
    if not 0 <= value <= upper:
        errors[name] = f"Enter a number from 0 to {upper:,}."
    return value


@bp.post("/test-faults")
@admin_required
def save_faults() -> Response | tuple[str, int]:
    if request.form.get("action") == "clear":
        clear_faults(db(), actor=_actor())
        flash("All test faults are off. The SCIM API answers normally.", "success")
        return redirect(url_for("provisioning.faults"))
    errors: dict[str, str] = {}
    wanted = []
    for endpoint in FAULT_ENDPOINTS:
        latency = _number(f"{endpoint}-latency", errors, upper=60_000)
        raw_status = request.form.get(f"{endpoint}-status", "")
        status = None
        if raw_status:
            status = int(raw_status) if raw_status.isdecimal() and len(raw_status) == 3 else None
            status = status if status in FAULT_STATUSES else None
            if status is None:
                errors[f"{endpoint}-status"] = "Choose one of the listed statuses."
        nth = _number(f"{endpoint}-nth", errors, upper=1_000_000)
        retry = _number(f"{endpoint}-retry", errors, upper=3600)
        wanted.append((endpoint, latency, status, nth, retry))
    if errors:
        page = render_template(
            "settings/test_faults.html",
            faults=all_faults(db()),
            statuses=FAULT_STATUSES,
            describe=describe,
            errors=errors,
            # What was typed stays in the form to correct, not the saved values (nothing was saved).
            typed=request.form,
        )
        return page, 400
    for endpoint, latency, status, nth, retry in wanted:
        save_fault(db(), endpoint, latency_ms=latency, status=status, only_nth=nth, retry_after_s=retry, actor=_actor())
    flash("Test faults saved. They apply to the next SCIM request.", "success")
    return redirect(url_for("provisioning.faults"))


@bp.app_context_processor
def fault_banner() -> dict[str, object]:
    """``scim_faults_on`` for the console's banner while any test fault is switched on."""
    user = signed_in() if request.endpoint and request.endpoint != "static" else None
    # The SCIM gate keeps which endpoints have a fault in memory (forgotten when a fault is saved).
    return {"scim_faults_on": bool(user and user.is_admin and gate().state(db()).faulty)}
