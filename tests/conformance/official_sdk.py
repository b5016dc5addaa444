"""Conformance: drive the emulator with the official Python SDK (boltz-api 0.50.0).

Run against a running emulator:
    BOLTZ_BASE_URL=http://127.0.0.1:PORT BOLTZ_API_KEY=sk_bc_admin_... python official_sdk.py

Every check asserts; the script exits non-zero on the first failure.
"""

import os
import sys

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

    print(f"official SDK conformance: ok ({pages} pages, {len(auto)} keys)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
