"""The client address behind zero, one or two reverse proxies."""

from __future__ import annotations

import pytest

from accounts.net import client_ip

XFF = "HTTP_X_FORWARDED_FOR"


@pytest.fixture
def direct(settings):
    settings.AXES_IPWARE_PROXY_COUNT = None
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)


@pytest.fixture
def behind_proxies(settings):
    def configure(count: int) -> None:
        settings.AXES_IPWARE_PROXY_COUNT = count
        settings.AXES_IPWARE_META_PRECEDENCE_ORDER = (XFF, "REMOTE_ADDR")

    return configure


def test_by_default_the_forwarded_header_is_ignored(direct, rf):
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", **{XFF: "203.0.113.9"})
    assert client_ip(request) == "192.0.2.1"


def test_behind_one_proxy_the_address_it_appended_is_the_client(behind_proxies, rf):
    behind_proxies(1)
    # The client sent "1.2.3.4" itself; the proxy appended the address it saw.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", **{XFF: "1.2.3.4, 203.0.113.9"})
    assert client_ip(request) == "203.0.113.9"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(behind_proxies, rf):
    behind_proxies(2)
    request = rf.get("/", REMOTE_ADDR="10.0.0.3", **{XFF: "1.2.3.4, 203.0.113.9, 10.0.0.2"})
    assert client_ip(request) == "203.0.113.9"


def test_a_header_too_short_or_not_an_address_falls_back_to_the_peer(behind_proxies, rf):
    behind_proxies(2)
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.3", **{XFF: "203.0.113.9"})) == "10.0.0.3"
    behind_proxies(1)
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.3", **{XFF: "evil"})) == "10.0.0.3"


def test_the_proxy_settings_come_from_the_environment():
    from tests.support.accounts import production_env, settings_of

    env = production_env(
        AXES_IPWARE_PROXY_COUNT="1", AXES_IPWARE_META_PRECEDENCE_ORDER="HTTP_X_FORWARDED_FOR"
    )
    seen = settings_of(env, "AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER")
    assert seen == {
        "AXES_IPWARE_PROXY_COUNT": 1,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR"],
    }
