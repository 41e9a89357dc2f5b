"""Customers' stores on loopback: moto (S3 and STS, with IAM enforced),
Azurite (Azure Blob, from npm) and gcp-storage-emulator (GCS, behind a
token endpoint that checks service-account keys), each module with a
platform pointed at its store.

Moto keeps one state per process and reads its authorisation switch from a
module global, so the AWS stand-in is module-scoped: IAM is enforced while
this folder's S3 tests run and switched back off before any other test.
"""

import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import pytest
from moto import settings as moto_settings
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto.server import ThreadedMotoServer

from ml3_platform.embedded import EmbeddedPlatform, free_port
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import StoragePolicy
from remote_support import local_data, tell_kpi
from support import unique

REPO = Path(__file__).resolve().parents[2]
AZURITE_PREFIX = REPO / ".venvs" / "azurite"
AZURITE_BIN = AZURITE_PREFIX / "node_modules" / ".bin" / "azurite-blob"
# Azurite's well-known development account (documented by Microsoft).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
    "K1SZFPTOtr/KBHBeksoGMGw=="
)
AWS_REGION = "us-east-1"
AWS_ACCOUNT = "123456789012"
BUCKET = "customer-data"
GCP_PROJECT = "ml3-test-project"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


# --- AWS -------------------------------------------------------------------


