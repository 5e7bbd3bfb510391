"""The TypedDicts of the service's JSON name exactly the keys the engine writes."""

from __future__ import annotations

from studyapp.engine.billing import invocation_cost
from studyapp.engine.config import FunctionConfig
from studyapp.engine.results import InvocationResult
from studyapp.engine.shapes import CostShape, FunctionSpec, InvokeResult


def result(**overrides) -> InvocationResult:
    values = {
        "request_id": "r-1",
        "status": "success",
        "payload": {"ok": True},
        "function_error": None,
        "error_type": None,
        "logs": "START\n",
        "cold_start": True,
        "duration_ms": 1.5,
        "billed_duration_ms": 2,
        "init_duration_ms": 10.0,
        "memory_size_mb": 128,
        "max_memory_used_mb": 40,
        "isolation": {"network": False},
    }
    return InvocationResult(**(values | overrides))


def test_a_function_spec_names_every_setting_of_a_function_config():
    spec = FunctionConfig(name="hello", code={"app.py": "x"}).to_dict()
    assert set(spec) == set(FunctionSpec.__annotations__)
    assert FunctionSpec.__required_keys__ == {"name"}


def test_an_invoke_result_names_every_key_of_a_result():
    data = result(cost=invocation_cost(128, 2)).to_dict()
    assert set(data) == set(InvokeResult.__annotations__)
    assert set(data["cost"]) == set(CostShape.__annotations__)
    optional = {"memory_size_mb", "max_memory_used_mb", "isolation", "cost", "environment_id"}
    assert InvokeResult.__optional_keys__ == optional
