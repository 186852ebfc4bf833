"""`run_tui(...)`: what the `k8stui` command (and `k8stui demo`) calls.

Setup errors before the app can start (an invalid config file) print `error: ...` and return 1;
so does quitting while the error screen is up (the error is printed again as one line).
Everything about the cluster (missing or bad kubeconfig, unknown context, unreachable server,
expired credentials, 403 on list) is shown inside the TUI on an error screen with retry. No
traceback reaches the terminal: an unexpected crash is reported as one line, exit status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from k8stui.errors import UserError
from k8stui.sanitize import sanitize_lines


def connection_factory(kubeconfig: str | Path | None):
    """A factory for `K8sTuiApp`: connect to a context of this kubeconfig (None: the files of
    KUBECONFIG merged as kubectl does, else ~/.kube/config), re-read each time, so a fixed file
    works on retry."""
    from k8stui.kube.connection import connect

    async def factory(context: str | None, readonly: bool):
        return await connect(kubeconfig, context, readonly=readonly)

    factory.kubeconfig = kubeconfig  # type: ignore[attr-defined]  # the app watches it on the error screen
    return factory


def run_tui(kubeconfig: str | Path | None = None, context: str | None = None, namespace: str | None = None,
            all_namespaces: bool = False, readonly: bool = False, demo: bool = False,
            inventory: str | Path | None = None) -> int:
    from k8stui.config import load_config

    try:
        config = load_config()
    except UserError as e:
        print(f"error: {sanitize_lines(str(e))}", file=sys.stderr)
        return 1
    try:
        from k8stui.ui.app import K8sTuiApp
    except ImportError as e:  # a broken install
        print(f"error: cannot start the TUI: {e}", file=sys.stderr)
        return 1
    app = K8sTuiApp(connection_factory(kubeconfig), context=context, namespace=namespace,
                    all_namespaces=all_namespaces, readonly=readonly, config=config, demo=demo,
                    inventory=inventory)
    try:
        result = app.run()
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # never a traceback on the terminal
        print(f"error: the TUI stopped: {type(e).__name__}: {sanitize_lines(str(e))}", file=sys.stderr)
        return 1
    if app.last_error:
        # quit while the error screen was up: the CLI's one line and status
        print(f"error: {sanitize_lines(app.last_error)}", file=sys.stderr)  # (the server's words)
        return 1
    if app.return_code not in (None, 0):
        return app.return_code or 1
    return int(result or 0)