@dataclass
class Aws:
    """The customer's account on moto: a bucket and two roles to assume."""

    url: str
    admin: tuple[str, str]

    def s3(self):
        key, secret = self.admin
        return boto3.client(
            "s3", region_name=AWS_REGION, endpoint_url=self.url,
            aws_access_key_id=key, aws_secret_access_key=secret,
        )  # fmt: skip

    @staticmethod
    def role_arn(name: str) -> str:
        return f"arn:aws:iam::{AWS_ACCOUNT}:role/{name}"


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    """moto with IAM enforced once set up: the platform's own identity may
    only call ``sts:AssumeRole``; role ``reader`` may read the bucket, role
    ``stranger`` may not."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    saved = {name: os.environ.get(name) for name in _AWS_ENV}
    iam = boto3.client(
        "iam", region_name=AWS_REGION, endpoint_url=url,
        aws_access_key_id="setup", aws_secret_access_key="setup",
    )  # fmt: skip
    admin = _user(iam, unique("admin"), "*")
    platform_key = _user(iam, unique("platform"), "sts:AssumeRole")
    trust = _policy("sts:AssumeRole", principal={"AWS": "*"})
    for role in ("reader", "stranger"):
        # moto's state outlives the module: a second backend finds the roles.
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
    read = _policy(["s3:GetObject", "s3:ListBucket"])
    iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=read)
    boto3.client(
        "s3", region_name=AWS_REGION, endpoint_url=url,
        aws_access_key_id=admin[0], aws_secret_access_key=admin[1],
    ).create_bucket(Bucket=BUCKET)  # fmt: skip

    # The platform's identity, as the default boto3 chain finds it.
    os.environ.update(
        AWS_ACCESS_KEY_ID=platform_key[0], AWS_SECRET_ACCESS_KEY=platform_key[1]
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    # boto3's default session keeps the first credentials it found.
    boto3.DEFAULT_SESSION = None
    enforced = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    try:
        yield Aws(url, admin)
    finally:
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = enforced
        boto3.DEFAULT_SESSION = None
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


_AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def _policy(actions, principal=None) -> str:
    statement = {"Effect": "Allow", "Action": actions}
    if principal is None:
        statement["Resource"] = "*"
    else:
        statement["Principal"] = principal
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _user(iam, name: str, actions) -> tuple[str, str]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=_policy(actions))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


# --- Azure Blob --------------------------------------------------------------


@dataclass
class Azurite:
    blob_endpoint: str

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={self.blob_endpoint};"
        )

    def container(self, name: str):
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient.from_connection_string(self.connection_string)
        container = service.get_container_client(name)
        if not container.exists():
            container.create_container()
        return container


@pytest.fixture(scope="session")
def azurite_bin() -> Path:
    """Azurite from npm, installed beside the repo on first use."""
    if not AZURITE_BIN.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is needed to install Azurite")
        subprocess.run(
            ["npm", "install", "--prefix", str(AZURITE_PREFIX), "azurite@3"],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    return AZURITE_BIN


@pytest.fixture(scope="module")
def azurite(azurite_bin, tmp_path_factory) -> Iterator[Azurite]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(azurite_bin), "--blobHost", "127.0.0.1", "--blobPort", str(port),
            "--location", str(tmp_path_factory.mktemp("azurite")),
            "--skipApiVersionCheck", "--loose", "--silent",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, process)
        yield Azurite(f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "azurite exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError("azurite did not start")


# --- Platform ----------------------------------------------------------------


@pytest.fixture(scope="module")
def remote_platform(
    request, backend, new_database, tmp_path_factory
) -> Iterator[EmbeddedPlatform]:
    """A platform whose clouds are this module's stand-ins (``stand_ins``)."""
    overrides = request.module.stand_ins(request)
    with EmbeddedPlatform(
        home=tmp_path_factory.mktemp(f"remote-{backend}"),
        database_url=new_database(backend),
        job_poll_interval=0.02,
        workers=2,
        drift_run_length=1e4,
        warning_run_length=1e2,
        baseline_samples=200,
        remote_timeout=5.0,
        **overrides,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def local_kpi(remote_platform, tmp_path_factory) -> tuple:
    """`remote_support.tell_kpi` told once with uploaded files."""
    key = remote_platform.create_user(unique("user"))
    with ML3PlatformClient(remote_platform.url, key) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        project_id = sdk.create_project(unique("project"), None, StoragePolicy.MLCUBE)
        return tell_kpi(sdk, project_id, local_data(tmp_path_factory.mktemp("kpi")))


@pytest.fixture
def client(remote_platform) -> Iterator[ML3PlatformClient]:
    key = remote_platform.create_user(unique("user"))
    with ML3PlatformClient(remote_platform.url, key) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        yield sdk


# --- Google Cloud Storage ------------------------------------------------------


class GoogleTokens:
    """Google's OAuth token endpoint for service accounts (the JWT-bearer
    grant, RFC 7523), checking what Google checks: the assertion is signed
    by the registered key of the account it names. gcp-storage-emulator
    checks no token, so this is where a wrong key is refused."""

    def __init__(self) -> None:
        self.keys: dict[str, object] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _token_handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def service_account(self, register: bool = True) -> dict:
        """A new key in Google's JSON layout; registered unless told not to."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        email = f"{unique('reader')}@{GCP_PROJECT}.iam.gserviceaccount.com"
        if register:
            self.keys[email] = key.public_key()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()  # fmt: skip
        return {
            "type": "service_account", "project_id": GCP_PROJECT,
            "private_key_id": unique("key"), "private_key": pem,
            "client_email": email, "client_id": "1",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.url,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
            + email,
            "universe_domain": "googleapis.com",
        }  # fmt: skip

    def accepts(self, assertion: str) -> bool:
        try:
            head, body, signature = assertion.split(".")
            claims = json.loads(_unb64(body))
            self.keys[claims["iss"]].verify(
                _unb64(signature), f"{head}.{body}".encode(),
                padding.PKCS1v15(), hashes.SHA256(),
            )  # fmt: skip
        except (ValueError, KeyError, InvalidSignature):
            return False
        return True


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token_handler(tokens: GoogleTokens):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            if tokens.accepts(form.get("assertion", [""])[0]):
                status, answer = 200, {
                    "access_token": secrets.token_urlsafe(16),
                    "expires_in": 3600, "token_type": "Bearer",
                }  # fmt: skip
            else:
                status, answer = 400, {
                    "error": "invalid_grant",
                    "error_description": "Invalid JWT Signature.",
                }  # fmt: skip
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


@dataclass
class Gcs:
    url: str
    tokens: GoogleTokens

    def put(self, path: str, data: bytes) -> None:
        from gcsfs.core import GCSFileSystem

        fs = GCSFileSystem(
            token="anon", endpoint_url=self.url, skip_instance_cache=True
        )
        fs.pipe_file(path, data)


@pytest.fixture(scope="module")
def gcs() -> Iterator[Gcs]:
    from gcp_storage_emulator.server import create_server

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    tokens = GoogleTokens()
    try:
        yield Gcs(f"http://127.0.0.1:{port}", tokens)
    finally:
        tokens.server.shutdown()
        server.stop()
