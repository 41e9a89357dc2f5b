"""What a sender makes of each answer: delivered, retry later, or give up."""

import pytest

from alerts import ALERT
from ml3_platform.actions.messages import discord_payload
from ml3_platform.actions.senders import SendFailed, post_webhook, send_email
from ml3_platform.embedded import free_port
from ml3_platform.settings import Settings
from support import unique

ALLOWED = Settings(webhook_allow_private=True)
KEY = ALERT.idempotency_key


def post(url: str, settings: Settings = ALLOWED) -> str:
    return post_webhook(url, discord_payload(ALERT), KEY, settings)


def test_a_success_is_the_receivers_answer(webhooks):
    path = f"/ok/{unique('hook')}"

    assert post(webhooks.url + path) == "HTTP 200 OK"
    (request,) = webhooks.at(path)
    assert request.headers["Idempotency-Key"] == KEY
    assert request.body == discord_payload(ALERT)


@pytest.mark.parametrize(
    "status, permanent",
    [(500, False), (503, False), (429, False), (408, False), (404, True),
     (400, True), (410, True), (302, True)],
)  # fmt: skip
def test_which_answers_are_worth_retrying(webhooks, status, permanent):
    with pytest.raises(SendFailed) as raised:
        post(f"{webhooks.url}/status/{status}/{unique('hook')}")

    assert raised.value.message.startswith(f"HTTP {status} ")
    assert raised.value.permanent is permanent


def test_an_unreachable_receiver_is_retried():
    with pytest.raises(SendFailed) as raised:
        post(f"http://127.0.0.1:{free_port()}/hook")

    assert raised.value.message.startswith("ConnectError")
    assert not raised.value.permanent


def test_the_policy_is_checked_before_sending(webhooks):
    path = f"/ok/{unique('hook')}"

    with pytest.raises(SendFailed) as raised:
        post(webhooks.url + path, Settings(webhook_allow_private=False))

    assert raised.value.permanent
    assert "non-public address 127.0.0.1" in raised.value.message
    assert webhooks.at(path) == []


def test_e_mail_without_an_smtp_server_gives_up_at_once():
    with pytest.raises(SendFailed) as raised:
        send_email(ALERT, "ops@example.org", Settings(smtp_host=""))

    assert raised.value.permanent
    assert "ML3_SMTP_HOST" in raised.value.message
