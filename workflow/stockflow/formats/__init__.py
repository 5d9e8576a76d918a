"""The file formats: JSON lines, the HDF5 frame, TSV and HTML tables.

Imports nothing: every job is a fresh process, and import time is start-up cost.
"""
