"""The seed guide's sections as checklist steps: the guide's own text, when a step is done, where to look.

A step is done when the two systems are in its state (read from their state and events), never
because someone clicked. Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandbox.blogin.services.integration_state import BlogInState
from sandbox.jumpcloud.services.integration_state import ApplicationState, JumpCloudState

JUMPCLOUD_ADMIN = "jumpcloud-admin"
END_USER = "end-user"
BLOGIN_ADMIN = "blogin-admin"
BLOGIN_CATALOG_KEY = "blogin"


@dataclass(frozen=True)
class Observed:
    """Both systems' state at one moment, and where they are served."""

    jumpcloud: JumpCloudState
    blogin: BlogInState
    jumpcloud_url: str
    blogin_url: str

    @property
    def application(self) -> ApplicationState | None:
        """The BlogIn application configured in JumpCloud, if any."""
        return self.jumpcloud.application(BLOGIN_CATALOG_KEY)

    @property
    def jumpcloud_metadata_url(self) -> str | None:
        app = self.application
        return f"{self.jumpcloud_url}{app.metadata_path}" if app is not None else None


@dataclass(frozen=True)
class WalkthroughStep:
    """One checklist entry."""

    key: str
    section: str
    title: str
    # The guide's text for this step runs from ``start`` to the next ``end`` heading after it.
    start: str
    end: str | None
    persona: str
    done: Callable[[Observed], bool]
    # Where **Show me** goes: an absolute URL for the persona's browser.
    show_me: Callable[[Observed], str]

    @property
    def label(self) -> str:
        return self.title if self.title == self.section else f"{self.section} — {self.title}"


def _app_page(tab: str = "") -> Callable[[Observed], str]:
    def url(observed: Observed) -> str:
        app = observed.application
        if app is None:
            return f"{observed.jumpcloud_url}/applications"
        return f"{observed.jumpcloud_url}/applications/{app.id}{tab}"

    return url


def _blogin(path: str) -> Callable[[Observed], str]:
    return lambda observed: f"{observed.blogin_url}{path}"


def _jumpcloud(path: str) -> Callable[[Observed], str]:
    return lambda observed: f"{observed.jumpcloud_url}{path}"


def _created(observed: Observed) -> bool:
    return observed.application is not None


def _blogin_metadata_taken(observed: Observed) -> bool:
    # Downloading a file leaves no trace; BlogIn's SP metadata arriving in JumpCloud does.
    if observed.blogin.sso_enabled:
        return True
    app = observed.application
    return app is not None and app.sp_entity_id.rstrip("/") == observed.blogin_url.rstrip("/")


def _sp_metadata_uploaded(observed: Observed) -> bool:
    app = observed.application
    return app is not None and app.sp_configured


def _metadata_url_pasted(observed: Observed) -> bool:
    wanted = observed.jumpcloud_metadata_url
    return wanted is not None and observed.blogin.metadata_url.rstrip("/") == wanted.rstrip("/")


def _blogin_uses_jumpcloud(observed: Observed) -> bool:
    return (
        _metadata_url_pasted(observed)
        and observed.blogin.configuration_method == "metadata_url"
        and observed.blogin.idp_configured
    )


def _authorized(observed: Observed) -> bool:
    app = observed.application
    return app is not None and app.authorized_user_count > 0


def _idm_active(observed: Observed) -> bool:
    app = observed.application
    return app is not None and app.idm_status == "active"


def _removed(observed: Observed) -> bool:
    if "application_delete" in observed.jumpcloud.event_types:
        return True
    app = observed.application
    # Deactivated rather than deleted: SSO off, and no IdM connection left running.
    return app is not None and not app.sso_active and app.idm_status != "active"


STEPS: tuple[WalkthroughStep, ...] = (
    WalkthroughStep(
        "create",
        "Creating the application",
        "Creating the application",
        "Creating a new JumpCloud Application Integration",
        "Configuring the SSO Integration",
        JUMPCLOUD_ADMIN,
        _created,
        lambda o: _app_page()(o) if o.application else f"{o.jumpcloud_url}/applications/new",
    ),
    WalkthroughStep(
        "sso-blogin-1",
        "Configuring SSO",
        "BlogIn 1",
        "To configure BlogIn 1",
        "To configure JumpCloud",
        BLOGIN_ADMIN,
        _blogin_metadata_taken,
        _blogin("/settings/sso"),
    ),
    WalkthroughStep(
        "sso-jumpcloud",
        "Configuring SSO",
        "JumpCloud",
        "To configure JumpCloud",
        "Copy the metadata URL",
        JUMPCLOUD_ADMIN,
        _sp_metadata_uploaded,
        _app_page("/sso"),
    ),
    WalkthroughStep(
        "sso-copy-url",
        "Configuring SSO",
        "Copy the metadata URL",
        "Copy the metadata URL",
        "To configure BlogIn 2",
        JUMPCLOUD_ADMIN,
        _metadata_url_pasted,
        _app_page("/sso"),
    ),
    WalkthroughStep(
        "sso-blogin-2",
        "Configuring SSO",
        "BlogIn 2",
        "To configure BlogIn 2",
        "Authorizing User SSO Access",
        BLOGIN_ADMIN,
        _blogin_uses_jumpcloud,
        _blogin("/settings/sso"),
    ),
    WalkthroughStep(
        "authorize",
        "Authorizing user SSO access",
        "Authorizing user SSO access",
        "Authorizing User SSO Access",
        "Validating SSO user authentication workflow(s)",
        JUMPCLOUD_ADMIN,
        _authorized,
        _app_page("/groups"),
    ),
    WalkthroughStep(
        "validate-idp",
        "Validating",
        "IdP-initiated",
        "IdP-initiated user workflow",
        "SP-initiated user workflow",
        END_USER,
        lambda o: o.jumpcloud.idp_initiated_sign_ins > 0,
        _jumpcloud("/userconsole"),
    ),
    WalkthroughStep(
        "validate-sp",
        "Validating",
        "SP-initiated",
        "SP-initiated user workflow",
        "Using JIT Provisioning",
        END_USER,
        lambda o: o.jumpcloud.sp_initiated_sign_ins > 0,
        _blogin("/login"),
    ),
    WalkthroughStep(
        "jit",
        "Using JIT provisioning",
        "Using JIT provisioning",
        "Using JIT Provisioning",
        "Configuring the Identity Management Integration",
        END_USER,
        lambda o: o.blogin.users_by_source.get("JIT", 0) > 0,
        _blogin("/login"),
    ),
    WalkthroughStep(
        "idm-blogin",
        "Configuring Identity Management",
        "BlogIn",
        "To configure Blogin",
        "To configure JumpCloud",
        BLOGIN_ADMIN,
        lambda o: o.blogin.provisioning_enabled and o.blogin.token_issued,
        _blogin("/settings/sso/provisioning"),
    ),
    WalkthroughStep(
        "idm-jumpcloud",
        "Configuring Identity Management",
        "JumpCloud",
        "To configure JumpCloud",
        "Attribute Mappings",
        JUMPCLOUD_ADMIN,
        _idm_active,
        _app_page("/identity-management"),
    ),
    WalkthroughStep(
        "import",
        "Importing users",
        "Importing users",
        "Importing Users",
        "SCIM Directory Insights Events",
        JUMPCLOUD_ADMIN,
        lambda o: o.jumpcloud.imported_users > 0,
        _app_page("/identity-management"),
    ),
    WalkthroughStep(
        "remove",
        "Removing the integration",
        "Removing the integration",
        "Removing the Integration",
        None,
        JUMPCLOUD_ADMIN,
        _removed,
        _jumpcloud("/applications"),
    ),
)


def step_by_key(key: str) -> WalkthroughStep | None:
    return next((step for step in STEPS if step.key == key), None)


def guide_passages(guide: str, steps: tuple[WalkthroughStep, ...] = STEPS) -> dict[str, str]:
    """Each step's text cut from the guide: from its heading to the next step's end heading.

    Headings are searched in order, each after the previous step's, because the guide repeats some
    ("To configure JumpCloud" appears under both SSO and Identity Management).
    """
    lines = guide.splitlines()
    passages: dict[str, str] = {}
    cursor = 0
    for step in steps:
        start = _find(lines, step.start, cursor)
        if start is None:
            passages[step.key] = ""
            continue
        end = _find(lines, step.end, start + 1) if step.end else None
        stop = end if end is not None else len(lines)
        passages[step.key] = "\n".join(line for line in lines[start + 1 : stop]).strip()
        cursor = start + 1
    return passages


def _find(lines: list[str], heading: str, after: int) -> int | None:
    for index in range(after, len(lines)):
        if lines[index].strip() == heading:
            return index
    return None
