"""The report's charts: the figure helpers, per-ticker, benchmark and market charts.

Imports nothing: every job is a fresh process, and import time is start-up cost.
"""
