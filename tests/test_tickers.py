"""Tickers from the config's list or a ticker sheet, and the sample that gets charts."""

import pytest
import yaml
from stockflow import StockflowError
from stockflow.config import tickers
from support.workflow import REPO


def sheet(tmp_path, text: str, name: str = "tickers.tsv"):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_the_schema_and_the_sheet_check_the_same_names():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    listed = schema["properties"]["tickers"]["oneOf"][0]["items"]["pattern"]
    charted = schema["properties"]["report"]["properties"]["tickers"]["oneOf"][1]["items"]
    assert listed == charted["pattern"] == tickers.NAME


def test_a_plain_sheet_one_name_per_line_with_comments_and_blank_lines(tmp_path):
    path = sheet(tmp_path, "\ufeff# the big ones\naapl\r\n\nBRK.B\n  ibm  \n", "t.txt")
    assert tickers.from_sheet(path) == ["aapl", "BRK.B", "ibm"]


def test_a_tsv_sheet_with_a_ticker_column(tmp_path):
    path = sheet(tmp_path, "exchange\tticker\tname\nNYSE\tibm\tIBM\nNASDAQ\taapl\tApple\n")
    assert tickers.from_sheet(path) == ["ibm", "aapl"]
    assert tickers.from_sheet(sheet(tmp_path, "ticker\nge\n", "one.tsv")) == ["ge"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("aapl\n../etc/passwd\n", "t.tsv:2: ticker '../etc/passwd' is not a valid name"),
        ("aapl\n$(touch x)\n", "t.tsv:2: ticker '$(touch x)' is not a valid name"),
        ("aapl\nibm\naapl\n", "t.tsv:3: ticker 'aapl' is listed twice (first at"),
        ("symbol\tname\naapl\tApple\n", "t.tsv:1: a TSV ticker sheet needs a 'ticker' column"),
        ("ticker\tname\n\tApple\n", "t.tsv:2: ticker '' is not a valid name"),
        ("# nothing\n\n", "the ticker sheet lists no tickers"),
        ("ticker\n", "the ticker sheet lists no tickers"),
    ],
)
def test_a_bad_sheet_names_the_file_and_line(tmp_path, text, message):
    with pytest.raises(StockflowError, match=None) as err:
        tickers.from_sheet(sheet(tmp_path, text, "t.tsv"))
    assert message in str(err.value)


def test_a_missing_sheet_and_a_list_with_a_bad_name(tmp_path):
    with pytest.raises(StockflowError, match="ticker sheet .*nope.tsv does not exist"):
        tickers.load("nope.tsv", tmp_path)
    with pytest.raises(StockflowError, match=r"tickers\[1\]: ticker 'a/b' is not a valid name"):
        tickers.load(["aapl", "a/b"])
    assert tickers.load(["aapl", "ibm"]) == ["aapl", "ibm"]


def test_the_wildcard_matches_names_never_paths_or_temporaries():
    import re

    wildcard = re.compile(f"^{tickers.WILDCARD}$")
    for name in ("aapl", "BRK.B", "a-b_c", "x" * 32):
        assert wildcard.match(name), name
    for name in ("a/b", "../x", ".aapl.tmp-host-1", "", "a b", "/abs"):
        assert not wildcard.match(name), name


def test_all_tickers_are_charted_when_few_else_a_stable_sample():
    few = ["aapl", "ibm", "ge"]
    assert tickers.sample(few, 6) == few
    assert tickers.sample(few, 0) == []
    market = [f"t{i:05d}" for i in range(1000)]
    chosen = tickers.sample(market, 12)
    assert len(chosen) == 12 and chosen == tickers.sample(list(market), 12)
    assert chosen == [t for t in market if t in set(chosen)]  # in run order
    assert len(set(chosen) & set(market[:500])) not in (0, 12)  # spread, not the first 12
    # a ticker added changes the sample by at most one name
    more = tickers.sample([*market, "znew"], 12)
    assert len(set(more) - set(chosen)) <= 1


def test_an_explicit_chart_list_must_name_run_tickers():
    assert tickers.sample(["aapl", "ibm", "ge"], ["ge", "aapl"]) == ["aapl", "ge"]
    with pytest.raises(StockflowError, match=r"report.tickers: \['msft'\] are not among"):
        tickers.sample(["aapl"], ["msft"])
