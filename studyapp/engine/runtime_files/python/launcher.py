"""Starts AWS's runtime interface client inside an execution environment.

Run as `python -I -S /var/runtime/launcher.py TASK_ROOT OPT_ROOT`: an isolated interpreter
(no environment variables of Python's, no user site, no script directory on sys.path), so the
path is set here, in Lambda's order: the function's code, its layers, then the runtime.
"""

import os
import sys


def main() -> None:
    task_root, opt_root = sys.argv[1], sys.argv[2]
    runtime_dir = os.path.dirname(os.path.abspath(__file__))
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    sys.path[:0] = [
        task_root,
        f"{opt_root}/python/lib/{version}/site-packages",
        f"{opt_root}/python",
        runtime_dir,
    ]
    sys.dont_write_bytecode = True
    os.chdir(task_root)
    from awslambdaric.__main__ import main as runtime_interface_client

    runtime_interface_client([sys.argv[0], os.environ.get("_HANDLER", "")])


if __name__ == "__main__":
    main()
