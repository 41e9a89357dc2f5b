"""Companies with users of every role, driven through our client."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import ApiKeyExpirationTime, UserCompanyRole
from support import unique


@dataclass
class Member:
    """A company member: their id, their key and a client acting as them."""

    user_id: str
    api_key: str
    client: ML3PlatformClient


class Company:
    """A fresh company whose owner can add members of any role."""

    def __init__(self, platform) -> None:
        self.platform = platform
        key = platform.create_user(unique("owner"))
        client = ML3PlatformClient(platform.url, key)
        client.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        owner_id = next(
            user.user_id
            for user in client.get_company_users()
            if user.company_role == UserCompanyRole.COMPANY_OWNER
        )
        self.owner = Member(owner_id, key, client)
        self._members = [self.owner]

    def add(self, role: UserCompanyRole) -> Member:
        """A new member with ``role`` and a key made for them by the owner."""
        owner = self.owner.client
        user_id = owner.create_company_user(
            "Ada", "Lovelace", unique("user"), "s3cret-pw", "ada@example.com", role
        )
        key = owner.create_user_api_key(user_id, "main", ApiKeyExpirationTime.NEVER)
        member = Member(user_id, key, ML3PlatformClient(self.platform.url, key))
        self._members.append(member)
        return member

    def close(self) -> None:
        for member in self._members:
            member.client.close()


@pytest.fixture
def company(platform) -> Iterator[Company]:
    made = Company(platform)
    yield made
    made.close()


@pytest.fixture
def other_company(platform) -> Iterator[Company]:
    made = Company(platform)
    yield made
    made.close()
