"""Stage 1 against the embedded data and a real HTTP server on 127.0.0.1."""

import bz2
import time

import pytest
from stockflow import cli, download, quotes

OHLCV = (
    b"Date,Open,High,Low,Close,Volume\n"
    b"2013-08-08,463.98,464.1,457.95,461.06,8251891\n"
    b"2013-08-09,458.61,460.46,453.65,454.37,8755024\n"
)
FAST = ["--retries", "2", "--backoff", "0", "--connect-timeout", "2", "--read-timeout", "2"]


def run(args, capsys):
    code = cli.run(download.main, [str(a) for a in args])
    return code, capsys.readouterr().err


def test_embedded_source_gives_the_whole_normalized_history(tmp_path, capsys):
    out = tmp_path / "aapl.csv"
    code, err = run(["aapl", out], capsys)
    assert code == 0, err
    rows = quotes.read_csv(str(out))
    assert len(rows) == 3926
    assert (str(rows[0].date), str(rows[-1].date)) == ("1998-01-02", "2013-08-09")
    assert out.read_text().splitlines()[-1] == "2013-08-09,458.61,460.46,453.65,454.37,8755024"


def test_unknown_embedded_ticker_fails_clearly_and_writes_nothing(tmp_path, capsys):
    code, err = run(["zzzz", tmp_path / "zzzz.csv"], capsys)
    assert code == 1
    assert "ticker 'zzzz' is not in the embedded source" in err and "aapl" in err
    assert list(tmp_path.iterdir()) == []


def test_http_ohlcv(tmp_path, capsys, http_server):
    http_server.serve("/q?s=aapl", OHLCV)
    out = tmp_path / "aapl.csv"
    code, err = run(
        ["aapl", out, "--url", http_server.base + "/q?s={ticker}", "--format", "ohlcv", *FAST],
        capsys,
    )
    assert code == 0, err
    assert out.read_bytes() == quotes.to_csv(quotes.parse(OHLCV, "ohlcv", "x")[0])


def test_http_bz2_quantquote_body_is_decompressed(tmp_path, capsys, http_server):
    body = b"20130808,0,463.98,464.1,457.95,461.06,8251891\n"
    http_server.serve("/aa.csv.bz2", bz2.compress(body), headers={})
    out = tmp_path / "aa.csv"
    code, err = run(["aa", out, "--url", http_server.base + "/{ticker}.csv.bz2", *FAST], capsys)
    assert code == 0, err
    assert out.read_text().splitlines()[1] == "2013-08-08,463.98,464.1,457.95,461.06,8251891"


def test_http_5xx_is_retried_then_succeeds(tmp_path, capsys, http_server):
    calls = []

    def flaky(handler):
        calls.append(1)
        if len(calls) == 1:
            handler.send_error(503)
            return
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(OHLCV)))
        handler.end_headers()
        handler.wfile.write(OHLCV)

    http_server.routes["/aapl"] = flaky
    out = tmp_path / "aapl.csv"
    code, err = run(
        ["aapl", out, "--url", http_server.base + "/{ticker}", "--format", "ohlcv", *FAST], capsys
    )
    assert code == 0, err
    assert len(calls) == 2
    assert out.exists()


def test_http_persistent_5xx_fails_after_the_retries(tmp_path, capsys, http_server):
    http_server.serve("/aapl", b"oops", status=500)
    code, err = run(
        ["aapl", tmp_path / "a.csv", "--url", http_server.base + "/{ticker}", *FAST], capsys
    )
    assert code == 1
    assert "HTTP 500" in err and "after retries" in err
    assert http_server.requests.count("/aapl") == 3  # first try + 2 retries
    assert list(tmp_path.iterdir()) == []


def test_http_404_names_the_ticker(tmp_path, capsys, http_server):
    code, err = run(
        ["nope", tmp_path / "n.csv", "--url", http_server.base + "/{ticker}", *FAST], capsys
    )
    assert code == 1
    assert "nope (http://127.0.0.1" in err and "HTTP 404" in err


