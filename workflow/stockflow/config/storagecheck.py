"""Before any job: is the S3 bucket of ``--default-storage-prefix`` there, and may we use it?

Snakemake's S3 plugin creates a missing bucket on its first upload and reports a wrong key only
when a job's output is stored, after the job ran. A typo in the prefix would then write a whole
market to a new bucket, and wrong credentials would surface as one failed job per ticker. One
``HeadBucket`` request when the workflow is loaded turns both into one clear error naming the
endpoint and the bucket (never the keys: they stay in the environment).
"""

from stockflow import StockflowError

# What the plugin reads from the environment (--storage-s3-* options override them).
ENV = {
    "endpoint": "SNAKEMAKE_STORAGE_S3_ENDPOINT_URL",
    "access": "SNAKEMAKE_STORAGE_S3_ACCESS_KEY",
    "secret": "SNAKEMAKE_STORAGE_S3_SECRET_KEY",
}
SECRET_ENV = (ENV["access"], ENV["secret"], "SNAKEMAKE_STORAGE_S3_TOKEN")


def bucket_of(prefix: str) -> str:
    """``s3://bucket/path`` -> ``bucket``."""
    if not prefix or not prefix.startswith("s3://") or not prefix[5:].split("/")[0]:
        raise StockflowError(
            f"storage: --default-storage-prefix {prefix!r} is not s3://BUCKET[/PATH]"
        )
    return prefix[5:].split("/")[0]


def check_s3(client, endpoint: str | None, prefix: str) -> None:
    """One HeadBucket through ``client`` (a boto3 S3 client); StockflowError on any failure."""
    import botocore.exceptions as bx

    bucket = bucket_of(prefix)
    where = endpoint or "AWS S3 (no endpoint URL given)"
    try:
        client.head_bucket(Bucket=bucket)
    except bx.NoCredentialsError:
        raise StockflowError(
            f"storage: no S3 credentials for {where}: set {ENV['access']} and {ENV['secret']} "
            "(or --storage-s3-access-key / --storage-s3-secret-key)"
        ) from None
    except bx.ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            raise StockflowError(
                f"storage: bucket {bucket!r} does not exist at {where}; create it first "
                "(stockflow does not create buckets: a mistyped prefix would fill a new one)"
            ) from None
        if status in (401, 403):
            raise StockflowError(
                f"storage: {where} refused the credentials for bucket {bucket!r} "
                f"(HTTP {status}): check {ENV['access']} and {ENV['secret']}"
            ) from None
        raise StockflowError(
            f"storage: {where} answered HTTP {status} for bucket {bucket!r}: "
            f"{exc.response.get('Error', {}).get('Message', exc)}"
        ) from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        raise StockflowError(
            f"storage: cannot reach the S3 endpoint {where} ({type(exc).__name__}); is the "
            f"server up, and is {ENV['endpoint']} right?"
        ) from None


def check_workflow(workflow) -> None:
    """The pre-flight for a Snakemake workflow object, when its default storage is S3."""
    settings = workflow.storage_settings
    if settings is None or settings.default_storage_provider != "s3":
        return
    provider = workflow.storage_registry.default_storage_provider
    check_s3(
        provider.s3c.meta.client,
        provider.settings.endpoint_url,
        settings.default_storage_prefix,
    )


# How Snakemake words a failed transfer to or from a storage provider.
_TRANSFER_FAILURES = (
    "Failed to store output in storage s3://",
    "Failed to retrieve input from storage",
    "Failed to check existence of s3://",
    "Failed to get mtime of s3://",
    "Failed to get size of s3://",
)


def endpoint_from(environ, argv) -> str:
    """The S3 endpoint a run talks to: --storage-s3-endpoint-url, else the environment's."""
    for i, arg in enumerate(argv):
        if arg.startswith("--storage-s3-endpoint-url="):
            return arg.split("=", 1)[1]
        if arg == "--storage-s3-endpoint-url" and i + 1 < len(argv):
            return argv[i + 1]
    return environ.get(ENV["endpoint"]) or "AWS S3 (no endpoint URL given)"


def explain_transfer_failure(message: str, endpoint: str) -> str | None:
    """One line naming the endpoint, for Snakemake's bare report of a failed S3 transfer."""
    if not any(words in message for words in _TRANSFER_FAILURES):
        return None
    return (
        f"stockflow: the S3 endpoint {endpoint} failed a transfer (server down, or refusing): "
        "a job whose outputs were not all stored is not taken as done; run again once it answers"
    )
