"""The AWS CLI itself drives the API (`aws lambda invoke --endpoint-url ...`)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.sandbox.api.conftest import aws_cli

pytestmark = pytest.mark.django_db(transaction=True)


def aws(live_server, access_key, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """`aws lambda ...` against the live server, signed with the learner's key."""
    return aws_cli("lambda", *args, endpoint_url=live_server.url, key=access_key, home=tmp_path)


def test_aws_lambda_invoke_writes_the_response_to_the_outfile(
    live_server, sandbox_service, api_samples, access_key, tmp_path, task_worker
):
    done = aws(
        live_server,
        access_key,
        tmp_path,
        "invoke",
        "--function-name",
        "cold-start-vs-warm",
        "--payload",
        "{}",  # AWS CLI v1 sends a blob argument as is (v2 would need --cli-binary-format)
        "out.json",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["StatusCode"] == 200
    assert summary["ExecutedVersion"] == "$LATEST"
    assert json.loads((tmp_path / "out.json").read_text())["invocation_count"] >= 1


def test_aws_lambda_invoke_of_an_unknown_function_fails_with_the_error(
    live_server, sandbox_service, api_samples, access_key, tmp_path
):
    done = aws(
        live_server,
        access_key,
        tmp_path,
        "invoke",
        "--function-name",
        "nope",
        "out.json",
    )
    assert done.returncode != 0
    assert "ResourceNotFoundException" in done.stderr


def test_aws_lambda_create_function_deploys_a_zip_given_as_fileb(
    live_server, sandbox_service, api_samples, access_key, tmp_path, full_isolation, task_worker
):
    import zipfile

    with zipfile.ZipFile(tmp_path / "function.zip", "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'deployed': True}\n")
    created = aws(
        live_server,
        access_key,
        tmp_path,
        "create-function",
        "--function-name",
        "deployed-from-cli",
        "--runtime",
        "python3.13",
        "--role",
        "arn:aws:iam::123456789012:role/lambda-basic",
        "--handler",
        "app.handler",
        "--zip-file",
        "fileb://function.zip",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["State"] == "Pending"
    invoked = aws(
        live_server,
        access_key,
        tmp_path,
        "invoke",
        "--function-name",
        "deployed-from-cli",
        "out.json",
    )
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads((tmp_path / "out.json").read_text()) == {"deployed": True}


def test_the_readme_developer_loop_with_the_aws_cli(
    live_server, sandbox_service, api_samples, access_key, tmp_path, full_isolation, task_worker
):
    """README's "developer loop", command for command: deploy from a folder, publish, alias,
    shift 10 % to a new version, invoke with the tail log, finish the shift, download, delete."""
    import base64
    import io
    import urllib.request
    import zipfile

    def deploy_folder(answer: str) -> None:
        folder = tmp_path / "my-function"
        folder.mkdir(exist_ok=True)
        (folder / "app.py").write_text(
            "def handler(event, context):\n"
            f"    print('answering {answer}')\n"
            f"    return {{'answer': {answer!r}}}\n"
        )
        with zipfile.ZipFile(tmp_path / "function.zip", "w") as archive:
            for path in folder.rglob("*"):
                archive.write(path, path.relative_to(folder).as_posix())

    def run(*args: str) -> dict:
        done = aws(live_server, access_key, tmp_path, *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    deploy_folder("one")
    run(
        "create-function",
        "--function-name",
        "orders",
        "--runtime",
        "python3.13",
        "--handler",
        "app.handler",
        "--role",
        "arn:aws:iam::123456789012:role/lambda-basic",
        "--zip-file",
        "fileb://function.zip",
    )
    assert run("publish-version", "--function-name", "orders")["Version"] == "1"
    alias = run(
        "create-alias", "--function-name", "orders", "--name", "live", "--function-version", "1"
    )
    assert alias["AliasArn"] == "arn:aws:lambda:us-east-1:123456789012:function:orders:live"
    deploy_folder("two")
    run("update-function-code", "--function-name", "orders", "--zip-file", "fileb://function.zip")
    assert run("publish-version", "--function-name", "orders")["Version"] == "2"
    shifted = run(
        "update-alias",
        "--function-name",
        "orders",
        "--name",
        "live",
        "--routing-config",
        '{"AdditionalVersionWeights": {"2": 0.1}}',
    )
    assert shifted["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}
    invoked = run(
        "invoke",
        "--function-name",
        "orders",
        "--qualifier",
        "live",
        "--log-type",
        "Tail",
        "out.json",
    )
    answer = json.loads((tmp_path / "out.json").read_text())["answer"]
    assert (invoked["ExecutedVersion"], answer) in {("1", "one"), ("2", "two")}
    by_version = run("invoke", "--function-name", "orders", "--qualifier", "1", "out.json")
    assert by_version["ExecutedVersion"] == "1"
    assert json.loads((tmp_path / "out.json").read_text()) == {"answer": "one"}
    tail = base64.b64decode(invoked["LogResult"]).decode()
    assert tail.startswith("START RequestId: ")
    assert f"Version: {invoked['ExecutedVersion']}\n" in tail
    assert f"answering {answer}" in tail
    run(
        "update-alias",
        "--function-name",
        "orders",
        "--name",
        "live",
        "--function-version",
        "2",
        "--routing-config",
        "{}",
    )
    moved = run("get-alias", "--function-name", "orders", "--name", "live")
    assert moved["FunctionVersion"] == "2" and not moved.get("RoutingConfig", {}).get(
        "AdditionalVersionWeights"
    )
    invoked = run("invoke", "--function-name", "orders", "--qualifier", "live", "out.json")
    assert invoked["ExecutedVersion"] == "2"
    assert json.loads((tmp_path / "out.json").read_text()) == {"answer": "two"}
    location = run("get-function", "--function-name", "orders")["Code"]["Location"]
    with urllib.request.urlopen(location) as response:
        downloaded = zipfile.ZipFile(io.BytesIO(response.read()))
    assert "return {'answer': 'two'}" in downloaded.read("app.py").decode()
    run("delete-function", "--function-name", "orders")
    missing = aws(live_server, access_key, tmp_path, "get-function", "--function-name", "orders")
    assert missing.returncode != 0
    assert (
        "ResourceNotFoundException" in missing.stderr
        and "Function not found: arn:aws:lambda:us-east-1:123456789012:function:orders"
        in missing.stderr
    )
