"""Build the three shipped scenarios by driving a running sandbox over HTTP, as a person would.

    .venv/bin/python scripts/make_scenarios.py            # writes sandbox/scenarios/resources/*.sandbox

"Fresh": nothing configured. "SSO configured": the BlogIn application added and metadata exchanged
both ways, 5 users in 2 groups authorized. "Fully provisioned": Identity Management active, 50 users
in 5 groups synced to BlogIn, some sign-ins and provisioning events in the log.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sandbox.app import Sandbox
from sandbox.scenarios import FILE_SUFFIX, SHIPPED, save_scenario, shipped_scenario
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from sandbox.settings import DEFAULT_BLOGIN_PORT, DEFAULT_JUMPCLOUD_PORT, Settings

OUT = Path(__file__).resolve().parent.parent / "sandbox" / "scenarios" / "resources"

FIRST = ["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances"]
LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen"]
TEAMS = ["Writers", "Editors", "Engineering", "Marketing", "Support"]
TITLES = ["Writer", "Editor", "Engineer", "Marketer", "Support agent"]


def people(count: int) -> list[DirectoryUser]:
    result = []
    for index in range(count):
        first, last = FIRST[index % 10], LAST[(index // 10 + index) % 10]
        username = f"{first.lower()}.{last.lower()}{index // 10 or ''}"
        result.append(DirectoryUser(username, f"{username}@example.org", first, last, TITLES[index % 5]))
    return result


def fresh_sandbox(root: Path, name: str) -> Sandbox:
    # The default ports, so the files hold the URLs a default start uses; loading moves them anyway.
    settings = Settings(
        data_dir=root / name, jumpcloud_port=DEFAULT_JUMPCLOUD_PORT, blogin_port=DEFAULT_BLOGIN_PORT, reset=True
    )
    sandbox = Sandbox(settings)
    sandbox.start()
    return sandbox


def configure_sso(sandbox: Sandbox, users: int, groups: int) -> Rehearsal:
    rehearsal = Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url)
    rehearsal.sign_in_admins()
    rehearsal.create_blogin_application()
    rehearsal.configure_sso()
    ids = [rehearsal.create_user(person) for person in people(users)]
    group_ids = [rehearsal.create_group(TEAMS[g], ids[g::groups]) for g in range(groups)]
    rehearsal.authorize_groups(group_ids)
    return rehearsal


def wait_for_sync(sandbox: Sandbox, expected: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        synced = sum(1 for user in sandbox.blogin.user_directory() if user.source == "SCIM")
        if synced >= expected:
            return
        time.sleep(0.5)
    raise SystemExit(f"only {synced} of {expected} users reached BlogIn within {timeout:.0f} s")


def build(key: str, root: Path, out: Path) -> Path:
    scenario = shipped_scenario(key)
    assert scenario is not None
    sandbox = fresh_sandbox(root, key)
    try:
        if key == "sso-configured":
            configure_sso(sandbox, users=5, groups=2).close()
        elif key == "fully-provisioned":
            rehearsal = configure_sso(sandbox, users=50, groups=5)
            base_url, token = rehearsal.enable_blogin_provisioning()
            rehearsal.activate_identity_management(base_url, token)
            wait_for_sync(sandbox, 50)
            rehearsal.idp_initiated_sign_in(people(50)[0].username)
            rehearsal.sp_initiated_sign_in(people(50)[1].username)
            rehearsal.close()
        target = out / f"{key}{FILE_SUFFIX}"
        save_scenario(sandbox, target, title=scenario.title, description=scenario.description)
        return target
    finally:
        sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the files (default {OUT})")
    parser.add_argument("keys", nargs="*", default=[s.key for s in SHIPPED], help="which scenarios (default all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        for key in args.keys:
            started = time.monotonic()
            path = build(key, Path(root), args.out)
            print(f"{key}: {path} ({path.stat().st_size // 1024} KB, {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
