"""Checks that the shipped sandbox content (sample functions, layers, event templates) is valid.

These are content checks only: each handler is called directly in a plain subprocess with a
minimal context object. The sandbox engine's own tests run the samples under the real sandbox
(memory limit, timeout, REPORT line), which this file deliberately does not try to imitate.
"""

import ast
import base64
import json
import py_compile
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
HANDLERS_DIR = CONTENT / "handlers"
LAYERS_DIR = CONTENT / "layers"
EVENTS_DIR = CONTENT / "events"
COURSE_NOTES = CONTENT / "notes" / "aws-lambda.md"

ALL_SAMPLES = sorted(p.name for p in HANDLERS_DIR.iterdir() if p.is_dir())
LAYERS = sorted(p.name for p in LAYERS_DIR.iterdir() if p.is_dir())
EVENTS = sorted(p.stem for p in EVENTS_DIR.glob("*.json"))

REQUIRED_SAMPLES = {
    "api-gateway-proxy",
    "cold-start-vs-warm",
    "timeout-guard",
    "out-of-memory",
    "handled-vs-unhandled-error",
    "s3-object-processing",
    "sqs-partial-batch",
    "dynamodb-stream-consumer",
    "idempotent-consumer",
    "environment-config",
    "uses-a-layer",
    "memory-vs-cpu",
}
REQUIRED_EVENTS = {
    "s3-put",
    "api-gateway-v1",
    "api-gateway-v2",
    "sqs",
    "sns",
    "dynamodb-stream",
    "kinesis",
    "eventbridge-scheduled",
}

REQUIRED_KEYS = {
    "title",
    "topic",
    "handler",
    "memory",
    "timeout",
    "ephemeral_storage",
    "event",
    "lesson",
}
OPTIONAL_KEYS = {"runtime", "layers", "log_format", "environment"}
ACCOUNT = "123456789012"
# Samples in another runtime than Python (their own checks, and runs through the real sandbox:
# tests/sandbox/web/test_runtime_samples.py). Node.js samples name the sandbox's Node.js.
RUNTIMES = {"python3.13", "nodejs", "provided.al2023"}


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def course_topics():
    """Topic slugs of the course: paragraphs that are only bold text."""
    text = COURSE_NOTES.read_text(encoding="utf-8")
    return {slugify(m) for m in re.findall(r"^\*\*([^*]+)\*\*\s*$", text, flags=re.M)}


def load_toml(sample):
    with (HANDLERS_DIR / sample / "function.toml").open("rb") as fh:
        return tomllib.load(fh)


SAMPLES = [s for s in ALL_SAMPLES if load_toml(s).get("runtime", "python3.13") == "python3.13"]
OTHER_RUNTIME_SAMPLES = sorted(set(ALL_SAMPLES) - set(SAMPLES))


def layer_modules(layer):
    """Top-level module and package names a layer puts on sys.path (/opt/python)."""
    python_dir = LAYERS_DIR / layer / "python"
    names = {p.stem for p in python_dir.glob("*.py")}
    names |= {p.parent.name for p in python_dir.glob("*/__init__.py")}
    return names


def top_level_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: a handler folder is not a package
                found.add("." * node.level + (node.module or ""))
            else:
                found.add(node.module.split(".")[0])
    return found


def check_stdlib_only(path, allowed_extra, tmp_path):
    py_compile.compile(str(path), cfile=str(tmp_path / "compiled.pyc"), doraise=True)
    extra = top_level_imports(path) - set(sys.stdlib_module_names) - set(allowed_extra)
    assert not extra, f"{path.relative_to(ROOT)} imports non-stdlib modules: {sorted(extra)}"


# --------------------------------------------------------------------------- inventory


def test_required_samples_are_shipped():
    assert set(SAMPLES) >= REQUIRED_SAMPLES, REQUIRED_SAMPLES - set(SAMPLES)
    assert len(SAMPLES) >= 12


def test_required_events_are_shipped():
    assert set(EVENTS) >= REQUIRED_EVENTS, REQUIRED_EVENTS - set(EVENTS)


def test_sample_names_are_slugs():
    for name in ALL_SAMPLES + LAYERS + EVENTS:
        assert slugify(name) == name, name


def test_course_topics_are_found():
    # Guards the topic check below against a notes format change.
    assert {"lambda-layers", "concurrency-and-scaling", "sqs-and-sns"} <= course_topics()


