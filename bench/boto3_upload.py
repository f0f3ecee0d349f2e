"""boto3 side of bench/upload.sh: the reference the mediaport CLI is compared with.

Usage (endpoint and keys come from the environment: BENCH_S3_ENDPOINT,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; the bucket from BENCH_BUCKET):
    boto3_upload.py bucket          create the bucket if it is missing
    boto3_upload.py big FILE        upload_file, multipart in 8 MiB parts, 4 at a time
    boto3_upload.py many DIR        upload_file per file of DIR, on a pool of 4 threads

upload.sh times each call with the wall clock, so this script prints nothing on success.
"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

MIB = 1024 * 1024
JOBS = 4  # matches `mediaport ingest --jobs 4`
# The CLI's part size (8 MiB for files up to 78 GiB) and its --jobs 4.
TRANSFER = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=JOBS)


def client():
    config = Config(
        region_name="us-east-1",
        s3={"addressing_style": "path"},
        # More connections than worker threads, so no thread waits for a socket.
        max_pool_connections=JOBS * 2,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return boto3.client("s3", endpoint_url=os.environ["BENCH_S3_ENDPOINT"], config=config)


def ensure_bucket(s3, bucket):
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)


def upload_big(s3, bucket, path):
    s3.upload_file(path, bucket, "boto3/" + os.path.basename(path), Config=TRANSFER)


def upload_many(s3, bucket, folder):
    names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    # Small files are single PUTs: the thread pool is the only parallelism.
    single = TransferConfig(multipart_threshold=8 * MIB, max_concurrency=1, use_threads=False)

    def put(name):
        s3.upload_file(os.path.join(folder, name), bucket, "boto3/small/" + name, Config=single)

    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        # list() re-raises the first failure, so a broken run exits non-zero.
        list(pool.map(put, names))


def main(argv):
    bucket = os.environ.get("BENCH_BUCKET", "mediaport-ingest")
    s3 = client()  # boto3 clients are thread-safe; sessions are not, so share this one
    if argv[1:2] == ["bucket"]:
        ensure_bucket(s3, bucket)
    elif argv[1:2] == ["big"] and len(argv) == 3:
        upload_big(s3, bucket, argv[2])
    elif argv[1:2] == ["many"] and len(argv) == 3:
        upload_many(s3, bucket, argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
