"""Progress bars and warnings reach the pipeline's terminal, never a page (``overparam.runtime.progress``)."""

import sys
import warnings

import pytest

from overparam.runtime import progress, route_warnings_to_terminal, terminal
from overparam.runtime.progress import ENV

# ``overparam.runtime.progress`` is the function; the module holds the open stream.
progress_module = sys.modules["overparam.runtime.progress"]


@pytest.fixture
def fresh_stream(monkeypatch):
    """Start without a cached stream, and close the one a test opened."""
    monkeypatch.setattr(progress_module, "_stream", None)
    yield
    if progress_module._stream is not None:
        progress_module._stream.close()


@pytest.fixture
def restore_showwarning(monkeypatch):
    """Put ``warnings.showwarning`` back whatever the test did to it."""
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)


def run_bar():
    for _ in progress(range(3), desc="bar text", mininterval=0):
        pass


def test_bar_goes_to_the_file_under_the_pipeline(tmp_path, monkeypatch, capfd, fresh_stream):
    log = tmp_path / "progress.log"
    monkeypatch.setenv(ENV, str(log))
    run_bar()
    assert "bar text" in log.read_text() and "3/3" in log.read_text()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_off_writes_nothing(tmp_path, monkeypatch, capfd, fresh_stream):
    monkeypatch.setenv(ENV, "off")
    monkeypatch.chdir(tmp_path)
    assert terminal() is None
    run_bar()
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert list(tmp_path.iterdir()) == []


def test_unset_writes_to_stderr(monkeypatch, capsys, fresh_stream):
    monkeypatch.delenv(ENV, raising=False)
    assert terminal() is sys.stderr
    run_bar()
    captured = capsys.readouterr()
    assert "bar text" in captured.err and captured.out == ""


def test_disabled_bar_is_silent(monkeypatch, capsys, fresh_stream):
    monkeypatch.delenv(ENV, raising=False)
    for _ in progress(range(3), desc="bar text", enabled=False):
        pass
    assert capsys.readouterr().err == ""


def test_the_stream_follows_the_variable(tmp_path, monkeypatch, fresh_stream):
    monkeypatch.setenv(ENV, str(tmp_path / "one.log"))
    first = terminal()
    assert terminal() is first
    monkeypatch.setenv(ENV, str(tmp_path / "two.log"))
    assert terminal().name == str(tmp_path / "two.log")


def test_warnings_go_to_the_file_under_the_pipeline(tmp_path, monkeypatch, capfd, fresh_stream,
                                                    restore_showwarning):
    log = tmp_path / "progress.log"
    monkeypatch.setenv(ENV, str(log))
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        route_warnings_to_terminal()
        warnings.warn("a warning for whoever runs the book", UserWarning, stacklevel=1)
    assert "UserWarning: a warning for whoever runs the book" in log.read_text()
    assert recorded == [] and capfd.readouterr().err == ""  # shown on the terminal only


def test_warnings_are_dropped_when_progress_is_off(monkeypatch, capfd, fresh_stream, restore_showwarning):
    monkeypatch.setenv(ENV, "off")
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        route_warnings_to_terminal()
        warnings.warn("dropped", UserWarning, stacklevel=1)
    assert recorded == [] and capfd.readouterr().err == ""


def test_outside_the_pipeline_nothing_changes(monkeypatch, fresh_stream, restore_showwarning):
    monkeypatch.delenv(ENV, raising=False)
    before = warnings.showwarning
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        route_warnings_to_terminal()
        assert warnings.showwarning is before
        warnings.warn("shown as usual", UserWarning, stacklevel=1)
    assert [str(w.message) for w in recorded] == ["shown as usual"]
    monkeypatch.setenv(ENV, "")
    route_warnings_to_terminal()
    assert warnings.showwarning is before
