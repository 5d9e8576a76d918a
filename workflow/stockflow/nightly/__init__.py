"""What is kept between runs so a night makes only what is new (layout: stockflow.resources).

Imports nothing: every job is a fresh process, and import time is start-up cost.
"""