# --------------------------------------------------------------------------- function.toml


@pytest.mark.parametrize("sample", SAMPLES)
def test_function_toml(sample):
    folder = HANDLERS_DIR / sample
    assert (folder / "handler.py").is_file()
    assert (folder / "function.toml").is_file()
    cfg = load_toml(sample)

    assert cfg.keys() >= REQUIRED_KEYS, REQUIRED_KEYS - cfg.keys()
    assert not cfg.keys() - REQUIRED_KEYS - OPTIONAL_KEYS, "unknown keys"

    assert isinstance(cfg["title"], str) and cfg["title"].strip()
    assert cfg["topic"] in course_topics(), cfg["topic"]

    module, _, function = cfg["handler"].partition(".")
    assert module and function and "." not in function, cfg["handler"]
    source = folder / f"{module}.py"
    assert source.is_file(), f"handler module {module}.py missing"
    defs = {
        n.name: [a.arg for a in n.args.args]
        for n in ast.parse(source.read_text(encoding="utf-8")).body
        if isinstance(n, ast.FunctionDef)
    }
    assert defs.get(function) == ["event", "context"], "expected def handler(event, context)"

    for key, low, high in (
        ("memory", 128, 10240),
        ("timeout", 1, 900),
        ("ephemeral_storage", 512, 10240),
    ):
        value = cfg[key]
        assert type(value) is int and low <= value <= high, f"{key}={value!r}"

    assert cfg["event"] in EVENTS, f"event template {cfg['event']!r} not in content/events"

    layers = cfg.get("layers", [])
    assert isinstance(layers, list) and len(layers) <= 5
    assert len(set(layers)) == len(layers)
    for layer in layers:
        assert layer in LAYERS, f"layer {layer!r} not in content/layers"

    assert cfg.get("log_format", "Text") in ("Text", "JSON")

    env = cfg.get("environment", {})
    assert isinstance(env, dict)
    for name, value in env.items():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name), name
        assert isinstance(value, str), f"environment {name} must be a string"
        assert not name.startswith("AWS_"), "AWS_* names are reserved by Lambda"
    assert sum(len(k) + len(v) for k, v in env.items()) <= 4096

    lesson = cfg.get("lesson")
    assert isinstance(lesson, dict) and set(lesson) == {"summary", "body"}
    assert lesson["summary"].strip() and "\n" not in lesson["summary"].strip()
    assert len(lesson["body"].strip()) > 200


@pytest.mark.parametrize("sample", ALL_SAMPLES)
def test_runtime_is_one_the_sandbox_runs(sample):
    assert load_toml(sample).get("runtime", "python3.13") in RUNTIMES


def test_node_and_custom_runtime_samples_are_shipped():
    runtimes = {s: load_toml(s)["runtime"] for s in OTHER_RUNTIME_SAMPLES}
    assert runtimes == {
        "nodejs-api-gateway-proxy": "nodejs",
        "nodejs-sqs-partial-batch": "nodejs",
        "nodejs-cold-start-vs-warm": "nodejs",
        "custom-runtime-bootstrap": "provided.al2023",
    }


