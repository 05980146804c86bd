"""The log store's command line: sizes and durations read as documented, bad values refused with a message."""
from __future__ import annotations

import pytest

from obsgate.sim.logstore.cli import parser


def test_defaults_keep_six_hours_and_64_mib_per_tenant_and_run_no_ruler():
    args = parser().parse_args([])
    assert (args.port, args.retention, args.max_bytes, args.rules, args.eval_interval) == (
        3100, 6 * 3600.0, 64 << 20, None, 60.0)


def test_sizes_and_durations_are_read_with_their_units():
    args = parser().parse_args(["--max-bytes", "2GiB", "--retention", "90m", "--eval-interval", "1s",
                                "--resend-delay", "30s"])
    assert (args.max_bytes, args.retention, args.eval_interval, args.resend_delay) == (2 << 30, 5400.0, 1.0, 30.0)


@pytest.mark.parametrize("argv, message", [
    (["--retention", "0s"], "`0s` is not a positive duration"),
    (["--retention", "soon"], "`soon` is not a positive duration"),
    (["--max-bytes", "12 parsecs"], "`12 parsecs` is not a positive size"),
], ids=["zero retention", "not a duration", "not a size"])
def test_a_bad_value_exits_2_naming_it(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_the_generator_url_names_the_bind_address_or_the_host_name_when_bound_to_all():
    import socket

    from obsgate.sim.logstore.cli import external_url

    assert external_url("127.0.0.1", 3100) == "http://127.0.0.1:3100"
    assert external_url("0.0.0.0", 3100) == f"http://{socket.gethostname()}:3100"
