"""The apps depend one way (docs/architecture.md "Layout"): no module imports one of a layer above
its own, imports inside functions included. The contract is pyproject.toml's ``layers``
([tool.importlinter]); import-linter checks it on the real tree here, and the same contract is
seen to break when a single upward import is added to that tree's graph."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.layers import LayersContract

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


@pytest.fixture(scope="module")
def options():
    configuration.configure()  # what the lint-imports command sets up: the pyproject.toml reader
    return read_user_options(str(PYPROJECT))


@pytest.fixture(scope="module")
def graph(options):
    """Every import of the project's packages, module by module (grimp reads the source: nothing
    is imported, and a function's import counts like a module's)."""
    return grimp.build_graph(*options.session_options["root_packages"], cache_dir=None)


def test_every_package_of_the_project_is_in_a_layer(options):
    """A new app must be given its place in the layers (pyproject.toml), or nothing checks it."""
    root = PYPROJECT.parent
    packages = {p.parent.name for p in root.glob("*/__init__.py")} - {"tests"}
    assert packages == set(options.session_options["root_packages"])


def layers_contract(options) -> LayersContract:
    contract = next(c for c in options.contracts_options if c["id"] == "layers")
    return LayersContract(name=contract["name"], session_options=options.session_options, contract_options=contract)


def test_no_app_imports_an_app_above_it(options, graph):
    contract = layers_contract(options)
    check = contract.check(deepcopy(graph), verbose=False)
    if not check.kept:
        contract.render_broken_contract(check)  # printed: pytest shows it with the failure
    assert check.kept, "An import goes up the layers of docs/architecture.md (see the report above)."


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("core.money", "inventory_lots.models"),  # core imports no app
        ("inventory_lots.demo", "orders.services"),  # the demo data of the apps above is seeded from the top
        ("orders.selectors", "production.models"),  # production registers what orders asks (orders.documents)
        ("orders.api", "purchasing.models"),  # two apps of one layer
        ("cogs.management.commands.check_ledger", "reports.journal"),
        ("production.api", "api.schema"),  # the apps' DRF plumbing is core.drf
        ("reports.exports", "lotledger.exports"),
        ("traceability.selectors", "reports.selectors"),
    ],
)
def test_the_contract_breaks_on_one_upward_import(options, graph, importer, imported):
    upward = deepcopy(graph)
    upward.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert not layers_contract(options).check(upward, verbose=False).kept
