"""Conformance: drive the emulator with the official Python SDK (boltz-api 0.50.0).

Run against a running emulator:
    BOLTZ_BASE_URL=http://127.0.0.1:PORT BOLTZ_API_KEY=sk_bc_admin_... python official_sdk.py

Every check asserts; the script exits non-zero on the first failure.
"""

import os
import sys
from datetime import datetime, timezone

import boltz_api
from boltz_api import AuthenticationError, Boltz, NotFoundError, PermissionDeniedError

BASE_URL = os.environ["BOLTZ_BASE_URL"]
ADMIN_KEY = os.environ["BOLTZ_API_KEY"]


def client(key: str) -> Boltz:
    return Boltz(api_key=key, base_url=BASE_URL, max_retries=0)


def main() -> int:
    assert boltz_api.__version__ == "0.50.0", boltz_api.__version__
    admin = client(ADMIN_KEY)

    # Create: the secret is returned once and its first 12 characters are the prefix.
    created = admin.admin.api_keys.create(name="conformance", allowed_ips=["127.0.0.1"], mode="test")
    assert created.key.startswith("sk_bc_ws_test_"), created.key[:14]
    details = created.key_details
    assert details.key_prefix == created.key[:12]
    assert details.key_type == "workspace"
    assert details.livemode is False, "a mode=test key is not live"
    assert details.is_active is True
    assert details.allowed_ips == ["127.0.0.1"]
    assert details.workspace_id

    # List with the SDK's auto-pagination across at least three pages.
    for i in range(5):
        admin.admin.api_keys.create(name=f"page-filler-{i}")
    pages = 0
    page = admin.admin.api_keys.list(limit=2)
    seen = []
    while True:
        pages += 1
        seen.extend(key.id for key in page.data)
        if not page.has_next_page():
            break
        page = page.get_next_page()
    assert pages >= 3, pages
    auto = [key.id for key in admin.admin.api_keys.list(limit=2)]
    assert auto == seen, (auto, seen)
    assert len(set(auto)) == len(auto)
    assert details.id in auto

    # The new key works for itself, then revoke it; revoking again is idempotent.
    me = client(created.key).auth.me()
    assert me.principal_type == "api_key" and me.api_key_id == details.id and me.mode == "test"
    revoked = admin.admin.api_keys.revoke(details.id)
    assert revoked.id == details.id and revoked.is_active is False
    again = admin.admin.api_keys.revoke(details.id)
    assert again.is_active is False

    # The revoked key raises AuthenticationError.
    try:
        client(created.key).auth.me()
    except AuthenticationError as err:
        assert err.status_code == 401
    else:
        raise AssertionError("a revoked key was accepted")

    # An unknown id raises NotFoundError.
    try:
        admin.admin.api_keys.revoke("key_does_not_exist")
    except NotFoundError as err:
        assert err.status_code == 404
    else:
        raise AssertionError("revoking an unknown id succeeded")

    # A workspace key on an admin endpoint raises PermissionDeniedError.
    workspace = admin.admin.api_keys.create(name="workspace-only")
    try:
        client(workspace.key).admin.api_keys.list()
    except PermissionDeniedError as err:
        assert err.status_code == 403
    else:
        raise AssertionError("a workspace key listed admin keys")

    workspace_count = check_workspaces(admin)
    bucket_count = check_usage(admin)
    check_auth_me(admin)

    print(
        f"official SDK conformance: ok ({pages} key pages, {len(auto)} keys, "
        f"{workspace_count} workspaces, {bucket_count} usage buckets)"
    )
    return 0


def check_workspaces(admin: Boltz) -> int:
    created = [
        admin.admin.workspaces.create(name=f"conf-{i}", data_retention={"unit": "hours", "value": 48})
        for i in range(5)
    ]
    first = created[0]
    assert first.name == "conf-0" and first.archived_at is None and first.is_default is False
    assert first.data_retention.unit == "hours" and first.data_retention.value == 48
    assert admin.admin.workspaces.retrieve(first.id).id == first.id

    # Auto-pagination over pages of two, with the name prefix filter.
    listed = [ws.id for ws in admin.admin.workspaces.list(name="CONF-", limit=2)]
    assert listed == [ws.id for ws in created], listed

    renamed = admin.admin.workspaces.update(first.id, name="renamed")
    assert renamed.name == "renamed"
    cleared = admin.admin.workspaces.update(first.id, name=None)
    assert cleared.name is None, "an explicit null clears the name"

    # Spending limits: none at first, a limit below accrued usage is refused, then set.
    assert admin.admin.workspaces.retrieve_spending_limit(first.id) is None
    try:
        admin.admin.workspaces.set_spending_limit(
            first.id, limit={"amount": 1, "currency": "MILLI_USD"}, type="lifetime"
        )
    except boltz_api.BadRequestError as err:
        assert err.status_code == 400
    else:
        raise AssertionError("a limit below accrued usage was accepted")
    limit = admin.admin.workspaces.set_spending_limit(
        first.id, limit={"amount": 50_000, "currency": "MILLI_USD"}, type="lifetime"
    )
    assert limit is not None and limit.limit.amount == 50_000 and limit.type == "lifetime"
    fetched = admin.admin.workspaces.retrieve_spending_limit(first.id)
    assert fetched is not None and fetched.limit.amount == 50_000

    # Archiving sets archived_at and switches off the workspace's keys.
    key = admin.admin.api_keys.create(name="in-archived", workspace_id=first.id)
    archived = admin.admin.workspaces.archive(first.id)
    assert archived.archived_at is not None
    try:
        client(key.key).auth.me()
    except AuthenticationError:
        pass
    else:
        raise AssertionError("a key of an archived workspace was accepted")
    return len(listed)


def check_usage(admin: Boltz) -> int:
    start = datetime(2026, 4, 1, tzinfo=timezone.utc)
    end = datetime(2026, 4, 6, tzinfo=timezone.utc)
    first_page = admin.admin.usage.list(
        starting_at=start, ending_at=end, window_size="DAY", group_by=["application"],
        applications=["adme", "protein_design"], limit=3,
    )
    assert first_page.has_more is True and first_page.next_page
    buckets = list(
        admin.admin.usage.list(
            starting_at=start, ending_at=end, window_size="DAY", group_by=["application"],
            applications=["adme", "protein_design"], limit=3,
        )
    )
    # 5 days x 2 applications, three per page, followed through the opaque cursor.
    assert len(buckets) == 10, len(buckets)
    assert {b.application for b in buckets} == {"adme", "protein_design"}
    assert all(b.workspace_id is None for b in buckets)
    assert buckets[0].start_time == start
    return len(buckets)


def check_auth_me(admin: Boltz) -> None:
    me = admin.auth.me()
    assert me.principal_type == "api_key"
    assert me.key_type == "admin" and me.mode == "live"
    assert me.organization_id and me.selected_organization_id


if __name__ == "__main__":
    sys.exit(main())
