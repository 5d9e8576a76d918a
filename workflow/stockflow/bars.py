"""What a bar is, once: its columns in file order, and where HDF5 files keep them.

Stdlib only; the JSON lines (``stockflow.formats.jsonlines``), the converter, the HDF5 writer and
reader, and the charts all name columns through this module.
"""

PRICES = ("open", "high", "low", "close")
COLUMNS = ("timestamp", *PRICES, "volume")
# The HDF5 node holding the frame: ``pandas.read_hdf(path, HDF5_KEY)``.
HDF5_KEY = "data"
HDF5_NODE = "/" + HDF5_KEY
