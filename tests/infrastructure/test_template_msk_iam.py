"""KafkaAuthMethod AWS_MSK_IAM: the role may connect to the given MSK cluster and write
idempotently, describe and write the one topic (and with routes the topics under
KafkaRoutedTopicPrefix), and nothing else of Kafka; the grants exist only with that method
(docs/providers.md, docs/decisions/routed-topic-grants.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cfn import REQUIRED, Rendered, Template, as_list, statements

pytestmark = pytest.mark.infrastructure

CLUSTER_ARN = (
    "arn:aws:kafka:eu-west-1:123456789012:cluster/forwarder-msk/"
    "6f1e2d3c-aaaa-bbbb-cccc-1234567890ab-7"
)
TOPIC_ARN = (
    "arn:aws:kafka:eu-west-1:123456789012:topic/forwarder-msk/"
    "6f1e2d3c-aaaa-bbbb-cccc-1234567890ab-7/mparticle-events"
)
ROUTED_TOPICS_ARN = (
    "arn:aws:kafka:eu-west-1:123456789012:topic/forwarder-msk/"
    "6f1e2d3c-aaaa-bbbb-cccc-1234567890ab-7/mparticle-*"
)
MSK_IAM: dict[str, str | list[str]] = {
    "KafkaBootstrapServers": "b-1.forwarder-msk.kafka.eu-west-1.amazonaws.com:9098",
    "KafkaTopic": "mparticle-events",
    "KafkaAuthMethod": "AWS_MSK_IAM",
    "KafkaClusterArn": CLUSTER_ARN,
}


@pytest.fixture
def msk_iam(translated: Template) -> Rendered:
    return Rendered(translated, MSK_IAM)


ROUTES = {
    "KafkaTopicRoutes": "commerce_event=mparticle-commerce,screen_view=mparticle-screen-views",
    "KafkaRoutedTopicPrefix": "mparticle-",
}


def kafka_grants(rendered: Rendered) -> dict[str, Any]:
    """Each kafka-cluster action the role is allowed, with the resource it is allowed on."""
    return {
        action: statement["Resource"]
        for statement in statements(rendered)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        if action.startswith("kafka-cluster:")
    }


def test_msk_iam_allows_connect_and_idempotent_writes_on_exactly_the_cluster(
    msk_iam: Rendered,
) -> None:
    grants = kafka_grants(msk_iam)
    assert grants["kafka-cluster:Connect"] == CLUSTER_ARN
    assert grants["kafka-cluster:WriteDataIdempotently"] == CLUSTER_ARN


def test_msk_iam_allows_describe_and_write_on_exactly_the_topic(msk_iam: Rendered) -> None:
    grants = kafka_grants(msk_iam)
    assert grants["kafka-cluster:DescribeTopic"] == [TOPIC_ARN]
    assert grants["kafka-cluster:WriteData"] == [TOPIC_ARN]


def test_msk_iam_with_routes_allows_describe_and_write_on_the_routed_topic_prefix_too(
    translated: Template,
) -> None:
    grants = kafka_grants(Rendered(translated, MSK_IAM | ROUTES))
    assert grants["kafka-cluster:DescribeTopic"] == [TOPIC_ARN, ROUTED_TOPICS_ARN]
    assert grants["kafka-cluster:WriteData"] == [TOPIC_ARN, ROUTED_TOPICS_ARN]


def test_msk_iam_with_routes_allows_no_other_kafka_cluster_action(translated: Template) -> None:
    assert sorted(kafka_grants(Rendered(translated, MSK_IAM | ROUTES))) == [
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:WriteData",
        "kafka-cluster:WriteDataIdempotently",
    ]


def test_routes_without_msk_iam_grant_no_kafka_cluster_permission(translated: Template) -> None:
    rendered = Rendered(translated, REQUIRED | ROUTES | {"KafkaClusterArn": CLUSTER_ARN})
    assert kafka_grants(rendered) == {}


def test_the_function_reads_the_prefix_the_role_is_granted(translated: Template) -> None:
    rendered = Rendered(translated, MSK_IAM | ROUTES)
    variables = rendered.properties("ForwarderFunction")["Environment"]["Variables"]
    assert variables["KAFKA_ROUTED_TOPIC_PREFIX"] == "mparticle-"
    assert variables["KAFKA_TOPIC_ROUTES"] == ROUTES["KafkaTopicRoutes"]


def test_msk_iam_with_routes_requires_the_routed_topic_prefix(source: Template) -> None:
    rule = source["Rules"]["RoutedTopicPrefixWithMskIamRoutes"]
    assert rule["RuleCondition"] == {
        "Fn::And": [
            {"Fn::Equals": [{"Ref": "KafkaAuthMethod"}, "AWS_MSK_IAM"]},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "KafkaTopicRoutes"}, ""]}]},
        ]
    }
    assert [assertion["Assert"] for assertion in rule["Assertions"]] == [
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "KafkaRoutedTopicPrefix"}, ""]}]}
    ]


def test_msk_iam_allows_no_other_kafka_cluster_action(msk_iam: Rendered) -> None:
    assert sorted(kafka_grants(msk_iam)) == [
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:WriteData",
        "kafka-cluster:WriteDataIdempotently",
    ]


def test_msk_iam_reads_no_secret(msk_iam: Rendered) -> None:
    assert not [
        s for s in statements(msk_iam) if "secretsmanager:GetSecretValue" in as_list(s["Action"])
    ]


def test_other_auth_methods_have_no_kafka_cluster_permission(translated: Template) -> None:
    rendered = Rendered(translated, REQUIRED | {"KafkaClusterArn": CLUSTER_ARN})
    assert kafka_grants(rendered) == {}


def test_msk_iam_requires_the_cluster_arn(source: Template) -> None:
    rule = source["Rules"]["ClusterArnWithMskIam"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "KafkaAuthMethod"}, "AWS_MSK_IAM"]}
    assert rule["Assertions"] == [
        {
            "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "KafkaClusterArn"}, ""]}]},
            "AssertDescription": "KafkaClusterArn is required with KafkaAuthMethod AWS_MSK_IAM",
        }
    ]


def test_msk_iam_needs_no_secret_arn(source: Template) -> None:
    condition = source["Rules"]["SecretRequiredWithSasl"]["RuleCondition"]
    assert condition == {
        "Fn::Not": [{"Fn::Contains": [["NONE", "AWS_MSK_IAM"], {"Ref": "KafkaAuthMethod"}]}]
    }
