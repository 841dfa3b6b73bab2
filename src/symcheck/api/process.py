"""Workers that die with their parent.

`symcheck serve --workers N` runs a uvicorn supervisor that spawns N worker processes. Killed with SIGKILL,
the supervisor cannot stop them, and they went on serving the port, so a restart failed with "port in
use". `symcheck serve` puts its own pid in SYMCHECK_SERVE_PARENT_PID; each worker (a child of that process)
asks the Linux kernel for SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG), which uvicorn handles as a
normal, bounded shutdown. Elsewhere (another OS, or not under `symcheck serve`) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys

PARENT_PID_ENV = "SYMCHECK_SERVE_PARENT_PID"
PR_SET_PDEATHSIG = 1
log = logging.getLogger("symcheck.api")


def exit_with_parent() -> bool:
    """In a worker of `symcheck serve`: arrange SIGTERM on the parent's death. True when arranged."""
    raw = os.environ.get(PARENT_PID_ENV, "")
    if not raw.isdigit() or int(raw) == os.getpid() or not sys.platform.startswith("linux"):
        return False  # not a worker: a single-process server, a test, or not Linux
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("cannot ask to exit with the parent process (prctl errno %d)", ctypes.get_errno())
        return False
    if os.getppid() != int(raw):
        # The parent died before prctl: nothing will signal us, so stop now.
        os.kill(os.getpid(), signal.SIGTERM)
    return True
