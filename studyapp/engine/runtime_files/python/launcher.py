"""Starts AWS's runtime interface client inside an execution environment.

Run as `python -I -S /var/runtime/launcher.py TASK_ROOT OPT_ROOT [FD]`: an isolated interpreter
(no environment variables of Python's, no user site, no script directory on sys.path), so the
path is set here, in Lambda's order: the function's code, its layers, then the runtime.

With FD (a socket to the supervisor), the interpreter is started ahead of its function
(prestart.py): it imports the modules of the runtime client that read no environment variable
when imported, sends the names of every top-level module it has loaded (a function whose code
would shadow one of them is not given to a pre-started interpreter), then waits for its
function's environment variables as JSON. They replace its environment (but for what its own
start added) before the runtime client's modules that read them are imported. An empty message
(the pool closing) ends it.
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
    if len(sys.argv) > 3:
        await_function(int(sys.argv[3]), task_root)
    os.chdir(task_root)
    from awslambdaric.__main__ import main as runtime_interface_client

    runtime_interface_client([sys.argv[0], os.environ.get("_HANDLER", "")])


def await_function(fd: int, task_root: str) -> None:
    import contextlib
    import json

    # Not lambda_runtime_client, bootstrap or __main__: they read the environment on import.
    import awslambdaric.lambda_config
    import awslambdaric.lambda_context
    import awslambdaric.lambda_runtime_exception
    import awslambdaric.lambda_runtime_log_utils
    import awslambdaric.lambda_runtime_marshaller  # noqa: F401

    with contextlib.suppress(ImportError):  # the native client, initialised by its user's import
        import runtime_client  # noqa: F401

    loaded = sorted({name.partition(".")[0] for name in sys.modules})
    os.write(fd, json.dumps(loaded).encode() + b"\n")
    message = b""
    while chunk := os.read(fd, 1 << 16):
        message += chunk
    os.close(fd)
    if not message:
        os._exit(0)
    # What the start itself added is kept, as a fresh start has it: PWD (bubblewrap's --chdir)
    # and LC_CTYPE (the interpreter's coercion of the C locale to C.UTF-8).
    kept = {name: os.environ[name] for name in ("PWD", "LC_CTYPE") if name in os.environ}
    os.environ.clear()
    os.environ.update(kept)
    environment = json.loads(message)
    os.environ.update(environment)
    show_environment([*environment.items(), *(("PWD", kept["PWD"]),) * ("PWD" in kept)])
    # /var/task was empty until now: forget what was cached of it (importlib.invalidate_caches
    # would import importlib.metadata: tens of milliseconds).
    sys.path_importer_cache.pop(task_root, None)


def show_environment(items: list[tuple[str, str]]) -> None:
    """Make /proc/self/environ (what the process was started with) the function's, as a fresh
    start shows it: written over the space the placeholder variable held in the initial block,
    which nothing refers to any more (every variable has been unset and set again). The rest of
    the space is NUL bytes. Left as it is when the function's variables do not fit, or when the
    kernel does not allow it."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])  # env_start, env_end
        block = b"".join(f"{name}={value}".encode() + b"\0" for name, value in items)
        if len(block) <= end - start:
            with open("/proc/self/mem", "r+b", buffering=0) as memory:
                memory.seek(start)
                memory.write(block.ljust(end - start, b"\0"))
    except (OSError, ValueError, IndexError):
        pass  # a kernel that refuses: /proc/<pid>/environ keeps what the start had


if __name__ == "__main__":
    main()
