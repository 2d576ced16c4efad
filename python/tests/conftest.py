"""Shared fixtures: the imbgen binary and the test data of the repository."""

import os
import subprocess

import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
IMBGEN_BIN = os.environ.get("IMBGEN_BIN", os.path.join(ROOT, "build", "release", "imbgen"))


def run_imbgen(*args):
    """Runs the imbgen command; fails the test with its output when it does not succeed."""
    r = subprocess.run([IMBGEN_BIN, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="session")
def creditcard():
    """The 3,000-row credit card slice (120 frauds), Time dropped: X, y."""
    df = pd.read_csv(os.path.join(DATA, "creditcard-small.csv.gz"), float_precision="round_trip")
    return df.drop(columns=["Time", "Class"]), df["Class"]


@pytest.fixture(scope="session")
def adult():
    """The adult slice: categorical (object) and integer columns, missing values as '?'."""
    df = pd.read_csv(os.path.join(DATA, "adult-small.csv"), na_values=["?"],
                     skipinitialspace=True)
    return df.drop(columns=["target"]), df["target"]
