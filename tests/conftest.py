"""Shared fixtures of the test suite.

The library's default dtype is torch's own (float32), the precision the chapters train in; a test that
needs float64 as the default asks for it with the ``float64`` fixture (per test, or per module with
``pytestmark = pytest.mark.usefixtures("float64")``), which restores the previous default afterwards.
"""

import pytest
import torch


@pytest.fixture
def float64():
    """Make float64 torch's default dtype for one test and restore the previous default afterwards."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch.float64
    torch.set_default_dtype(saved)


@pytest.fixture
def one_thread():
    """One torch CPU thread for one test (small tensors: on a busy CPU two threads spin against each other
    and run ~10x slower), restoring the previous setting afterwards."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(1234)
