"""The daily-quote providers: one adapter module each (``base`` defines the interface);
``fetching`` holds their names and the loop that runs them.

Imports nothing: every job is a fresh process.
"""
