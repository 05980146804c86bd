"""The committed LALR tables match the grammar (a stale file would be rebuilt at 0.25 s per process)."""
from obsgate.logql import _tables, tables


def test_committed_tables_match_the_grammar():
    # lark numbers its states in set order, so the tables differ between runs; the grammar hash does not
    assert _tables.GRAMMAR_HASH == tables.grammar_hash(), "run `python -m obsgate.logql.tables`"


def test_loaded_tables_parse_like_the_built_parser():
    text = 'sum by (a) (count_over_time({a="b"} |= "x" | json | y > 5 [5m])) > bool 1'
    assert tables.load().parse(text) == tables.build().parse(text)
