"""The fault proxy sits between every client and the broker: the PROXIED listener advertises
the proxy's port, so a client that bootstraps through the proxy is sent back to it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from kafka import KafkaProducer

from local_stack import StackInfo, client_config
from local_stack.certs import TlsFiles
from local_stack.config import BrokerLayout, server_properties
from local_stack.state import Ports
from tests.support.reliability.proxy import FaultProxy

pytestmark = pytest.mark.reliability

TLS = TlsFiles(Path("/t/ca.pem"), Path("/t/rogue.pem"), Path("/t/b.p12"), Path("/t/w.p12"))


def test_server_properties_advertise_the_proxy_port_for_the_proxied_listener() -> None:
    ports = Ports(1, 2, 3, 4, 5, 6, proxied=7, proxy=8)
    text = server_properties(BrokerLayout(Path("/state/kafka")), TLS, ports)
    props = dict(line.split("=", 1) for line in text.splitlines())
    assert "PROXIED://127.0.0.1:7" in props["listeners"]
    assert "PROXIED://localhost:8" in props["advertised.listeners"]
    assert "PROXIED:SASL_SSL" in props["listener.security.protocol.map"]


def test_server_properties_have_no_proxied_listener_unless_asked() -> None:
    text = server_properties(BrokerLayout(Path("/state/kafka")), TLS, Ports(1, 2, 3, 4, 5, 6))
    assert "PROXIED" not in text


def test_clients_reaching_the_broker_through_the_proxy_are_sent_back_to_it(
    proxied_stack: StackInfo, fault_proxy: FaultProxy
) -> None:
    config = client_config(proxied_stack) | {"bootstrap_servers": proxied_stack.bootstrap.proxied}
    producer = KafkaProducer(**config, api_version=(4, 0), max_block_ms=10_000)
    try:
        assert producer.partitions_for(proxied_stack.topic)
        brokers = producer._metadata.brokers()
        assert {(b.host, b.port) for b in brokers} == {("localhost", fault_proxy.listen_port)}
    finally:
        producer.close(timeout=2)
    assert fault_proxy.connections_made > 0


def test_a_proxy_that_is_down_refuses_connections(fault_proxy: FaultProxy) -> None:
    fault_proxy.down()
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", fault_proxy.listen_port), timeout=2).close()
    finally:
        fault_proxy.up()