def test_http_200_html_page_is_refused_and_old_output_kept(tmp_path, capsys, http_server):
    http_server.serve("/aapl", b"<!DOCTYPE html>\n<html><body>Too many requests</body></html>")
    out = tmp_path / "aapl.csv"
    out.write_bytes(b"previous good file\n")
    code, err = run(["aapl", out, "--url", http_server.base + "/{ticker}", *FAST], capsys)
    assert code == 1
    assert "HTML page" in err
    assert out.read_bytes() == b"previous good file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["aapl.csv"]  # no temp file left


def test_body_over_the_size_cap_is_refused(tmp_path, capsys, http_server):
    http_server.serve("/aapl", OHLCV)
    code, err = run(
        [
            "aapl",
            tmp_path / "a.csv",
            "--url",
            http_server.base + "/{ticker}",
            "--max-bytes",
            "50",
            *FAST,
        ],
        capsys,
    )
    assert code == 1
    assert "over the size cap of 50 bytes" in err


def test_long_downloads_log_progress_short_ones_do_not(tmp_path, capsys, http_server, monkeypatch):
    from stockflow.sources import http

    http_server.serve("/aapl", OHLCV)
    url = ["--url", http_server.base + "/{ticker}", "--format", "ohlcv", *FAST]
    code, err = run(["aapl", tmp_path / "a.csv", *url], capsys)
    assert code == 0 and "received" not in err
    monkeypatch.setattr(http, "PROGRESS_BYTES", 40)  # as if 40 bytes were a long download
    code, err = run(["aapl", tmp_path / "a.csv", *url], capsys)
    assert code == 0
    progress = [line for line in err.splitlines() if line.endswith("MB received")]
    assert len(progress) == 1  # one 64 KB chunk arrived: one line, however many 40s it holds
    assert progress[0].startswith(f"stockflow: aapl ({http_server.base}/aapl): 0.0 of 0.0 MB")


def test_connection_refused_fails_clearly(tmp_path, capsys, http_server):
    port = http_server.server_address[1]
    http_server.shutdown()
    http_server.server_close()
    code, err = run(
        ["aapl", tmp_path / "a.csv", "--url", f"http://127.0.0.1:{port}/{{ticker}}", *FAST], capsys
    )
    assert code == 1
    assert "cannot connect" in err and "ConnectionRefusedError" in err


def test_read_timeout_fails_clearly(tmp_path, capsys, http_server):
    def slow(handler):
        time.sleep(1.5)
        handler.send_response(200)
        handler.end_headers()

    http_server.routes["/aapl"] = slow
    code, err = run(
        [
            "aapl",
            tmp_path / "a.csv",
            "--url",
            http_server.base + "/{ticker}",
            "--retries",
            "0",
            "--read-timeout",
            "0.3",
        ],
        capsys,
    )
    assert code == 1
    assert "read timeout" in err


@pytest.mark.parametrize("url", ["file:///etc/passwd?{ticker}", "ftp://127.0.0.1/{ticker}"])
def test_non_http_schemes_are_refused(tmp_path, capsys, url):
    code, err = run(["aapl", tmp_path / "a.csv", "--url", url], capsys)
    assert code == 1
    assert "is not allowed; use http or https" in err


def test_local_path_source(tmp_path, capsys):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "aapl.csv").write_bytes(OHLCV)
    out = tmp_path / "out" / "aapl.csv"
    code, err = run(
        ["aapl", out, "--path", str(tmp_path / "src" / "{ticker}.csv"), "--format", "ohlcv"], capsys
    )
    assert code == 0, err
    assert len(quotes.read_csv(str(out))) == 2
    code, err = run(["ibm", out, "--path", str(tmp_path / "src" / "{ticker}.csv")], capsys)
    assert code == 1 and "no source file for ticker 'ibm'" in err
