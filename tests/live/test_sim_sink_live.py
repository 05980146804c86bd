"""The alert sink as a real process, and a real Alertmanager delivering to it."""
from __future__ import annotations

import json

import pytest

from sim_procs import PY, free_port, get_json, http, running, tool, wait_until

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("sink") / "sink.log"
    with running([PY, "-m", "obsgate.sim.sink", "--port", str(port)], f"http://127.0.0.1:{port}/healthz", log, "sink"):
        yield f"http://127.0.0.1:{port}"


def test_records_posts_per_receiver_and_clears(sink):
    http("DELETE", sink + "/notifications")
    note = {"version": "4", "status": "firing", "receiver": "pager",
            "alerts": [{"status": "firing", "labels": {"alertname": "X", "severity": "critical"}}]}
    assert http("POST", sink + "/hook/pager", note)[0] == 200
    assert http("POST", sink + "/hook/chat", {**note, "status": "resolved"})[0] == 200
    assert http("POST", sink + "/hook/pager", b"not json")[0] == 400
    got = get_json(sink + "/notifications?alertname=X")
    assert got["count"] == 2 and [n["receiver"] for n in got["notifications"]] == ["pager", "chat"]
    assert get_json(sink + "/notifications?receiver=chat")["count"] == 1
    assert json.loads(http("DELETE", sink + "/notifications")[1]) == {"cleared": 2}
    assert get_json(sink + "/notifications")["count"] == 0


def test_a_real_alertmanager_notification_arrives_with_receiver_and_labels(sink, tmp_path):
    http("DELETE", sink + "/notifications")
    port = free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text(f"""route:
  receiver: pager
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: pager
    webhook_configs:
      - url: {sink}/hook/pager
        send_resolved: true
""")
    cmd = [tool("alertmanager"), f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
           f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]
    am = f"http://127.0.0.1:{port}"
    with running(cmd, am + "/-/ready", tmp_path / "am.log", "alertmanager"):
        alert = [{"labels": {"alertname": "SinkProbe", "severity": "critical", "job": "probe"},
                  "annotations": {"summary": "probe"}}]
        assert http("POST", am + "/api/v2/alerts", alert)[0] == 200
        got = wait_until(lambda: get_json(sink + "/notifications?alertname=SinkProbe")["notifications"],
                         timeout=15, what="the SinkProbe notification")
    note = got[0]
    assert note["receiver"] == "pager" and note["payload_receiver"] == "pager" and note["status"] == "firing"
    assert note["alerts"][0]["labels"] == {"alertname": "SinkProbe", "severity": "critical", "job": "probe"}
