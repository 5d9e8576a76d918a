import datetime as dt

import pytest
from stockflow import StockflowError, quotes

QQ = b"20130808,0,463.98,464.1,457.95,461.06,8251891\n20130809,0,458.61,460.46,453.65,454.37,8755024.4\n"
OHLCV = (
    b"Date,Open,High,Low,Close,Adj Close,Volume\n"
    b"2013-08-08,463.98,464.1,457.95,461.06,461.06,8251891\n"
    b"2013-08-09,458.61,460.46,453.65,454.37,454.37,8755024\n"
)


def test_quantquote_parses_to_sorted_quotes_with_integer_volume():
    rows, warnings = quotes.parse(QQ, "quantquote", "aapl")
    assert warnings == []
    assert [q.date for q in rows] == [dt.date(2013, 8, 8), dt.date(2013, 8, 9)]
    assert rows[1] == quotes.Quote(dt.date(2013, 8, 9), 458.61, 460.46, 453.65, 454.37, 8755024)


def test_ohlcv_with_header_and_extra_column_matches_quantquote():
    assert quotes.parse(OHLCV, "ohlcv", "aapl")[0] == quotes.parse(QQ, "quantquote", "aapl")[0]


def test_csv_round_trip_is_exact():
    rows, _ = quotes.parse(QQ, "quantquote", "aapl")
    text = quotes.to_csv(rows)
    assert text.splitlines()[0] == quotes.HEADER.encode()
    assert quotes.parse(text, "ohlcv", "x")[0] == rows


def test_unsorted_rows_are_sorted_with_a_warning():
    body = b"".join(reversed(QQ.splitlines(keepends=True)))
    rows, warnings = quotes.parse(body, "quantquote", "aapl")
    assert [q.date.day for q in rows] == [8, 9]
    assert "sorted" in warnings[0]


@pytest.mark.parametrize(
    ("body", "fmt", "expected"),
    [
        (b"", "quantquote", "empty body"),
        (b"  \n\n", "ohlcv", "empty body"),
        (b"<!DOCTYPE html><html><body>Rate limited</body></html>", "ohlcv", "HTML page"),
        (b"\n  <html>\n", "quantquote", "HTML page"),
        (
            b"Date,Open,High,Close,Volume\n2013-08-08,1,2,1.5,10\n",
            "ohlcv",
            "lacks column(s) ['low']",
        ),
        (b"20130808,0,1,2,1,1.5\n", "quantquote", "line 1: expected 7 fields"),
        (b"20130808,0,1,2,x,1.5,10\n", "quantquote", "line 1: low 'x' is not a number"),
        (b"20130808,0,1,2,nan,1.5,10\n", "quantquote", "not a finite number"),
        (
            b"20130808,0,1,2,1,1.5,10\n20131308,0,1,2,1,1.5,10\n",
            "quantquote",
            "line 2: date '20131308'",
        ),
        (b"20130808,0,1.5,1,2,1.5,10\n", "quantquote", "high 1.0 is below low 2.0"),
        (b"20130808,0,3,2,1,1.5,10\n", "quantquote", "open 3.0 is outside the day's range"),
        (b"20130808,0,1,2,1,1.5,-5\n", "quantquote", "volume '-5' is negative"),
        (b"20130808,0,0,2,0,1.5,5\n", "quantquote", "prices must be positive"),
        (
            QQ + QQ.splitlines(keepends=True)[0],
            "quantquote",
            "date 2013-08-08 appears twice (lines 1 and 3)",
        ),
        (b"\xff\xfe" + QQ, "quantquote", "not UTF-8"),
    ],
)
def test_bad_bodies_fail_with_a_specific_message(body, fmt, expected):
    with pytest.raises(StockflowError) as err:
        quotes.parse(body, fmt, "aapl (http://x)")
    assert expected in str(err.value)
    assert str(err.value).startswith("aapl (http://x)")


def test_unknown_format_is_refused():
    with pytest.raises(StockflowError, match="unknown source format"):
        quotes.parse(QQ, "yahoo", "aapl")


def test_read_csv_last_rows_and_true_line_numbers(tmp_path):
    rows, _ = quotes.parse(QQ, "quantquote", "aapl")
    path = tmp_path / "q.csv"
    path.write_bytes(quotes.to_csv(rows))
    assert quotes.read_csv(str(path), last=1) == rows[-1:]
    assert quotes.read_csv(str(path), last=10) == rows
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("460.46", "x")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(StockflowError, match=r"q.csv: line 3: high 'x' is not a number"):
        quotes.read_csv(str(path), last=1)
