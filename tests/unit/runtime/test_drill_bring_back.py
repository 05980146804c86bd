"""The drill never leaves the stack destroyed: a service that refuses its restored data starts on an empty
data dir with that data kept aside, and one that does not start at all is a named failure."""
from __future__ import annotations

from obsgate.analysis.drill import Log
from obsgate.runtime.base import StackError
from obsgate.runtime.drill_run import Drill
from obsgate.runtime.layout import Layout


class FakeServices:
    """Starts fail `fails[name]` times (each a StackError, as a health timeout is), then succeed."""

    def __init__(self, fails: dict[str, int]) -> None:
        self.fails, self.up, self.calls = dict(fails), {"prometheus", "alertmanager"}, []

    def running(self):
        return set(self.up)

    def start(self, names, extra=None, timeout=60.0):
        for n in names:
            self.calls.append(n)
            if self.fails.get(n, 0) > 0:
                self.fails[n] -= 1
                raise StackError(f"service `{n}` exited before it became healthy (tcp 127.0.0.1:27017: refused)")
            self.up.add(n)


def drill(tmp_path, services) -> Drill:
    d = object.__new__(Drill)  # no running stack here: only the bring-back step is exercised
    d.layout, d.id, d.services, d.log = Layout(tmp_path), "20261201T000000Z", services, Log()
    d.failures, d.kept_aside, d.out, d.destroyed, d.timeout = [], {}, lambda line: None, 1.0, 5.0
    d.backup_dir = tmp_path / ".run" / "drill" / "backups" / d.id
    return d


def test_a_service_refusing_its_restored_data_starts_empty_with_that_data_kept_aside(tmp_path):
    data = Layout(tmp_path).data("mongo")
    data.mkdir(parents=True)
    (data / "state.db").write_text("restored but unreadable")
    d = drill(tmp_path, FakeServices({"mongo": 1}))
    d._bring_back()
    aside = tmp_path / ".run" / "drill" / "unstartable-mongo-20261201T000000Z"
    assert (aside / "state.db").read_text() == "restored but unreadable"
    assert data.is_dir() and not any(data.iterdir())
    assert d.services.running() == {"prometheus", "alertmanager", "mongo", "loki"}
    assert d.kept_aside == {"mongo": str(aside)}
    assert d.manual_restore()[0] == f"# mongo did not start on the restored data; that data is kept in {aside}"
    assert d.failures == []  # the drill's own failure (the restore step) was named where it happened


def test_a_service_that_never_starts_is_a_named_failure(tmp_path):
    d = drill(tmp_path, FakeServices({"loki": 2}))
    d._bring_back()
    assert d.failures == ["service `loki` did not come back even on an empty data dir: service `loki` exited "
                          "before it became healthy (tcp 127.0.0.1:27017: refused)"]
    assert "loki" not in d.services.running() and "mongo" in d.services.running()


def test_nothing_is_started_when_every_data_service_runs(tmp_path):
    services = FakeServices({})
    services.up |= {"mongo", "loki"}
    drill(tmp_path, services)._bring_back()
    assert services.calls == []
