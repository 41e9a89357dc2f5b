"""Local stand-ins for the clouds that retrain triggers publish to.

- AWS: moto's server (STS, EventBridge, SQS) on a loopback port.
- GCP Pub/Sub: Google's Pub/Sub emulator (the ``google-cloud-cli-pubsub-
  emulator`` Debian package of this machine kind), spoken to over REST,
  behind :class:`PubSubGate`, which checks service-account tokens as Google
  does (the emulator checks none).
- Azure: no Event Grid emulator installs from the registries, so
  :class:`AzureStandIn` speaks the two REST calls the SDKs make: Microsoft
  Entra's client-credentials token grant (with its OpenID discovery
  document) and Event Grid's publish, over HTTPS with a self-signed
  certificate.
"""

import base64
import datetime as dt
import ipaddress
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from ml3_platform.embedded import free_port

GCP_PROJECT = "ml3-test-project"
AWS_REGION = "eu-west-1"
# moto keeps resources per account; the roles live in its default account.
AWS_ACCOUNT = "123456789012"


# --- TLS ---------------------------------------------------------------------


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files in ``folder``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# --- Azure: Entra token grant and Event Grid publish ---------------------------


class AzureStandIn:
    """Tenants' service principals, the tokens issued, the events received."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.principals: dict[tuple[str, str], str] = {}
        self.tokens: dict[str, str] = {}  # token -> scope
        self.events: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _azure_handler(self))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_principal(self) -> dict:
        """A new service principal, as ``az ad sp create-for-rbac`` prints it."""
        principal = {
            "appId": secrets.token_hex(8),
            "displayName": "ml3-test",
            "password": secrets.token_urlsafe(16),
            "tenant": secrets.token_hex(8),
        }
        self.principals[(principal["tenant"], principal["appId"])] = principal[
            "password"
        ]
        return principal

    def topic_endpoint(self, topic: str) -> str:
        return f"{self.url}/topics/{topic}/api/events"

    def events_of(self, topic: str) -> list[dict]:
        with self.lock:
            return [event for topic_, event in self.events if topic_ == topic]


def _azure_handler(standin: AzureStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlparse(self.path).path.strip("/").split("/")
            if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                base = f"{standin.url}/{parts[0]}"
                oauth = f"{base}/oauth2/v2.0"
                self._json(
                    200,
                    {
                        "token_endpoint": f"{oauth}/token",
                        "authorization_endpoint": f"{oauth}/authorize",
                        "device_authorization_endpoint": f"{oauth}/devicecode",
                        "issuer": f"{base}/v2.0",
                    },
                )
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            url = urlparse(self.path)
            parts = url.path.strip("/").split("/")
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if parts[1:] == ["oauth2", "v2.0", "token"]:
                self._token(parts[0], parse_qs(body.decode()))
            elif parts[0] == "topics" and parts[2:] == ["api", "events"]:
                self._publish(parts[1], body)
            else:
                self._json(404, {"error": "not_found"})

        def _token(self, tenant: str, form: dict) -> None:
            client_id = form.get("client_id", [""])[0]
            secret = form.get("client_secret", [""])[0]
            if standin.principals.get((tenant, client_id)) != secret:
                self._json(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client "
                        "secret provided.",
                    },
                )
                return
            token = secrets.token_urlsafe(24)
            standin.tokens[token] = form.get("scope", [""])[0]
            self._json(
                200,
                {"token_type": "Bearer", "expires_in": 3600, "access_token": token},
            )

        def _publish(self, topic: str, body: bytes) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if "eventgrid" not in standin.tokens.get(token, ""):
                self._json(401, {"error": {"code": "Unauthorized"}})
                return
            with standin.lock:
                standin.events.extend((topic, event) for event in json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _json(self, status: int, value: dict) -> None:
            raw = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


# --- GCP: the Pub/Sub emulator and service-account keys -----------------------


class PubSubEmulator:
    """``gcloud beta emulators pubsub start`` on a loopback port."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("gcloud") is not None and shutil.which("java") is not None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "gcloud", "beta", "emulators", "pubsub", "start",
                f"--host-port=127.0.0.1:{self.port}",
                f"--project={GCP_PROJECT}",
                f"--data-dir={self.data_dir}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the Pub/Sub emulator exited"
            try:
                httpx.get(self.url, timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.5)
        raise TimeoutError("the Pub/Sub emulator did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # gcloud starts the emulator's JVM as a child: end the group.
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def create_topic(self, topic: str) -> None:
        path = f"/v1/projects/{GCP_PROJECT}/topics/{topic}"
        httpx.put(self.url + path).raise_for_status()

    def create_subscription(self, topic: str, subscription: str) -> None:
        path = f"/v1/projects/{GCP_PROJECT}/subscriptions/{subscription}"
        body = {"topic": f"projects/{GCP_PROJECT}/topics/{topic}"}
        httpx.put(self.url + path, json=body).raise_for_status()

    def pull(self, subscription: str) -> list[dict]:
        path = f"/v1/projects/{GCP_PROJECT}/subscriptions/{subscription}:pull"
        body = {"maxMessages": 100, "returnImmediately": True}
        answer = httpx.post(self.url + path, json=body)
        answer.raise_for_status()
        return [item["message"] for item in answer.json().get("receivedMessages", [])]


def service_account_key(token_uri: str) -> dict:
    """A fresh service-account key in Google's JSON layout (11 fields)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    email = f"trigger@{GCP_PROJECT}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": GCP_PROJECT,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": email,
        "client_id": str(secrets.randbelow(10**20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/"
        f"x509/{email}",
        "universe_domain": "googleapis.com",
    }


class PubSubGate:
    """Google's side of service-account auth, in front of the emulator.

    The emulator accepts any caller, so this gate checks what Google would:
    a bearer token that is either a JWT signed by a registered service
    account's key (self-signed JWT access) or a token it issued at its own
    ``/token`` endpoint for such a JWT (the OAuth JWT-bearer grant, RFC 7523).
    Accepted requests are forwarded to the emulator unchanged.
    """

    def __init__(self, emulator: PubSubEmulator) -> None:
        self.emulator = emulator
        self.public_keys: dict[str, object] = {}  # client e-mail -> key
        self.tokens: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _gate_handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def register(self, key: dict) -> None:
        private = serialization.load_pem_private_key(
            key["private_key"].encode(), password=None
        )
        self.public_keys[key["client_email"]] = private.public_key()

    def valid_jwt(self, token: str) -> bool:
        try:
            header, payload, signature = token.split(".")
            claims = json.loads(_unb64(payload))
            public_key = self.public_keys[claims["iss"]]
            public_key.verify(
                _unb64(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, KeyError, InvalidSignature):
            return False
        return claims.get("exp", 0) > time.time()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _gate_handler(gate: PubSubGate) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/token":
                self._token(parse_qs(body.decode()))
                return
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in gate.tokens and not gate.valid_jwt(token):
                self._answer(
                    401,
                    json.dumps(
                        {
                            "error": {
                                "code": 401,
                                "message": "Request had invalid authentication "
                                "credentials.",
                                "status": "UNAUTHENTICATED",
                            }
                        }
                    ).encode(),
                )
                return
            forwarded = httpx.post(
                gate.emulator.url + self.path,
                content=body,
                headers={"Content-Type": "application/json"},
            )
            self._answer(forwarded.status_code, forwarded.content)

        def _token(self, form: dict) -> None:
            assertion = form.get("assertion", [""])[0]
            if not gate.valid_jwt(assertion):
                self._answer(400, b'{"error": "invalid_grant"}')
                return
            token = secrets.token_urlsafe(24)
            gate.tokens.add(token)
            raw = json.dumps({"access_token": token, "expires_in": 3600}).encode()
            self._answer(200, raw)

        def _answer(self, status: int, raw: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler
