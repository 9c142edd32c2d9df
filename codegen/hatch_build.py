"""Build hook: the generator's sdist and wheel carry the TypeScript runtime.

The runtime has one copy in git, ``clients/typescript/src``. Building from the repository, the hook
adds its ``.ts`` files to the sdist (under the package, where the wheel built from that sdist finds
them) and to the wheel. Building from an sdist, they are already in the package. Editable installs
read ``clients/typescript/src`` directly (see ``typescript/emitter.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

IN_PACKAGE = "beeflow_websocket_codegen/typescript/runtime"


class TypeScriptRuntimeHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        source = root.parent / "clients" / "typescript" / "src"
        if not source.is_dir():
            packaged = root / "src" / IN_PACKAGE
            if not any(packaged.glob("*.ts")):
                raise RuntimeError(f"no TypeScript runtime to package: neither {source} nor {packaged} holds it")
            return  # an unpacked sdist: the package already holds the runtime
        target = IN_PACKAGE if self.target_name == "wheel" else f"src/{IN_PACKAGE}"
        for path in sorted(source.glob("*.ts")):
            build_data["force_include"][str(path)] = f"{target}/{path.name}"
