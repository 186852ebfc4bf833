"""Regenerate screenshots/*.svg from the real app on the simulated `seed` cluster.

    python screenshots/regenerate.py

Each shot drives the app headless as a user would (keys through Textual's Pilot) and saves what
is on screen with `App.save_screenshot`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (170, 42)


async def wait(pilot, pred, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit(f"error: timed out waiting for {what}")
        await pilot.pause(0.05)


async def shoot(kubeconfig: Path) -> list[str]:
    from k8stui.config import Config
    from k8stui.ui.app import K8sTuiApp
    from k8stui.ui.launch import connection_factory

    saved: list[str] = []
    app = K8sTuiApp(connection_factory(kubeconfig), context="admin", config=Config(), demo=True)

    def save(name: str) -> None:
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
        saved.append(f"{name}.svg")

    async with app.run_test(size=SIZE) as pilot:
        def live() -> bool:
            s = app.session
            return bool(s and s.nodes.synced.is_set() and s.pods.synced.is_set()
                        and getattr(app.screen, "table", None) is not None and app.screen.table.row_count >= 3)

        await wait(pilot, live, what="the nodes view")
        await pilot.pause(0.5)
        save("nodes")
        # the drain wizard's plan for k8s-worker-1 (options form: --ignore-daemonsets ticked, then enter)
        await pilot.press("j", "d")
        await wait(pilot, lambda: type(app.screen).__name__ == "DrainScreen", what="the drain wizard")
        await pilot.pause(0.5)
        await pilot.press("tab", "space")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause(2.0)
        save("drain")
        await pilot.press("escape", "escape")
        await wait(pilot, lambda: type(app.screen).__name__ == "NodesScreen", what="back to the nodes")
        await pilot.press("colon", *"pods", "enter")
        await wait(pilot, lambda: type(app.screen).__name__ == "PodsScreen" and app.screen.table.row_count > 10,
                   what="the pods view")
        await pilot.pause(0.5)
        save("pods")
        await pilot.press("question_mark")
        await wait(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="the help screen")
        await pilot.pause(0.3)
        save("help")
        await pilot.press("escape")
        for name, command in (("tokens", "tokens"), ("overview", "overview"), ("audit", "audit")):
            await pilot.press("escape")
            await pilot.press("colon", *command, "enter")
            try:
                await wait(pilot, lambda c=command: c in type(app.screen).__name__.lower(), 10, f":{command}")
            except SystemExit:
                continue  # that screen is not registered in this build
            await pilot.pause(1.0)
            save(name)
        await pilot.press("ctrl+q")
    return saved


def main() -> int:
    from k8stui.sim.cluster import SimThread

    with tempfile.TemporaryDirectory(prefix="k8stui-shots-") as tmp:
        os.environ["XDG_STATE_HOME"] = str(Path(tmp) / "state")
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        sim = SimThread("seed", Path(tmp) / "sim", port=0, speed=0.05).start()
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                pods = sim.call(lambda: sim.cluster.store.objects("pods"))
                if pods and all((p.get("status") or {}).get("phase") == "Running" for p in pods):
                    break
                time.sleep(0.1)
            saved = asyncio.run(shoot(sim.kubeconfig_path))
        finally:
            sim.stop()
    print("wrote " + ", ".join(f"screenshots/{s}" for s in saved))
    return 0


if __name__ == "__main__":
    sys.exit(main())