@pytest.mark.parametrize("sample", OTHER_RUNTIME_SAMPLES)
def test_other_runtime_sample_toml_and_entry_point(sample):
    folder = HANDLERS_DIR / sample
    cfg = load_toml(sample)
    assert cfg.keys() >= REQUIRED_KEYS and not cfg.keys() - REQUIRED_KEYS - OPTIONAL_KEYS
    assert cfg["topic"] in course_topics() and cfg["event"] in EVENTS
    lesson = cfg["lesson"]
    assert lesson["summary"].strip() and len(lesson["body"].strip()) > 200
    if cfg["runtime"] == "nodejs":
        module, _, export = cfg["handler"].partition(".")
        source = (folder / f"{module}.mjs").read_text(encoding="utf-8")
        assert f"export const {export} = async (event" in source
        check = subprocess.run(
            ["node", "--check", str(folder / f"{module}.mjs")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        assert "require(" not in source and not re.search(r"from \"(?!node:)", source), (
            "Node.js samples use Node's standard library only (node: imports)"
        )
    else:
        bootstrap = folder / "bootstrap"
        assert bootstrap.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
        assert bootstrap.stat().st_mode & 0o111, "bootstrap is executable in the content folder"
        check = subprocess.run(["sh", "-n", str(bootstrap)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


# --------------------------------------------------------------------------- code


@pytest.mark.parametrize("sample", SAMPLES)
def test_handler_compiles_and_uses_stdlib_only(sample, tmp_path):
    cfg = load_toml(sample)
    allowed = set()
    for layer in cfg.get("layers", []):
        allowed |= layer_modules(layer)
    local = {p.stem for p in (HANDLERS_DIR / sample).glob("*.py")}
    for path in sorted((HANDLERS_DIR / sample).glob("*.py")):
        check_stdlib_only(path, allowed | local, tmp_path)


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_layout_and_stdlib_only(layer, tmp_path):
    python_dir = LAYERS_DIR / layer / "python"
    assert python_dir.is_dir(), "a Python layer keeps its modules in python/"
    modules = sorted(python_dir.rglob("*.py"))
    assert modules
    own = layer_modules(layer)
    for path in modules:
        check_stdlib_only(path, own, tmp_path)


def test_every_layer_is_used():
    used = {layer for s in SAMPLES for layer in load_toml(s).get("layers", [])}
    assert used == set(LAYERS)


# --------------------------------------------------------------------------- events


def records(event, source_key="eventSource"):
    assert isinstance(event.get("Records"), list) and event["Records"]
    return event["Records"], {r[source_key] for r in event["Records"]}


def check_s3(e):
    recs, sources = records(e)
    assert sources == {"aws:s3"}
    for r in recs:
        assert r["eventName"].startswith("ObjectCreated:")
        assert r["s3"]["bucket"]["arn"] == "arn:aws:s3:::" + r["s3"]["bucket"]["name"]
        assert r["s3"]["object"]["key"] and isinstance(r["s3"]["object"]["size"], int)


def check_sqs(e):
    recs, sources = records(e)
    assert sources == {"aws:sqs"}
    assert len(recs) == 3
    bad = 0
    for r in recs:
        assert r["eventSourceARN"].startswith(f"arn:aws:sqs:us-east-1:{ACCOUNT}:")
        assert {"messageId", "receiptHandle", "body", "attributes", "md5OfBody"} <= r.keys()
        try:
            json.loads(r["body"])
        except ValueError:
            bad += 1
    assert bad == 1, "the sqs template carries exactly one invalid JSON body"


def check_sns(e):
    _, sources = records(e, "EventSource")
    assert sources == {"aws:sns"}
    sns = e["Records"][0]["Sns"]
    assert sns["Type"] == "Notification" and sns["MessageId"] and sns["Message"]
    assert sns["TopicArn"].startswith(f"arn:aws:sns:us-east-1:{ACCOUNT}:")


def check_dynamodb(e):
    recs, sources = records(e)
    assert sources == {"aws:dynamodb"}
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "REMOVE"]
    for r in recs:
        d = r["dynamodb"]
        assert d["Keys"] and d["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert ("NewImage" in d) == (r["eventName"] != "REMOVE")
        assert ("OldImage" in d) == (r["eventName"] != "INSERT")


def check_kinesis(e):
    recs, sources = records(e)
    assert sources == {"aws:kinesis"}
    for r in recs:
        data = base64.b64decode(r["kinesis"]["data"], validate=True)
        assert json.loads(data)
        assert r["eventID"].endswith(r["kinesis"]["sequenceNumber"])


def check_scheduled(e):
    assert e["source"] == "aws.events" and e["detail-type"] == "Scheduled Event"
    assert e["account"] == ACCOUNT and e["resources"][0].startswith("arn:aws:events:us-east-1:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["time"])


def check_scheduler_input(e):
    # EventBridge Scheduler sends only the configured input: no source, detail-type or time.
    assert not {"source", "detail-type", "time"} & set(e)
    assert e["scheduleArn"].startswith(f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["scheduledTime"])


def check_api_v1(e):
    assert e["httpMethod"] in ("GET", "POST", "PUT", "PATCH", "DELETE")
    assert e["path"].startswith("/") and "resource" in e
    assert "version" not in e
    assert e["requestContext"]["accountId"] == ACCOUNT
    assert e["body"] is None or isinstance(e["body"], str)


def check_api_v2(e):
    assert e["version"] == "2.0"
    method, path = e["routeKey"].split(" ", 1)
    assert e["requestContext"]["http"]["method"] == method and e["rawPath"] == path
    assert all(k == k.lower() for k in e["headers"]), "HTTP API lower-cases header names"
    json.loads(e["body"])


EVENT_SHAPES = {
    "s3-put": check_s3,
    "sqs": check_sqs,
    "sns": check_sns,
    "dynamodb-stream": check_dynamodb,
    "kinesis": check_kinesis,
    "eventbridge-scheduled": check_scheduled,
    "eventbridge-scheduler": check_scheduler_input,
    "api-gateway-v1": check_api_v1,
    "api-gateway-v2": check_api_v2,
}


# Templates that show another account on purpose (a cross-account caller).
OTHER_ACCOUNTS = {"iam-access-requests": {"210987654321"}}


@pytest.mark.parametrize("name", EVENTS)
def test_event_template(name):
    text = (EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8")
    event = json.loads(text)
    assert isinstance(event, dict)
    for arn in re.findall(r"arn:aws:[a-z0-9-]+:[^\"]*", text):
        _, _, service, region, account, *_ = arn.split(":")
        if service == "s3":  # bucket ARNs carry no Region or account
            continue
        assert region == ("" if service == "iam" else "us-east-1"), arn
        assert account in {ACCOUNT, *OTHER_ACCOUNTS.get(name, ())}, arn
    if name in EVENT_SHAPES:
        EVENT_SHAPES[name](event)


# --------------------------------------------------------------------------- direct calls

RUNNER = r'''
import importlib, json, os, sys, time, traceback, uuid

spec = json.load(open(sys.argv[1]))
sys.path[:0] = [spec["code_dir"], *spec["layer_dirs"]]


class Context:
    """The attributes of the Python runtime's context object."""

    def __init__(self, name, memory, timeout):
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.memory_limit_in_mb = str(memory)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "2025/11/20/[$LATEST]" + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self):
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


outcomes = []
try:
    module_name, function_name = spec["handler"].rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), function_name)
except Exception as exc:
    outcomes.append({"init_error": type(exc).__name__, "message": str(exc)})
else:
    for _ in range(spec["calls"]):
        context = Context(spec["name"], spec["memory"], spec["timeout"])
        try:
            result = function(json.loads(json.dumps(spec["event"])), context)
            outcomes.append({"result": result})
        except Exception as exc:
            outcomes.append({"errorType": type(exc).__name__, "errorMessage": str(exc)})
with open(spec["out"], "w") as fh:
    json.dump(outcomes, fh)
'''


def invoke(sample, tmp_path, event=None, env=None, calls=1, timeout=None):
    """Call a sample's handler in a fresh interpreter; return one outcome per call."""
    cfg = load_toml(sample)
    if event is None:
        event = json.loads((EVENTS_DIR / f"{cfg['event']}.json").read_text(encoding="utf-8"))
    memory = cfg["memory"]
    out = tmp_path / "outcomes.json"
    spec = {
        "name": sample,
        "handler": cfg["handler"],
        "code_dir": str(HANDLERS_DIR / sample),
        "layer_dirs": [str(LAYERS_DIR / name / "python") for name in cfg.get("layers", [])],
        "memory": memory,
        "timeout": timeout or cfg["timeout"],
        "event": event,
        "calls": calls,
        "out": str(out),
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    (tmp_path / "runner.py").write_text(RUNNER)
    process_env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONDONTWRITEBYTECODE": "1",  # keep __pycache__ out of content/
        "AWS_LAMBDA_FUNCTION_NAME": sample,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{sample}",
        "AWS_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": "/var/task",
        "_HANDLER": cfg["handler"],
        "TZ": ":UTC",
        **cfg.get("environment", {}),
        **(env or {}),
    }
    proc = subprocess.run(
        [sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "spec.json")],
        cwd=tmp_path,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    outcomes = json.loads(out.read_text())
    assert "init_error" not in outcomes[0], outcomes[0]
    return outcomes


def result_of(outcome):
    assert "result" in outcome, f"handler failed: {outcome}"
    return outcome["result"]


def check_api_gateway_proxy(results):
    (r,) = results
    assert r["statusCode"] == 200 and isinstance(r["headers"], dict)
    assert isinstance(r["body"], str) and json.loads(r["body"])["id"] == "101"
    assert r["isBase64Encoded"] is False


def check_cold_start(results):
    first, second = results
    assert first["cold_start"] is True and first["invocation_count"] == 1
    assert second["cold_start"] is False and second["invocation_count"] == 2
    assert first["init_ms_measured_in_code"] >= 300


def check_timeout_guard(results):
    (r,) = results
    assert r["complete"] is False and 0 < r["processed"] < 40
    assert r["next_start"] == r["processed"]


def check_out_of_memory(results):
    (r,) = results
    assert r == {"allocated_mb": 32, "memory_limit_mb": 128}


def check_handled_error(results):
    (r,) = results
    assert r["ok"] is False and r["error"]["type"] == "PaymentDeclinedError"


def check_s3(results):
    (r,) = results
    (obj,) = r["objects"]
    assert obj["key"] == "incoming/2025/Beach Day (Nov).JPG"
    assert obj["kind"] == "image" and obj["thumbnail_key"].startswith("thumbnails/")


def check_sqs(results):
    (r,) = results
    event = json.loads((EVENTS_DIR / "sqs.json").read_text())
    bad = [m["messageId"] for m in event["Records"] if not m["body"].rstrip().endswith("}")]
    assert r == {"batchItemFailures": [{"itemIdentifier": bad[0]}]}


def check_dynamodb(results):
    (r,) = results
    insert, modify, remove = r["changes"]
    assert insert["event"] == "INSERT" and insert["item"]["total"] == 59.9
    assert insert["item"]["items"] == [{"sku": "BOOK-42", "qty": 2}]
    assert insert["item"]["tags"] == ["gift", "priority"] and insert["item"]["coupon"] is None
    assert modify["changed"]["status"] == {"old": "PLACED", "new": "SHIPPED"}
    assert set(modify["changed"]) == {"status", "trackingNo", "giftWrap"}
    assert remove["keys"] == {"pk": "ORDER#0997"} and remove["item"]["receipt"] == "receipt-0997"


def check_idempotent(results):
    first, second = results
    assert first["results"][0]["status"] == "processed"
    assert second["results"][0]["status"] == "duplicate"
    assert second["results"][0]["result"] == first["results"][0]["result"]
    assert second["keys_in_store"] == 1


def check_environment(results):
    (r,) = results
    assert r["config"] == {"table_name": "orders-prod", "log_level": "INFO", "feature_flag": False}
    assert r["lambda_environment"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert r["memory_from_context"] == "256"


def check_layer(results):
    (r,) = results
    assert Path(r["layer_module"]).parent.name == "python"
    (digest,) = r["digests"]
    assert digest["slug"] == "weekly-architecture-review-serverless-order-pipeline"
    assert digest["words"] > 20 and len(digest["preview"]) <= 80


def check_memory_vs_cpu(results):
    (r,) = results
    assert r["primes_below_limit"] == 2262  # primes below 20,000
    assert r["elapsed_ms"] > 0 and r["memory_mb"] == 128


def check_kinesis(results):
    (r,) = results
    assert r["batchItemFailures"] == []
    assert r["symbols"]["AMZN"]["count"] == 2 and r["symbols"]["MSFT"]["count"] == 1


def check_scheduled(results):
    (r,) = results
    assert r["rule"] == "nightly-report" and r["report_date"] == "2025-11-20"


def check_structured_logging(results):
    (r,) = results
    assert "statusCode" not in r and r["quantity"] == 2 and r["orderId"].startswith("ord-")


def check_cost(results):
    (r,) = results
    # 20M requests x 0.5 GB x 0.12 s = 1,200,000 GB-s, 400,000 of them free.
    assert r["gb_seconds"] == 1_200_000.0 and r["compute_cost_usd"] == 13.33
    assert r["request_cost_usd"] == 3.8 and r["total_usd_per_month"] == 17.13


def check_reserved(results):
    (r,) = results
    assert r["accepted"] == 1


def check_provisioned(results):
    first, second = results
    assert first["initialization_type"] == "on-demand"  # no provisioned concurrency here
    assert (first["invocation_in_this_environment"], second["invocation_in_this_environment"]) == (
        1,
        2,
    )
    assert first["init_ms_measured_in_code"] >= 300


def check_versions(results):
    (r,) = results
    assert r["version"] == "$LATEST" and r["release"] == "blue"


def check_iam(results):
    (r,) = results
    decisions = {name: d["decision"] for name, d in r["decisions"].items()}
    assert decisions == {
        "role-writes-orders-table": "Allow",
        "role-writes-another-table": "Deny",
        "role-deletes-table": "Deny",
        "s3-invokes-from-its-bucket": "Allow",
        "s3-invokes-from-another-bucket": "Deny",
        "other-account-invokes": "Deny",
    }
    assert "BOTH" in r["decisions"]["other-account-invokes"]["why"]
    assert "explicit Deny" in r["decisions"]["role-deletes-table"]["why"]


def check_trace(results):
    cold, warm = results
    assert [s["name"] for s in cold["trace"]["subsegments"]] == ["Initialization", "Invocation"]
    assert [s["name"] for s in warm["trace"]["subsegments"]] == ["Invocation"]
    assert cold["trace"]["subsegments"][0]["duration_ms"] >= 200
    calls = [s["name"] for s in warm["trace"]["subsegments"][0]["subsegments"]]
    assert calls == ["parse", "DynamoDB.GetItem"]
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", cold["trace"]["trace_id"])


# sample -> (extra environment, number of calls, invoke timeout, check)
DEFAULT_RUNS = {
    "api-gateway-proxy": ({}, 1, None, check_api_gateway_proxy),
    "cold-start-vs-warm": ({}, 2, None, check_cold_start),
    # 40 items x 50 ms do not fit in 1 s, so the guard must stop early.
    "timeout-guard": ({"ITEM_MS": "50", "SAFETY_MS": "200"}, 1, 1, check_timeout_guard),
    # No memory limit outside the sandbox: keep the allocation small here.
    "out-of-memory": ({"GROW_MB": "32"}, 1, None, check_out_of_memory),
    "handled-vs-unhandled-error": ({}, 1, None, check_handled_error),
    "s3-object-processing": ({}, 1, None, check_s3),
    "sqs-partial-batch": ({}, 1, None, check_sqs),
    "dynamodb-stream-consumer": ({}, 1, None, check_dynamodb),
    "idempotent-consumer": ({}, 2, None, check_idempotent),
    "environment-config": ({}, 1, None, check_environment),
    "uses-a-layer": ({}, 1, None, check_layer),
    "memory-vs-cpu": ({"PRIME_LIMIT": "20000"}, 1, None, check_memory_vs_cpu),
    "kinesis-records": ({}, 1, None, check_kinesis),
    "eventbridge-scheduled": ({}, 1, None, check_scheduled),
    "structured-logging": ({}, 1, None, check_structured_logging),
    "cost-estimator": ({}, 1, None, check_cost),
    "reserved-concurrency-throttle": ({}, 1, None, check_reserved),
    "provisioned-concurrency": ({}, 2, None, check_provisioned),
    "versions-and-aliases": ({"RELEASE": "blue"}, 1, None, check_versions),
    "iam-policy-evaluation": ({}, 1, None, check_iam),
    "trace-phases": ({}, 2, None, check_trace),
}
# Samples whose default event fails on purpose: sample -> the error type it raises.
DEFAULT_ERRORS = {
    "async-retries-destinations": "PaymentDeclinedError",
    "sqs-redrive": "PoisonMessageError",
}


def test_every_sample_has_a_direct_run_check():
    assert set(DEFAULT_RUNS) | set(DEFAULT_ERRORS) == set(SAMPLES)
    assert not set(DEFAULT_RUNS) & set(DEFAULT_ERRORS)


@pytest.mark.parametrize("sample", sorted(DEFAULT_ERRORS))
def test_handler_fails_its_default_event_as_its_lesson_says(sample, tmp_path):
    (outcome,) = invoke(sample, tmp_path)
    assert outcome.get("errorType") == DEFAULT_ERRORS[sample], outcome


@pytest.mark.parametrize("sample", sorted(DEFAULT_RUNS))
def test_handler_with_default_event(sample, tmp_path):
    env, calls, timeout, check = DEFAULT_RUNS[sample]
    if sample == "idempotent-consumer":
        env = {"IDEMPOTENCY_DB": str(tmp_path / "store.sqlite3")}
    outcomes = invoke(sample, tmp_path, env=env, calls=calls, timeout=timeout)
    results = [result_of(o) for o in outcomes]
    json.dumps(results)  # the response must be JSON serialisable
    check(results)


# Samples built for one event source reject other events with a clear ValueError.
SOURCE_SPECIFIC = [
    s
    for s in SAMPLES
    if s
    not in {
        "cold-start-vs-warm",
        "timeout-guard",
        "out-of-memory",
        "handled-vs-unhandled-error",
        "environment-config",
        "memory-vs-cpu",
        "cost-estimator",
        "reserved-concurrency-throttle",
        "provisioned-concurrency",
        "async-retries-destinations",
        "versions-and-aliases",
        "trace-phases",
    }
]


@pytest.mark.parametrize("sample", SOURCE_SPECIFIC)
def test_wrong_event_gives_a_clear_error(sample, tmp_path):
    env = {"IDEMPOTENCY_DB": str(tmp_path / "store.sqlite3")}
    for event in ({"key1": "value1"}, ["not", "an", "object"]):
        (outcome,) = invoke(sample, tmp_path, event=event, env=env)
        assert outcome.get("errorType") == "ValueError", outcome
        assert "Expected" in outcome["errorMessage"]


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ({"httpMethod": "GET", "path": "/items/999"}, 404),
        ({"httpMethod": "DELETE", "path": "/items/101"}, 404),
        ({"httpMethod": "POST", "path": "/items", "body": '{"name": "Pen"}'}, 400),
        ({"httpMethod": "POST", "path": "/items", "body": "not json"}, 400),
        ({"httpMethod": "POST", "path": "/items", "body": '{"name": "Pen", "price": 1.5}'}, 201),
        ({"httpMethod": "GET", "path": "/items"}, 200),
    ],
)
def test_api_gateway_routes(event, status, tmp_path):
    (outcome,) = invoke("api-gateway-proxy", tmp_path, event=event)
    response = result_of(outcome)
    assert response["statusCode"] == status
    assert isinstance(json.loads(response["body"]), dict)


def test_unhandled_error_raises_the_custom_exception(tmp_path):
    (outcome,) = invoke("handled-vs-unhandled-error", tmp_path, event={"mode": "unhandled"})
    assert outcome["errorType"] == "PaymentDeclinedError"
    assert "2500.00" in outcome["errorMessage"]


def test_scheduled_job_reads_the_time_from_a_scheduler_input(tmp_path):
    event = json.loads((EVENTS_DIR / "eventbridge-scheduler.json").read_text(encoding="utf-8"))
    (outcome,) = invoke("eventbridge-scheduled", tmp_path, event=event)
    result = result_of(outcome)
    assert result["schedule"] == "nightly-report" and result["report_date"] == "2025-11-20"
    assert result["event_id"] == "d32c5kddcf5bb8c3"


def test_timeout_guard_finishes_when_there_is_time(tmp_path):
    (outcome,) = invoke("timeout-guard", tmp_path, env={"ITEM_MS": "1"})
    assert result_of(outcome)["complete"] is True


def test_timeout_guard_off_ignores_the_clock(tmp_path):
    # GUARD=off runs every item whatever time is left: under the sandbox this is the
    # version that times out. Here nobody kills it, so it simply overruns its budget.
    env = {"GUARD": "off", "ITEMS": "10", "ITEM_MS": "30"}
    (outcome,) = invoke("timeout-guard", tmp_path, env=env, timeout=0.1)
    result = result_of(outcome)
    assert result["complete"] is True and result["remaining_ms"] == 0


def test_out_of_memory_event_field_wins_over_env(tmp_path):
    (outcome,) = invoke("out-of-memory", tmp_path, event={"megabytes": 8}, env={"GROW_MB": "900"})
    assert result_of(outcome)["allocated_mb"] == 8


def test_environment_config_rejects_bad_values(tmp_path):
    env = {"LOG_LEVEL": "LOUD", "FEATURE_FLAG": "maybe"}
    (outcome,) = invoke("environment-config", tmp_path, env=env)
    assert outcome["errorType"] == "ValueError"
    assert "LOG_LEVEL" in outcome["errorMessage"] and "FEATURE_FLAG" in outcome["errorMessage"]


def test_kinesis_reports_the_first_unreadable_record(tmp_path):
    event = json.loads((EVENTS_DIR / "kinesis.json").read_text())
    event["Records"][1]["kinesis"]["data"] = "bm90IGpzb24="  # "not json"
    (outcome,) = invoke("kinesis-records", tmp_path, event=event)
    result = result_of(outcome)
    seq = event["Records"][1]["kinesis"]["sequenceNumber"]
    assert result["batchItemFailures"] == [{"itemIdentifier": seq}]
    assert result["symbols"] == {"AMZN": {"count": 1, "min": 201.37, "max": 201.37, "avg": 201.37}}
