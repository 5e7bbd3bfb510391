"""Configuration validation against Lambda's quotas, and pool identity."""

from __future__ import annotations

import pytest

from studyapp.engine import ConfigError, FunctionConfig

pytestmark = pytest.mark.pure

CODE = {"app.py": "def handler(e, c):\n    return 1\n"}


def function(**settings):
    return FunctionConfig(name="f", handler="app.handler", code=CODE, **settings)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"memory_mb": 127}, "memory must be a whole number from 128 to 10240 MB"),
        ({"memory_mb": 10241}, "memory must be a whole number from 128 to 10240 MB"),
        ({"timeout_s": 0}, "timeout must be a whole number from 1 to 900 seconds"),
        ({"timeout_s": 901}, "timeout must be a whole number from 1 to 900 seconds"),
        ({"ephemeral_storage_mb": 100}, "ephemeral storage must be a whole number"),
        ({"environment": {"A": "x" * 4100}}, "over Lambda's 4 KB limit"),
        ({"environment": {"AWS_REGION": "eu-west-1"}}, "reserved by Lambda"),
        ({"layers": tuple({} for _ in range(6))}, "at most 5 layers"),
        ({"log_format": "XML"}, "log format must be one of"),
    ],
)
def test_settings_lambda_would_refuse_are_refused_in_one_line(settings, message):
    with pytest.raises(ConfigError, match=message) as caught:
        function(**settings).validate()
    assert "\n" not in str(caught.value)


def test_code_paths_cannot_escape_the_package():
    with pytest.raises(ConfigError, match="must be relative"):
        FunctionConfig(name="f", code={"../evil.py": ""}).validate()


def test_from_dict_refuses_unknown_settings_and_wrong_types():
    with pytest.raises(ConfigError, match="unknown function setting"):
        FunctionConfig.from_dict({"name": "f", "code": CODE, "cpu": 4})
    with pytest.raises(ConfigError, match="memory_mb must be an integer"):
        FunctionConfig.from_dict({"name": "f", "code": CODE, "memory_mb": "128"})


def test_pool_key_changes_with_code_and_settings_but_not_otherwise():
    base = function()
    assert base.pool_key() == function().pool_key()
    assert base.pool_key() != function(memory_mb=256).pool_key()
    changed = FunctionConfig(name="f", handler="app.handler", code={"app.py": "# edited\n"})
    assert base.pool_key() != changed.pool_key()


def test_reserved_concurrency_is_not_part_of_the_pool_key():
    assert function().pool_key() == function(reserved_concurrency=5).pool_key()
    one, zero = function(reserved_concurrency=1), function(reserved_concurrency=0)
    assert one.pool_key() == zero.pool_key()


def test_the_account_is_part_of_the_pool_key_but_not_of_the_name():
    mine, theirs = function(account="learner-1"), function(account="learner-2")
    assert mine.pool_key() != theirs.pool_key()
    assert mine.name == theirs.name == "f"


def test_an_account_must_be_short_printable_text():
    with pytest.raises(ConfigError, match="account must be printable text"):
        function(account="a\nb").validate()
    with pytest.raises(ConfigError, match="account must be a string"):
        FunctionConfig.from_dict({"name": "f", "code": CODE, "account": 7})


def test_config_round_trips_through_a_dict():
    config = function(environment={"A": "1"}, layers=({"python/x.py": ""},))
    assert FunctionConfig.from_dict(config.to_dict()) == config


def test_a_code_folder_that_goes_away_is_refused_on_the_next_validation(tmp_path):
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "app.py").write_text(CODE["app.py"])
    config = FunctionConfig(name="f", handler="app.handler", code_dir=str(folder))
    assert config.validate() is config
    (folder / "app.py").unlink()
    folder.rmdir()
    with pytest.raises(ConfigError, match=r"code directory .* does not exist"):
        config.validate()


def test_a_layer_folder_that_goes_away_is_refused_on_the_next_validation(tmp_path):
    layer = tmp_path / "layer"
    layer.mkdir()
    config = function(layers=(str(layer),))
    config.validate()
    layer.rmdir()
    with pytest.raises(ConfigError, match=r"layer directory .* does not exist"):
        config.validate()


def test_a_folder_functions_pool_key_follows_its_files(tmp_path):
    (tmp_path / "app.py").write_text(CODE["app.py"])
    config = FunctionConfig(name="f", handler="app.handler", code_dir=str(tmp_path))
    before = config.pool_key()
    (tmp_path / "app.py").write_text("# edited, and longer than before\n")
    assert config.pool_key() != before
