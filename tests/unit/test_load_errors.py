"""Definition errors name the user's file and line: SystemExit, `<string>` frames, import cycles,
a failed module imported by another, Jsonnet typos."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from obsgate.load import LoadError, load

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "project"


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "p")
    return tmp_path / "p"


def issues(root: Path) -> list[str]:
    with pytest.raises(LoadError) as err:
        load(root)
    return [f"{i.path}:{i.line}: {i.message}" + (f" | {i.hint}" if i.hint else "") for i in err.value.issues]


def test_sys_exit_in_a_definition_module_is_reported_on_its_line(project):
    (project / "rules_src" / "quits.py").write_text("import sys\n\nsys.exit(3)\n")
    [got] = issues(project)
    assert got.startswith("rules_src/quits.py:3: the definition called `sys.exit(3)` while being imported")


def test_a_base_exception_from_a_definition_module_is_reported(project):
    (project / "rules_src" / "odd.py").write_text("class Odd(BaseException):\n    pass\n\n\nraise Odd('boom')\n")
    [got] = issues(project)
    assert got.startswith("rules_src/odd.py:5: Odd (a BaseException): boom")


def test_keyboard_interrupt_while_importing_is_not_swallowed(project):
    (project / "rules_src" / "ctrl_c.py").write_text("raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load(project)


def test_a_test_case_given_instead_of_a_tuple_is_located_in_the_user_file_not_string(project):
    text = (FIXTURE / "rules_src" / "shop.py").read_text()
    text = text.replace('tests=(TestCase("fires above 100", series={\'shop_queue_depth{instance="a"}\': "200x5"}, '
                        'at="5m",\n                    alerts=({"instance": "a"},)),\n'
                        '           TestCase("quiet at 50", series={\'shop_queue_depth{instance="a"}\': "50x5"}, '
                        'at="5m")),',
                        'tests=TestCase("quiet at 50", series={\'shop_queue_depth{instance="a"}\': "50x5"}, at="5m"),')
    assert 'tests=TestCase("quiet at 50"' in text
    (project / "rules_src" / "shop.py").write_text(text)
    got = issues(project)
    assert len(got) == 1 and got[0].startswith("rules_src/shop.py:"), got
    assert "field tests: `TestCase` is not a tuple of test cases" in got[0] and "trailing comma" in got[0]
    assert "<string>" not in got[0]


def test_a_circular_import_is_named_once_with_both_modules(project):
    (project / "rules_src" / "a.py").write_text("from rules_src.b import B\n\nA = 1\n")
    (project / "rules_src" / "b.py").write_text("from rules_src.a import A\n\nB = 2\n")
    got = issues(project)
    assert len(got) == 1, got
    assert "circular import" in got[0] and "`rules_src.a`" in got[0] and "`rules_src.b`" in got[0]
    assert "rules_src/a.py:1" in got[0] and "rules_src/b.py:1" in got[0]
    assert "third module" in got[0]


def test_after_one_module_fails_its_importers_add_no_second_error(project):
    (project / "rules_src" / "base.py").write_text("X = 1\nraise ValueError('bad threshold')\n")
    (project / "rules_src" / "uses_base.py").write_text("from rules_src.base import X\n")
    got = issues(project)
    assert got == ["rules_src/base.py:2: ValueError: bad threshold | the definition raised while being imported"]


def test_a_module_imported_by_another_is_executed_once(project):
    (project / "rules_src" / "counter.py").write_text(
        "import builtins\nbuiltins.obsgate_imports = getattr(builtins, 'obsgate_imports', 0) + 1\n")
    (project / "rules_src" / "importer.py").write_text("import rules_src.counter\n")
    import builtins
    builtins.obsgate_imports = 0
    load(project)
    assert builtins.obsgate_imports == 1
    del builtins.obsgate_imports


def test_a_jsonnet_typo_is_reported_in_the_source_with_a_hint(project):
    board = project / "dashboards_src" / "shop.jsonnet"
    board.write_text(board.read_text() + "\n+ undefined_thing\n")
    [got] = issues(project)
    assert got.startswith("dashboards_src/shop.jsonnet:") and "jsonnet:" in got
    assert "| fix the Jsonnet at that line" in got
