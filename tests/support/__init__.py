"""What the tests share: helpers that run the workflow, the loopback servers and the provider
fakes, the fault suite's tools and the S3 server. Imported as ``from support import workflow``
or ``from support.workflow import snakemake`` (pyproject puts tests/ on the import path);
conftest.py holds only fixtures and hooks.

- ``workflow``: a config in a work directory, a real Snakemake run, the jobs it started, a
  daily-quotes CSV body.
- ``quoteserver``: the plain loopback HTTP server behind the ``http_server`` fixture.
- ``fakekit``, ``fake_<provider>``: each quote provider's API, faked on 127.0.0.1.
- ``provkit``: the download stage and whole runs against a fake provider.
- ``faultkit``: clean reference runs, the audit of a run against one, full and read-only file
  systems, the fault suite's table.
- ``seaweed``, ``s3kit``: the real S3 server (SeaweedFS) and runs through profiles/s3.
"""
