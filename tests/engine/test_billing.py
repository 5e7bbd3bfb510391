"""Billing arithmetic: rounding, INIT billed on cold starts, prices on both architectures."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.engine import billing

pytestmark = pytest.mark.pure


def test_warm_billed_duration_rounds_up_to_the_next_millisecond():
    assert billing.billed_duration_ms(3.01) == 4
    assert billing.billed_duration_ms(3.0) == 3
    assert billing.billed_duration_ms(0.2) == 1


def test_cold_billed_duration_includes_init():
    assert billing.billed_duration_ms(3.01, 110.10) == 114
    assert billing.billed_duration_ms(0.5, 0.5) == 1


def test_billed_duration_uses_the_two_decimal_durations_without_float_noise():
    assert billing.billed_duration_ms(0.1 + 0.2) == 1
    assert billing.billed_duration_ms(2.004) == 2  # reported as 2.00 ms, billed 2 ms
    assert billing.round_ms(2.004) == 2.0


def test_gb_seconds_of_128_mb_for_one_second():
    assert billing.gb_seconds(128, 1000) == pytest.approx(0.125)


def test_invocation_cost_is_request_charge_plus_compute_on_each_architecture():
    cost = billing.invocation_cost(1024, 1000)
    assert cost.gb_seconds == pytest.approx(1.0)
    assert cost.x86_64_usd == pytest.approx(0.0000002 + 0.0000166667)
    assert cost.arm64_usd == pytest.approx(0.0000002 + 0.0000133334)
    assert cost.x86_64_per_million_usd == pytest.approx(16.8667, abs=1e-4)
    assert cost.arm64_per_million_usd == pytest.approx(13.5334, abs=1e-4)


def test_free_tier_covers_a_million_small_invocations_but_fewer_large_ones():
    assert billing.free_invocations_per_month(128, 100) == 1_000_000
    assert billing.free_invocations_per_month(1024, 1000) == 400_000


def test_cost_round_trips_through_a_dict():
    cost = billing.invocation_cost(256, 42)
    assert billing.Cost.from_dict(cost.to_dict()) == cost


@given(duration=st.floats(min_value=0, max_value=900_000, allow_nan=False))
def test_warm_billed_duration_is_the_ceiling_of_the_two_decimal_duration(duration):
    reported = Decimal(repr(billing.round_ms(duration)))
    expected = max(1, int(reported.to_integral_value(rounding=ROUND_CEILING)))
    assert billing.billed_duration_ms(duration) == expected
