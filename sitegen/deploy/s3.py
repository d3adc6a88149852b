"""Deploy to S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, SeaweedFS) with boto3.

boto3 is an optional extra (``pip install 'sitegen[s3]'``). Credentials come only from boto3's own chain
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE, ~/.aws/credentials, an instance role) and are
never printed. The endpoint of a non-AWS service is the target's ``endpoint_url`` or AWS_ENDPOINT_URL_S3 /
AWS_ENDPOINT_URL. A file is uploaded only when its MD5 differs from the object's ETag (for objects whose
ETag is not an MD5, from the ``sitegen-md5`` metadata every upload carries); each object gets its
Content-Type and Cache-Control from deploy_headers, and the page left at a redirect's old address gets the
redirect as its website redirect location.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sitegen.core.errors import SitegenError
from sitegen.deploy.errors import ToolError, hint_for
from sitegen.deploy.publish import Change, Plan, Target, local_files
from sitegen.output.hosting import GONE_METADATA, GONE_STATUS, REDIRECTS_FILE, cache_control, content_type, gone_paths

MD5_KEY = "sitegen-md5"  # object metadata: the MD5 of the uploaded bytes
# What to try for the S3 errors people meet most (the error's Code, or botocore's exception's name).
S3_HINTS = {
    "NoSuchBucket": "create the bucket, or fix its name in the target's url (s3://bucket/prefix)",
    "AccessDenied": "these credentials may not write to that bucket: check the key's policy (s3:PutObject, "
                    "s3:ListBucket, s3:DeleteObject)",
    "InvalidAccessKeyId": "AWS_ACCESS_KEY_ID is not a key this service knows: check it, and endpoint_url",
    "SignatureDoesNotMatch": "AWS_SECRET_ACCESS_KEY does not belong to AWS_ACCESS_KEY_ID: check both",
    "ExpiredToken": "the session token has expired: log in again (aws sso login) or refresh the credentials",
    "SlowDown": "the service is busy: wait a little, then run the deploy again (it goes on where it stopped)",
    "EndpointConnectionError": "nothing answers at the endpoint: check endpoint_url (or AWS_ENDPOINT_URL_S3) "
                               "and the network",
    "PermanentRedirect": "the bucket is in another region: set the target's region",
    "AuthorizationHeaderMalformed": "the bucket is in another region: set the target's region",
}
MAX_INVALIDATION_PATHS = 15  # more changed paths than this: invalidate the whole site with one wildcard


def plan(target: Target, output_dir: Path) -> Plan:
    """List the keys under the prefix and compare each file's MD5 with what the bucket holds."""
    bucket, prefix = _bucket_and_prefix(target)
    client = _client(target)
    local = local_files(output_dir)
    with _errors(target):
        remote: dict[str, str] = {}
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    remote[item["Key"][len(prefix):]] = item.get("ETag", "").strip('"')
        uploads, unchanged, digests = [], [], {}
        for path, size in local.items():
            digests[path] = _md5(output_dir / path)
            if path not in remote:
                uploads.append(Change(path, size, "new"))
            elif _stored_md5(client, bucket, prefix + path, remote[path]) == digests[path]:
                unchanged.append(path)
            else:
                uploads.append(Change(path, size, "changed"))
    deletes = [Change(path, 0, "removed") for path in sorted(set(remote) - set(local))]
    state = {"client": client, "bucket": bucket, "prefix": prefix, "md5": digests}
    return Plan(target, output_dir, uploads, deletes, unchanged, len(remote), state=state)


def execute(made: Plan) -> Iterator[Change]:
    """Upload in plan order with each object's headers, delete in batches of 1000, then invalidate the CDN."""
    client, bucket, prefix = made.state["client"], made.state["bucket"], made.state["prefix"]
    moved = redirect_locations(made.output_dir, made.target.base_path)
    gone = withdrawn_files(made.output_dir, made.target.base_path)
    with _errors(made.target):
        for change in made.uploads:
            digest = made.state["md5"][change.path]
            extra = {"WebsiteRedirectLocation": moved[change.path]} if change.path in moved else {}
            metadata = {MD5_KEY: digest}
            if change.path in gone:  # S3 cannot answer 410 itself: a CDN function reads this and does
                metadata[GONE_METADATA] = str(GONE_STATUS)
            client.put_object(
                Bucket=bucket, Key=prefix + change.path, Body=(made.output_dir / change.path).read_bytes(),
                ContentType=content_type(change.path), CacheControl=cache_control(change.path),
                ContentMD5=base64.b64encode(bytes.fromhex(digest)).decode("ascii"), Metadata=metadata,
                **extra,
            )
            yield change
        for start in range(0, len(made.deletes), 1000):
            batch = made.deletes[start:start + 1000]
            answer = client.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": prefix + change.path} for change in batch], "Quiet": True})
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise SitegenError(f"cannot delete {first.get('Key')}: {first.get('Code')} {first.get('Message')}")
            yield from batch
    distribution = made.target.options.get("cloudfront_distribution")
    if distribution and (made.uploads or made.deletes):
        paths = changed_urls(made)
        try:
            with _errors(made.target):
                invalidate(distribution, paths)
        except SitegenError as exc:
            command = (f"aws cloudfront create-invalidation --distribution-id {distribution} "
                       f"--paths '{made.target.base_path}*'")
            raise SitegenError(f"the CloudFront invalidation failed ({exc}); run: {command}") from None


