"""Suite-wide pytest rules: a skipped test is a failure.

A test skipped because Chromium, websocket-client or a service is missing would
let `make test` pass while proving nothing, so the session fails instead."""

import pytest

_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(
            f"{report.nodeid}: {report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr}"
        )


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.section("skipped tests fail the suite")
        for line in _skipped:
            terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if _skipped and session.exitstatus == 0:
        session.exitstatus = 1


@pytest.fixture(scope="session", autouse=True)
def _odoo_static_paths_computed_once():
    """Odoo's WSGI application maps the addons' static folders on the first
    static request, parsing every manifest. In the browser tests Chromium asks
    several static files at once, so several server threads parse manifests
    together, which CPython 3.11.7 does not survive reliably ("SystemError: AST
    constructor recursion depth mismatch", fixed in later CPython releases):
    the map is made here once, before any server thread starts."""
    import odoo.http
    from odoo.modules.module import get_module_path, initialize_sys_path

    initialize_sys_path()
    if get_module_path("calendoc_agenda", display_warning=False):
        odoo.http.root.statics  # noqa: B018 - computed and kept by Odoo
    yield
