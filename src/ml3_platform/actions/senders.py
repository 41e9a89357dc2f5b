"""Send one notification: Slack, Discord and Teams webhooks, and e-mail.

Each sender returns what the receiver answered (an HTTP status, the SMTP
recipients) or raises :class:`SendFailed`. A failure is *permanent* when
trying again cannot help (the address policy refuses the URL, the receiver
redirects or rejects the request, no SMTP server is configured): the
worker then stops retrying at once instead of waiting through its back-off.
"""

import smtplib
import ssl

import httpx

from ml3_platform.actions.addresses import UnsafeWebhook, check_webhook
from ml3_platform.actions.messages import (
    Alert,
    discord_payload,
    email_message,
    slack_payload,
    teams_payload,
)
from ml3_platform.settings import Settings

# Seconds a receiver may take; a delivery's claim lasts well beyond this.
SEND_TIMEOUT = 10.0
# Client errors that mean "later", not "never" (RFC 9110 §15.5, RFC 6585).
RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


class SendFailed(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def send(action: dict, alert: Alert, settings: Settings) -> str:
    """Deliver ``alert`` as the notification ``action`` asks for."""
    kind = action["type"]
    if kind == "email_notification":
        return send_email(alert, action["address"], settings)
    if kind == "slack_notification":
        payload = slack_payload(alert, action["channel"])
    elif kind == "discord_notification":
        payload = discord_payload(alert)
    elif kind == "teams_notification":
        payload = teams_payload(alert)
    else:
        raise SendFailed(f"{kind} is not a notification", permanent=True)
    return post_webhook(action["webhook"], payload, alert.idempotency_key, settings)


def post_webhook(url: str, payload: dict, key: str, settings: Settings) -> str:
    # Checked again now: the name may resolve elsewhere than when the rule
    # was saved, or the operator may have changed the policy since.
    try:
        check_webhook(url, settings.webhook_allow_private, resolve_required=True)
    except UnsafeWebhook as refusal:
        raise SendFailed(f"refused: {refusal}", permanent=True) from None

    headers = {"Idempotency-Key": key, "X-ML3-Idempotency-Key": key}
    try:
        # Redirects are not followed: a redirect could lead past the policy.
        response = httpx.post(url, json=payload, headers=headers, timeout=SEND_TIMEOUT)
    except httpx.HTTPError as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from None

    outcome = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    if response.is_success:
        return outcome
    body = response.text[:200]
    # A redirect is never followed, so it would come back on every retry.
    permanent = (
        not response.is_server_error
        and response.status_code not in RETRYABLE_CLIENT_ERRORS
    )
    raise SendFailed(f"{outcome}: {body}" if body else outcome, permanent=permanent)


def send_email(alert: Alert, address: str, settings: Settings) -> str:
    if not settings.smtp_host:
        raise SendFailed(
            "no SMTP server is configured (set ML3_SMTP_HOST)", permanent=True
        )
    message = email_message(alert, settings.smtp_from, address)
    try:
        with _connect(settings) as smtp:
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            refused = smtp.send_message(message)
    except smtplib.SMTPResponseException as error:
        reply = error.smtp_error.decode(errors="replace")
        # 5yz replies are permanent (RFC 5321 §4.2.1).
        raise SendFailed(
            f"SMTP {error.smtp_code} {reply}", permanent=error.smtp_code >= 500
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise SendFailed(f"SMTP {type(error).__name__}: {error}") from None
    if refused:
        raise SendFailed(f"SMTP refused {', '.join(refused)}")
    return f"SMTP accepted for {address}"


def _connect(settings: Settings) -> smtplib.SMTP:
    """A connection as configured: implicit TLS, STARTTLS or plain."""
    host, port = settings.smtp_host, settings.smtp_port
    if settings.smtp_ssl:
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(host, port, timeout=SEND_TIMEOUT, context=context)
    smtp = smtplib.SMTP(host, port, timeout=SEND_TIMEOUT)
    if settings.smtp_starttls:
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp
