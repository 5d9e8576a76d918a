"""Format OHLCV bars as JSON lines with numpy alone (no per-row Python, no pyarrow/pandas).

Numbers become text through tables of all 4-digit strings (one integer per entry whose bytes are
the text) indexed by integer arithmetic. A line is a sequence of constant text and per-row
words whose used length varies. Everything from one varying word to the next is composed into
a small matrix (a "run") and copied to each line's computed position by one fancy assignment.
A word may carry unused bytes past its length; the next run overwrites them. The first run of
each line is written last, over the few bytes the previous line spilled into it.

A price ``v`` rounded to ``d`` decimals is written as its integer part, '.', and its ``d``
fractional digits without trailing zeros (at least one). For ``v >= 1e-4`` with at most 15
significant digits that is exactly ``repr(v)``, which ``json.dumps`` writes: no other decimal
string of <= 15 significant digits reads back to the same float64 (DBL_DIG = 15), so none is
shorter, and repr uses fixed notation from 1e-4 to 1e16. Values outside that domain (tiny, too
many digits, not rounded to ``d``) fall back to ``repr`` one by one.
"""

import numpy as np

MAX_DECIMALS = 15  # 10**d must be exact as float64 and int64
_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _tables() -> tuple[np.ndarray, ...]:
    n = np.arange(10_000, dtype=np.uint64)
    digits = [n // 1000, n // 100 % 10, n // 10 % 10, n % 10]
    zero = sum((d + ord("0")) << np.uint64(8 * i) for i, d in enumerate(digits))  # "0042"
    length = 1 + (n >= 10) + (n >= 100) + (n >= 1000)  # 0 -> "0"
    untrailed = 4 - sum(n % 10**k == 0 for k in range(1, 5))  # "4200" -> 2, 0 -> 0
    dot_at = 8 * length.astype(np.uint64)
    left = zero >> (32 - dot_at)  # the leading zeros shifted out: "42"
    return (
        zero.astype("<u4"),
        left.astype("<u4"),
        zero | np.uint64(ord(".") << 32),  # "0042."
        left | np.uint64(ord(".")) << dot_at,  # "42."
        length.astype(np.intp),
        length.astype(np.intp) + 1,  # with the '.'
        untrailed.astype(np.intp),
        untrailed.clip(min=1).astype(np.intp),  # as the first group: a zero fraction is "0"
        (zero[:100] >> np.uint64(16)).astype("<u2"),  # "00".."99"
    )


(_ZERO, _LEFT, _ZERO_DOT, _LEFT_DOT, _LENGTH, _LENGTH_DOT, _UNTRAILED, _UNTRAILED_FIRST, _TWO) = (
    _tables()
)


def _int_words(x: np.ndarray, dot: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """Non-negative int64s as (word, length) per 4-digit group, most significant first.

    With ``dot`` the last group's word ends with '.' (uint64 words, else uint32).
    """
    groups = max(1, (len(str(int(x.max()))) + 3) // 4)
    words, rest = [], x
    for g in range(groups):  # least significant first
        high = rest // 10_000 if g + 1 < groups else None
        part = rest - high * 10_000 if high is not None else rest
        last = dot and g == 0
        full, lead = (_ZERO_DOT, _LEFT_DOT) if last else (_ZERO, _LEFT)
        word, length = lead[part], (_LENGTH_DOT if last else _LENGTH)[part]
        if high is not None:  # inside a longer number a group keeps its leading zeros
            inside = high > 0
            word = np.where(inside, full[part], word)
            length = np.where(inside, 4 + last, length)
        if g:
            length[rest == 0] = 0  # the number ends below this group
        words.append((word, length))
        rest = high
    return words[::-1]


def _frac_words(f: np.ndarray, groups: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Fractions given as ``4 * groups`` digits: (word, length) per group, trailing zeros cut."""
    words = []
    for g in range(groups):  # most significant first
        below = 10 ** (4 * (groups - 1 - g))
        part = f // below % 10_000 if groups > 1 else f
        length = (_UNTRAILED_FIRST if g == 0 else _UNTRAILED)[part]
        if below > 1:
            length = np.where(f % below, 4, length)
        words.append((_ZERO[part], length))
    return words


def _days_to_civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days since 1970-01-01 -> (year, month, day); H. Hinnant's civil_from_days."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


class _Lines:
    """Lines assembled left to right from constant text and per-row words, then joined."""

    def __init__(self, n: int):
        self.n = n
        self.runs: list[list[bytes | np.ndarray]] = [[]]
        self.ends: list[np.ndarray | None] = []  # the used length of each run's last word
        self.patches: list[dict[int, bytes]] = []  # per run: row -> text replacing its end

    def text(self, s: str) -> None:
        self.runs[-1].append(s.encode())

    def put(self, word: np.ndarray, length: np.ndarray | None = None, patch=None) -> None:
        """A word per row (its bytes are text); with ``length`` only that many bytes count.

        ``patch`` maps rows to text written instead of the word (``length`` must match it).
        """
        if length is not None and not patch and length.min() == length.max():
            # The same length on every row: the run goes on, saving one fancy assignment.
            self.runs[-1].extend(_exact_words(word, int(length[0])))
            return
        self.runs[-1].append(word)
        if length is not None:
            self.cut(length, patch)

    def cut(self, length: np.ndarray | None = None, patch=None) -> None:
        """End the run (the first one must end with text: it is written last)."""
        self.ends.append(length)
        self.patches.append(patch or {})
        self.runs.append([])

    def join(self) -> memoryview:
        if self.runs[-1]:
            self.cut()
        runs = [_compose(parts, self.n) for parts in self.runs[:-1]]
        fixed = [run.itemsize for run in runs]  # the bytes before a varying last word
        for k, end in enumerate(self.ends):
            if end is not None:
                fixed[k] -= self.runs[k][-1].itemsize
        starts = [np.zeros(self.n, np.intp)]
        for f, end in zip(fixed, self.ends, strict=True):
            starts.append(starts[-1] + f if end is None else starts[-1] + (end + f))
        line = starts.pop()
        row_start = np.cumsum(line) - line
        slack = max(r.itemsize for r in runs)
        buf = np.empty(int(line.sum()) + slack, np.uint8)
        for k in [*range(1, len(runs)), 0]:  # the first run last: see the module doc
            run, at = runs[k], starts[k] + row_start
            view = np.ndarray((len(buf) - run.itemsize + 1,), run.dtype, buf, strides=(1,))
            view[at] = run
            for row, s in self.patches[k].items():
                buf[at[row] + fixed[k] :][: len(s)] = np.frombuffer(s, np.uint8)
        return memoryview(buf[:-slack])


def _exact_words(word: np.ndarray, length: int) -> list[np.ndarray]:
    """The first ``length`` bytes of each word as words of 8, 4, 2 and 1 bytes."""
    word, pieces, done = word.astype(np.uint64), [], 0
    for size in (8, 4, 2, 1):
        if length - done >= size:
            pieces.append((word >> np.uint64(8 * done)).astype(f"<u{size}"))
            done += size
    return pieces


def _compose(parts: list, n: int) -> np.ndarray:
    """One run as n records (dtype V<width>): the text copied to every row, then the words."""
    if len(parts) == 1 and not isinstance(parts[0], bytes):
        return parts[0].view(f"V{parts[0].itemsize}")
    sizes = [len(p) if isinstance(p, bytes) else p.itemsize for p in parts]
    offsets = np.cumsum([0, *sizes]).tolist()
    m = np.empty((n, offsets[-1]), np.uint8)
    for p, a in zip(parts, offsets, strict=False):
        if isinstance(p, bytes):
            m[0, a : a + len(p)] = np.frombuffer(p, np.uint8)
    flat, done = m.reshape(-1), offsets[-1]
    while done < len(flat):  # repeat row 0 by doubling: a few large memcpys
        k = min(done, len(flat) - done)
        flat[done : done + k] = flat[:k]
        done += k
    for p, a in zip(parts, offsets, strict=False):
        if not isinstance(p, bytes):
            m[:, a : a + p.itemsize].view(p.dtype)[:, 0] = p
    return m.view(f"V{offsets[-1]}")[:, 0]


def _put_prices(lines: _Lines, names, prices: np.ndarray, decimals: np.ndarray) -> None:
    """Price columns (rows of ``prices``) rounded to ``decimals``, written as repr writes them.

    The first column's key is already written; all columns are converted at once.
    """
    lo, hi = prices.min(), prices.max()
    if not (0 <= lo and hi < np.inf) or (lo == 0 and np.signbit(prices).any()):
        raise ValueError("prices must be finite and non-negative")
    scale = _POW10[decimals]
    units = np.rint(prices * scale)
    fast = units / scale == prices
    if units.max() >= 1e15 or lo < 1e-4:
        fast &= (units < 1e15) & ((prices >= 1e-4) | (prices == 0))
    slow = np.zeros((0, 2), np.intp) if fast.all() else np.argwhere(~fast)  # (column, row)
    values = prices
    if len(slow):
        values = np.where(fast, prices, 0.0)
        units[~fast] = 0
    # floor() is exact: in the fast domain a fraction >= 10**-d is far above the float spacing.
    whole = np.floor(values).astype(np.int64)
    frac_groups = max(1, (int(decimals.max()) + 3) // 4)
    frac = units.astype(np.int64) - whole * scale
    frac *= _POW10[4 * frac_groups - decimals]  # as 4 * frac_groups digits
    int_words = _int_words(whole, dot=True)
    frac_words = _frac_words(frac, frac_groups)
    for col, name in enumerate(names):
        if col:
            lines.text(f', "{name}": ')
        rows = slow[slow[:, 0] == col, 1]
        for i, (word, length) in enumerate(int_words + frac_words):
            length = length[col]
            length[rows] = 0
            patch = {}
            if len(rows) and i + 1 == len(int_words) + len(frac_words):
                patch = {int(r): repr(float(prices[col, r])).encode() for r in rows}
                length[rows] = [len(s) for s in patch.values()]
            lines.put(word[col], length, patch)


def encode_bars(
    timestamp: np.ndarray,
    open: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    decimals: np.ndarray | int,
) -> memoryview:
    """JSON lines ``{"timestamp": "YYYY-MM-DD HH:MM:SS", "open": ..., "volume": ...}``.

    ``timestamp``: int64 seconds since the epoch (UTC, years 1..9999); prices: float64 rounded
    to ``decimals`` (per row or one for all, 0..15); ``volume``: non-negative integers. Each
    line equals ``json.dumps`` of the record, keys in this order.
    """
    n = len(timestamp)
    if n == 0:
        return memoryview(b"")
    timestamp = np.asarray(timestamp, dtype=np.int64)
    volume = np.asarray(volume, dtype=np.int64)
    decimals = np.broadcast_to(np.asarray(decimals, dtype=np.intp), (n,))
    if decimals.min() < 0 or decimals.max() > MAX_DECIMALS:
        raise ValueError(f"decimals must be in 0..{MAX_DECIMALS}")
    if volume.min() < 0:
        raise ValueError("volumes must be non-negative")

    # The date changes once a day: convert each run of equal days once, then spread it.
    day = timestamp // 86_400
    new = np.empty(n, bool)
    new[0] = True
    np.not_equal(day[1:], day[:-1], out=new[1:])
    run = np.cumsum(new) - 1
    year, month, mday = _days_to_civil(day[new])
    if year.min() < 1 or year.max() > 9999:
        raise ValueError("timestamps must fall in the years 1..9999")
    seconds = timestamp - day * 86_400
    minutes = seconds // 60
    lines = _Lines(n)
    lines.text('{"timestamp": "')
    lines.put(_ZERO[year][run])
    lines.text("-")
    lines.put(_TWO[month][run])
    lines.text("-")
    lines.put(_TWO[mday][run])
    lines.text(" ")
    lines.put(_TWO[minutes // 60])
    lines.text(":")
    lines.put(_TWO[minutes % 60])
    lines.text(":")
    lines.put(_TWO[seconds - minutes * 60])
    lines.text('", "open": ')
    lines.cut()  # written last, so it must be exact: text and fixed words only
    prices = np.stack([open, high, low, close]).astype(np.float64, copy=False)
    _put_prices(lines, ("open", "high", "low", "close"), prices, decimals)
    lines.text(', "volume": ')
    for word, length in _int_words(volume, dot=False):
        lines.put(word, length)
    lines.text("}\n")
    return lines.join()
