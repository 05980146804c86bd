"""`.jsonnet` dashboards evaluate with go-jsonnet and import vendored mixins through `-J vendor`."""
from __future__ import annotations

import shutil

import pytest

from obsgate.generate import generate
from obsgate.load import JSONNET_PATHS, LoadError, load

from tests.conftest import FIXTURE, ROOT

MIXIN = ROOT / "tests" / "fixtures" / "mixin" / "vendor"
BOARD = """local mixin = (import 'shop-mixin/mixin.libsonnet') + { _config+:: { selector: 'job="shop",route="a"' } };

mixin.grafanaDashboards['shop-mixin.json']
"""


@pytest.fixture
def project(tmp_path):
    dest = tmp_path / "project"
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    shutil.copytree(MIXIN, dest / "vendor")
    return dest


def test_vendor_is_an_import_path_after_the_projects_own_library():
    assert JSONNET_PATHS == ("dashboards_src/lib", "vendor")


def test_a_dashboard_imports_a_vendored_mixin_and_the_library_the_mixin_imports(project):
    (project / "dashboards_src" / "shop_mixin.jsonnet").write_text(BOARD)
    board = next(b for b in load(project).boards if b.uid == "shop-mixin")
    assert board.path == "dashboards_src/shop_mixin.jsonnet"
    [panel] = board.dashboard["panels"]
    assert panel["targets"][0]["expr"] == 'sum(rate(shop_requests_total{job="shop",route="a"}[$__rate_interval]))'
    assert panel["fieldConfig"]["defaults"]["unit"] == "reqps"  # the vendored grafonnet-lite's builder ran
    docs = generate(load(project))
    assert docs["generated/grafana/dashboards/shop-mixin.json"]["title"] == "Shop (mixin)"


def test_an_import_no_path_has_is_a_load_error_at_the_importing_line(project):
    shutil.rmtree(project / "vendor")
    (project / "dashboards_src" / "shop_mixin.jsonnet").write_text(BOARD)
    with pytest.raises(LoadError) as err:
        load(project)
    [issue] = [i for i in err.value.issues if i.path == "dashboards_src/shop_mixin.jsonnet"]
    assert issue.line == 1 and "shop-mixin/mixin.libsonnet" in issue.message
    assert "-J vendor" in issue.hint
    assert str(project) not in issue.message  # the path is the project-relative one