def withdrawn_files(output_dir: Path, base_path: str) -> set[str]:
    """The output files that are withdrawn notices (the 410 rules of the built `_redirects`)."""
    try:
        text = (output_dir / REDIRECTS_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {target[len(base_path):] for target in gone_paths(text) if target.startswith(base_path)}


def redirect_locations(output_dir: Path, base_path: str) -> dict[str, str]:
    """The site's redirects as S3 website redirects: the old address's object → where it leads (the
    ``x-amz-website-redirect-location`` an S3 website answers with a 301). Read from the ``_redirects``
    the build wrote, whose 301 lines are the site's redirects."""
    from sitegen.core.urls import output_path
    from sitegen.output.hosting import REDIRECTS_FILE

    try:
        lines = (output_dir / REDIRECTS_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    found = {}
    base = base_path.rstrip("/")
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[2] == "301" and parts[0].startswith(base + "/") and "*" not in parts[0]:
            key = output_path(parts[0][len(base):])
            if (output_dir / key).is_file():
                found[key] = parts[1]
    return found


def changed_urls(made: Plan) -> list[str]:
    """The URL paths a CDN must forget: each changed file, and the folder URL of each changed index.html."""
    base = made.target.base_path
    paths = []
    for change in [*made.uploads, *made.deletes]:
        paths.append(base + change.path)
        if change.path == "index.html" or change.path.endswith("/index.html"):
            paths.append(base + change.path[: -len("index.html")])
    return paths if len(paths) <= MAX_INVALIDATION_PATHS else [base + "*"]


def invalidate(distribution: str, paths: list[str]) -> None:
    """Ask CloudFront to drop its copies of the changed URLs; only called when a distribution is configured."""
    import boto3

    boto3.client("cloudfront").create_invalidation(DistributionId=distribution, InvalidationBatch={
        "Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": f"sitegen-{time.time_ns()}"})


def _bucket_and_prefix(target: Target) -> tuple[str, str]:
    bucket, _, prefix = target.address.partition("/")
    return bucket, prefix + "/" if prefix else ""


def _client(target: Target) -> Any:
    try:
        import boto3
        from botocore.config import Config as BotoConfig
    except ImportError:
        raise SitegenError("deploying to s3:// needs boto3: pip install 'sitegen[s3]'") from None
    endpoint = (target.options.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL_S3")
                or os.environ.get("AWS_ENDPOINT_URL"))
    settings: dict[str, Any] = {"retries": {"max_attempts": 3, "mode": "standard"}}
    if endpoint:
        settings["s3"] = {"addressing_style": "path"}  # MinIO, SeaweedFS and friends need no bucket DNS names
    try:
        # Newer botocore adds CRC checksums that some S3-compatible services reject; send them only if needed.
        config = BotoConfig(request_checksum_calculation="when_required",
                            response_checksum_validation="when_required", **settings)
    except TypeError:
        config = BotoConfig(**settings)
    region = target.options.get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region, config=config)


def _stored_md5(client: Any, bucket: str, key: str, etag: str) -> str:
    """A single-part upload's ETag is its MD5; for anything else, read the MD5 sitegen stored."""
    if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag.lower()):
        return etag.lower()
    return client.head_object(Bucket=bucket, Key=key).get("Metadata", {}).get(MD5_KEY, "")


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _errors(target: Target) -> Iterator[None]:
    """boto3's exceptions become one line naming the target; credentials never appear in them."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except NoCredentialsError:
        raise SitegenError(f"no credentials for {target}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                           "(or AWS_PROFILE) in the environment") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "error")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        lines = [f"{code}: {error.get('Message') or exc}"]
        lines += [f"{name}: {error[name]}" for name in ("BucketName", "Key", "Resource") if error.get(name)]
        raise ToolError(f"S3 {exc.operation_name} at {target}", f"HTTP {status}" if status else code, lines,
                        S3_HINTS.get(code)) from None
    except BotoCoreError as exc:
        lines = str(exc).splitlines()
        hint = S3_HINTS.get(type(exc).__name__) or hint_for(lines)
        raise ToolError(f"S3 at {target}", type(exc).__name__, lines, hint) from None
    except OSError as exc:
        raise SitegenError(f"{target}: {exc.strerror or exc} ({exc.filename})") from None
