"""Is another process still alive? Asked without disturbing it, on Windows too.

``os.kill(pid, 0)`` is a harmless probe on POSIX, but on Windows
``os.kill`` with any signal other than CTRL_C/CTRL_BREAK calls
``TerminateProcess`` — and signal 0 is ``CTRL_C_EVENT``, sent to the whole
console of that process. So Windows asks the kernel through ``OpenProcess``
and ``GetExitCodeProcess`` instead, which only reads.
"""

from __future__ import annotations

import os
import sys

PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
STILL_ACTIVE = 259
ERROR_ACCESS_DENIED = 5


def pid_alive(pid: int | None) -> bool:
    """True when process ``pid`` exists and is not a zombie (the current process always is)."""
    if not pid or pid < 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_alive(pid)
    return _posix_alive(pid)


def _posix_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    # a zombie (killed child not yet reaped) is not alive for our purposes
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _windows_alive(pid: int) -> bool:  # pragma: no cover - runs on Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        # the process exists but belongs to someone else → alive; anything else → gone
        return bool(kernel32.GetLastError() == ERROR_ACCESS_DENIED)
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
