"""Logger, metrics (EMF, handlers.emf) and Tracer for the Lambda side, set up once per container.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and
POWERTOOLS_METRICS_NAMESPACE, which the SAM template sets (and the local commands default).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import orjson
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from handlers.emf import Emf

# The context is any object shaped like LambdaContext (LocalContext outside Lambda).
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

# At DEBUG, kafka-python logs record contents and botocore logs response bodies (the secret).
QUIET_LIBRARIES = ("kafka", "botocore", "boto3", "urllib3")


def tracing_enabled() -> bool:
    """Whether Powertools would trace: in Lambda, and POWERTOOLS_TRACE_DISABLED not true.

    Powertools decides this in `Tracer._is_tracer_disabled()`, a private method; it is called here
    and nowhere else, and a unit test pins the behaviour relied on, so a Powertools upgrade that
    changes it fails that test rather than the cold start.
    """
    return not Tracer._is_tracer_disabled()


def quiet_libraries() -> None:
    """Keep the libraries that may log payloads or secrets at WARNING whatever our level is."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def route_library_logs(source: Logger) -> None:
    """Every line the quiet libraries log goes out through `source`'s handler, Powertools' JSON
    formatter, with the logger's name under "name": one JSON object per line beside the
    forwarder's own (kafka-python alone wrote 17 plain-text lines per invocation when a broker
    was unreachable). The libraries stop propagating to the root logger, so Lambda's own handler
    does not write them a second time. Their levels are left to quiet_libraries()."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name)  # registered now: Powertools only finds registered loggers
    copy_config_to_registered_loggers(
        source_logger=source, include=set(QUIET_LIBRARIES), ignore_log_level=True
    )


def traced(function: Handler) -> Handler:
    """Powertools' handler subsegment when tracing is on; the function itself when it is off."""
    if tracer is None:
        return function
    wrapped: Handler = tracer.capture_lambda_handler(capture_response=False)(function)
    return wrapped


def log_json(log: dict[str, Any]) -> str:
    """A log entry as one line of compact JSON, written by orjson: the summary line of every
    invocation costs about a third of what Powertools' default (`json.dumps`) does. Values
    orjson cannot write are written as `str`, as with Powertools' default; an entry orjson
    refuses whole (a lone surrogate, an integer over 64 bits) falls back to `json.dumps`."""
    try:
        return orjson.dumps(log, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(log, default=str, separators=(",", ":"), ensure_ascii=False)


def read_json(message: dict[Any, Any] | str | bool | int | float) -> Any:
    """Powertools' JSON decoder of log messages (a message that is a JSON document is written
    as that document): orjson instead of `json.loads`, whose decoder set-up and failure cost
    more than the rest of the attempt on each of the forwarder's plain-text messages."""
    if not isinstance(message, str):
        raise TypeError("only text is decoded")
    return orjson.loads(message)


# "name": the logger a line comes from (the service for the forwarder's own lines, e.g.
# "kafka.conn" for a library's). A constructor key, so that clear_state() between invocations
# keeps it.
logger = Logger(name="%(name)s", json_serializer=log_json, json_deserializer=read_json)
# The namespace defaults to KafkaEventForwarder: emit, never fail, without the variable.
metrics = Emf.from_environment()
# Tracer() imports the X-Ray SDK, and with it botocore, even when tracing is off (half of the
# handler's cold import): build it only when Powertools would trace. Off, its decorator only
# opened no-op segments.
tracer = Tracer() if tracing_enabled() else None
route_library_logs(logger)
quiet_libraries()
