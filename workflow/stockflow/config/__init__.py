"""What a run is made of: tickers, stage arguments, the session clock, job environment, storage.

Imports nothing: every job is a fresh process, and import time is start-up cost.
"""
