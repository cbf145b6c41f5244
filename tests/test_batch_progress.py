"""Progress: a tqdm bar on a terminal, quiet log lines otherwise."""

from __future__ import annotations

import io

from audit.batch.progress import Progress


def test_log_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(4, stream=stream, interval=0.0, tty=False)
    progress.document(10, last_of_member=True)
    progress.document(5, last_of_member=False)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("batch progress: files 1/4 documents 1 segments 10 rate")
    assert "eta" in lines[0]
    assert lines[-1].startswith("batch done: files 1/4 documents 2 segments 15")
    assert "\r" not in stream.getvalue()


def test_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream=stream, tty=True)
    progress.document(7, last_of_member=True)
    progress.file_skipped()
    progress.close()
    text = stream.getvalue()
    assert "2/2" in text and "segs=7" in text


def test_quiet() -> None:
    stream = io.StringIO()
    progress = Progress(None, stream=stream, enabled=False)
    progress.document(3, True)
    progress.message("x")
    progress.close()
    assert stream.getvalue() == ""
