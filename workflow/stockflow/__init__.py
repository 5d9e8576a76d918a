"""stockflow: daily quotes -> synthetic intraday bars (JSON lines) -> HDF5.

Each stage is a module with a small CLI (``python -m stockflow.<stage>``) that the Snakemake
rules call; modules import only what their stage needs, since every job is a fresh process.
"""

__version__ = "0.1.0"


class StockflowError(Exception):
    """A failure the user can act on; the message names the ticker, file, line and expectation."""
