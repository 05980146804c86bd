"""Secret files are 0600 from their first byte: no window where another user could read them."""
from __future__ import annotations

import os
import stat
import threading

from obsgate.runtime.layout import write_private


def test_a_secret_file_never_exists_with_a_wider_mode(tmp_path):
    path = tmp_path / "secrets" / "webhook_url"
    path.parent.mkdir()
    seen: set[int] = set()
    stop = threading.Event()

    def watch():  # every mode any name in the directory ever has while the file is written
        while not stop.is_set():
            for entry in os.scandir(path.parent):
                try:
                    seen.add(stat.S_IMODE(entry.stat().st_mode))
                except FileNotFoundError:
                    pass

    old = os.umask(0o022)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(300):
            write_private(path, f"http://127.0.0.1:9099/hook/{i}\n")
    finally:
        stop.set()
        watcher.join()
        os.umask(old)
    assert seen == {0o600}
    assert path.read_text() == "http://127.0.0.1:9099/hook/299\n"
    assert sorted(os.listdir(path.parent)) == ["webhook_url"]


def test_an_existing_wider_file_is_replaced_with_mode_0600(tmp_path):
    path = tmp_path / "smtp_password"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "new\n"
    write_private(path, "for the container user\n", 0o644)  # the docker runtime's explicit choice
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
