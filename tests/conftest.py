"""Shared fixtures: the bfi survey (2,800 respondents, R psych reference values) and CLI helpers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
BFI_DIR = DATA / "bfi"
BFI_QUESTIONNAIRE = ROOT / "questionnaires" / "bfi.yaml"

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=50)
settings.register_profile("dev", deadline=None, max_examples=30)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def bfi_csv() -> Path:
    """Path of the bfi responses (respondent_id, A1..O5, gender, education, age)."""
    return BFI_DIR / "responses.csv"


@pytest.fixture(scope="session")
def bfi_yaml() -> Path:
    """Path of the shipped bfi questionnaire."""
    return BFI_QUESTIONNAIRE


@pytest.fixture(scope="session")
def bfi_reference() -> dict:
    """R psych 2.2.9 results on bfi; see tests/data/bfi/README.md for the R call behind each key."""
    return json.loads((BFI_DIR / "reference.json").read_text())


@pytest.fixture(scope="session")
def bfi_questionnaire(bfi_yaml):
    from surveytools import load_questionnaire

    return load_questionnaire(bfi_yaml)


@pytest.fixture(scope="session")
def bfi_survey(bfi_csv, bfi_questionnaire):
    from surveytools import load_survey

    return load_survey(bfi_csv, bfi_questionnaire)


@pytest.fixture()
def runner() -> CliRunner:
    """A click CliRunner (stderr kept apart from stdout)."""
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


@pytest.fixture()
def invoke(runner):
    """Run ``surveytools ARGS...``; returns the click Result (``.exit_code``, ``.stdout``, ``.stderr``)."""
    from surveytools.cli import cli

    def _invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return _invoke
