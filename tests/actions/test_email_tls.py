"""E-mail over TLS, against a real SMTP server (aiosmtpd) on loopback.

The server's certificate is made here for 127.0.0.1 and trusted through
``SSL_CERT_FILE``, which OpenSSL reads when the platform builds its default
TLS context. Logging in is allowed only after TLS, so a delivered message
shows that the connection was encrypted before the password went out.
"""

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ml3_platform.actions.senders import SendFailed, send_email
from ml3_platform.embedded import free_port
from ml3_platform.settings import Settings
from alerts import ALERT
from receivers import SMTP_PASSWORD, SMTP_USER, authenticate, Collector


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
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
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def smtp_settings(port: int, **fields) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_user=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        smtp_from="ml3@example.org",
        **fields,
    )


def run_server(collector, port, **options) -> Controller:
    controller = Controller(
        collector,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_required=True,
        **options,
    )
    controller.start()
    return controller


def test_starttls_then_login(certificate, monkeypatch):
    collector, port = Collector(), free_port()
    controller = run_server(
        collector, port, tls_context=server_context(certificate), require_starttls=True
    )
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    try:
        outcome = send_email(
            ALERT, "ops@example.org", smtp_settings(port, smtp_starttls=True)
        )
    finally:
        controller.stop()

    assert outcome == "SMTP accepted for ops@example.org"
    (message,) = collector.messages
    assert message["X-ML3-Idempotency-Key"] == ALERT.idempotency_key
    assert ALERT.link in message.get_content()


def test_implicit_tls(certificate, monkeypatch):
    collector, port = Collector(), free_port()
    controller = run_server(
        collector,
        port,
        ssl_context=server_context(certificate),
        # The controller checks that it is up with a TLS client of its own.
        server_hostname="127.0.0.1",
        # aiosmtpd counts only STARTTLS as TLS for AUTH; here the whole
        # connection is TLS, and a plain client could not even greet it.
        auth_require_tls=False,
    )
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    try:
        send_email(ALERT, "ops@example.org", smtp_settings(port, smtp_ssl=True))
    finally:
        controller.stop()

    assert len(collector.messages) == 1


def test_an_untrusted_certificate_is_a_failure_to_retry(certificate, monkeypatch):
    collector, port = Collector(), free_port()
    controller = run_server(
        collector, port, tls_context=server_context(certificate), require_starttls=True
    )
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    try:
        with pytest.raises(SendFailed) as raised:
            send_email(
                ALERT, "ops@example.org", smtp_settings(port, smtp_starttls=True)
            )
    finally:
        controller.stop()

    assert "CERTIFICATE_VERIFY_FAILED" in raised.value.message
    assert not raised.value.permanent
    assert collector.messages == []


def test_a_plain_connection_may_not_log_in(certificate):
    """The server insists on TLS before AUTH: without STARTTLS, no mail."""
    collector, port = Collector(), free_port()
    controller = run_server(
        collector, port, tls_context=server_context(certificate), require_starttls=True
    )
    try:
        with pytest.raises(SendFailed) as raised:
            send_email(ALERT, "ops@example.org", smtp_settings(port))
    finally:
        controller.stop()

    assert raised.value.message.startswith("SMTP ")
    assert collector.messages == []
