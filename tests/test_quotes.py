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
        (b"20130808,0,1,2,1,,10\n", "quantquote", "line 1: close is empty; expected a number"),
        (
            b"Date,Open,High,Low,Close,Volume\n2013-08-08,1,2,1,1.5,\n",
            "ohlcv",
            "line 2: volume is empty; expected a number",
        ),
        (
            b"20130808,0,1.5,1,2,1.5,10\n",
            "quantquote",
            "high 1.0 is below low 2.0; expected low <= high",
        ),
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


def qq_row(date: str, o=10.0, h=11.0, lo=9.0, c=10.5, v=1000) -> bytes:
    return f"{date},0,{o},{h},{lo},{c},{v}\n".encode()


def test_gaps_of_more_than_a_week_are_kept_with_a_warning():
    # Thursday 2001-09-06 .. Monday 2001-09-17 is 11 days; 7 days (a week) is a normal closure.
    body = qq_row("20010906") + qq_row("20010917") + qq_row("20010924") + qq_row("20011015")
    rows, warnings = quotes.parse(body, "quantquote", "x")
    assert [q.date.day for q in rows] == [6, 17, 24, 15]
    assert warnings == [
        "x: 2 gap(s) of more than 7 calendar days between rows (longest: 2001-09-24 to "
        "2001-10-15, 21 days, line 4); missing data? No bars are made for the days in between"
    ]
    weekly = qq_row("20010910") + qq_row("20010917") + qq_row("20010918")
    assert quotes.parse(weekly, "quantquote", "x")[1] == []


def test_volume_0_on_a_day_whose_price_moved_is_kept_with_a_warning():
    body = qq_row("20200102", v=0) + qq_row("20200103") + qq_row("20200106", v=0.4)
    rows, warnings = quotes.parse(body, "quantquote", "x")
    assert [q.volume for q in rows] == [0, 1000, 0]
    assert warnings == [
        "x: 2 day(s) have volume 0 although the price moved (first: 2020-01-02, line 1, "
        "low 9.0, high 11.0); their bars have volume 0"
    ]
    # A flat day without trades is consistent: no warning.
    flat = qq_row("20200102", 10, 10, 10, 10, 0)
    assert quotes.parse(flat, "quantquote", "x")[1] == []


def test_warnings_name_the_line_of_the_source_after_sorting():
    body = qq_row("20200203") + qq_row("20200102", v=0)
    rows, warnings = quotes.parse(body, "quantquote", "x")
    assert [q.date.month for q in rows] == [1, 2]
    assert "sorted" in warnings[0]
    assert "2020-01-02 to 2020-02-03, 32 days, line 1)" in warnings[1]
    assert "(first: 2020-01-02, line 2," in warnings[2]


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


def test_prices_beyond_8_decimals_are_rounded_with_a_warning():
    body = b"Date,Open,High,Low,Close,Volume\n2020-01-02,0.30000000000000004,0.5,0.2,0.4,10\n"
    rows, warnings = quotes.parse(body, "ohlcv", "x")
    assert rows[0].open == 0.3
    assert warnings == [
        "x: 1 day(s) have prices with more than 8 decimals (first: 2020-01-02, line 2: "
        "open=0.30000000000000004 high=0.5 low=0.2 close=0.4); rounded them to 8 decimals"
    ]
    # A price written with 6 decimals that scaling by 1e8 would disturb is left alone.
    body = b"Date,Open,High,Low,Close,Volume\n2020-01-02,1,360287970.734375,1,1,10\n"
    assert quotes.parse(body, "ohlcv", "x") == (
        [quotes.Quote(dt.date(2020, 1, 2), 1.0, 360287970.734375, 1.0, 1.0, 10)],
        [],
    )


def test_a_low_that_rounds_to_zero_is_refused():
    body = b"Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0.000000001,1,10\n"
    with pytest.raises(StockflowError, match="line 2: low 1e-09 rounds to 0 at 8 decimals"):
        quotes.parse(body, "ohlcv", "x")
