"""A client generated from /api/schema/ by openapi-python-client imports and parses the
answers of every list and retrieve operation (what an integrator would do first)."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from enum import Enum
from pathlib import Path

import httpx
from rest_framework.authtoken.models import Token

from tests.conftest import ACME_HOST
from tests.deals.api_rows import add_deals_rows
from tests.partners.conftest import (  # noqa: F401 - fixtures
    _module_world,
    api_as,
    module_world,
    world,
)
from tests.test_api_conformance import _in_test_transaction, _known_ids
from tests.workflows.test_approvals import approval_flow  # noqa: F401 - a fixture
from tests.workflows.test_engine import activate

PACKAGE = "prm_api_client"


def _generate(spec: dict, where: Path) -> None:
    (where / "spec.json").write_text(json.dumps(spec))
    (where / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    generator = Path(sys.executable).parent / "openapi-python-client"
    options = ["--path", "spec.json", "--config", "config.yaml", "--meta", "none"]
    subprocess.run(
        [generator, "generate", *options, "--output-path", PACKAGE],
        cwd=where,
        check=True,
        capture_output=True,
    )


def _arguments(function, path: str, api) -> dict | None:
    """The required arguments of a generated call: real ids (None when the caller sees no
    object of the kind), the first value of an enum."""
    known = _known_ids(api, path)
    arguments = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "client" or parameter.default is not inspect.Parameter.empty:
            continue
        annotation = parameter.annotation
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            # The audited kind is a partner (object_id below); other enums: the first value.
            arguments[name] = (
                annotation("partner") if name == "object_type" else next(iter(annotation))
            )
        elif name == "object_id":  # the audit trail of the first partner
            arguments[name] = api.get("/api/v1/partners/").json()["results"][0]["id"]
        else:
            if name not in known:
                return None
            arguments[name] = known[name]
    return arguments


def _client(package, user):
    token, _ = Token.objects.get_or_create(user=user)
    return package.AuthenticatedClient(
        base_url=f"http://{ACME_HOST}",
        token=token.key,
        prefix="Token",
        raise_on_unexpected_status=True,
        httpx_args={"transport": httpx.WSGITransport(app=_in_test_transaction)},
    )


def test_a_generated_client_parses_every_list_and_retrieve_answer(
    approval_flow,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
    tmp_path,
    monkeypatch,
):
    world = approval_flow  # noqa: F811
    activate(world, django_capture_on_commit_callbacks)  # an approval waits for cam_emea
    add_deals_rows(world)  # customer accounts, a reservation and a deal to list and retrieve
    spec = api_as(world.admin).get("/api/schema/?format=json").json()
    _generate(spec, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    package = importlib.import_module(PACKAGE)
    # The vendor admin sees every list but has no approvals: the approver has.
    personas = [(api_as(u), _client(package, u)) for u in (world.admin, world.cam_emea)]
    paths = {
        operation["operationId"]: path
        for path, item in spec["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    error = importlib.import_module(f"{PACKAGE}.models.error").Error
    called = []
    operations = importlib.import_module(f"{PACKAGE}.api")
    for module_info in pkgutil.walk_packages(operations.__path__, f"{PACKAGE}.api."):
        name = module_info.name.rsplit(".", 1)[-1]
        if not name.endswith(("_list", "_retrieve")):
            continue
        module = importlib.import_module(module_info.name)
        for api, client in personas:
            arguments = _arguments(module.sync_detailed, paths[name], api)
            if arguments is None:
                continue  # nothing of that kind for this persona
            response = module.sync_detailed(client=client, **arguments)
            assert response.status_code == 200, (name, response.content[:300])
            assert response.parsed is not None and not isinstance(response.parsed, error), name
            called.append(name)
            break
        else:
            raise AssertionError(f"{name}: no persona has an object to call it with")
    assert len(called) >= 20, called
    assert {"partners_list", "partners_retrieve", "approvals_retrieve", "audit_list"} <= set(called)
    deals = {"deals_list", "deals_retrieve", "deals_conflicts_list", "rejection_reasons_list"}
    assert deals <= set(called)
