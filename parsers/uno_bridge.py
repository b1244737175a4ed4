"""The far side of ``parsers.doc.Converter``: run by the system Python, the one that has
LibreOffice's ``uno`` module (Debian python3-uno), never imported by the project.

It starts one headless ``soffice.bin`` (killed by the kernel if this process dies), then
converts one file per request line read from stdin, answering one JSON line on stdout:
``{"in": path, "out": path, "filter": name}`` → ``{"ok": true}`` or ``{"error": "..."}``.
Starting LibreOffice takes about a second; converting a report with it running, tenths
of one. A Word 97 file is loaded into a bare document model, without a window, so it is
never laid out into pages (that takes two thirds of the time through the desktop); what
that filter cannot read goes through the desktop, which detects the format. Macros never
run and links are never updated: the documents come from anywhere.

    python3 uno_bridge.py SOFFICE_BIN PROFILE_URI PIPE_NAME
"""

import ctypes
import json
import signal
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

START_TIMEOUT = 60  # seconds for LibreOffice to accept connections
PR_SET_PDEATHSIG = 1
NEVER_EXECUTE_MACROS = 0  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
NO_UPDATE = 0  # com.sun.star.document.UpdateDocMode.NO_UPDATE
WORD_97 = "MS Word 97"
# soffice.bin's exit status after it set up a new profile: start it again (its launcher would).
RESTART = 81


def die_with_parent() -> None:
    """Run in the child before exec: the kernel kills it when its parent goes."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def properties(**values):
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def launch(soffice: str, profile: str, pipe: str) -> subprocess.Popen:
    return subprocess.Popen(
        [soffice, "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
         f"-env:UserInstallation={profile}", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)


def start(soffice: str, profile: str, pipe: str):
    """LibreOffice running and its component context, or an exit with the reason on stdout."""
    office = launch(soffice, profile, pipe)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if office.poll() == RESTART:
                office = launch(soffice, profile, pipe)
            elif office.poll() is not None or time.monotonic() > deadline:
                reply({"error": f"LibreOffice did not start (exit {office.poll()})"})
                sys.exit(1)
            time.sleep(0.05)
    return office, context


def load(context, path: str):
    """The document at ``path``: as Word 97 into a bare model, else through the desktop."""
    url = uno.systemPathToFileUrl(path)
    safe = {"ReadOnly": True, "MacroExecutionMode": NEVER_EXECUTE_MACROS, "UpdateDocMode": NO_UPDATE}
    document = context.ServiceManager.createInstanceWithContext("com.sun.star.text.TextDocument", context)
    try:
        document.load(properties(URL=url, FilterName=WORD_97, **safe))
        return document
    except Exception:  # not Word 97 after all (Word 6/95, RTF under a .doc name)
        document.close(True)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    return desktop.loadComponentFromURL(url, "_blank", 0, properties(Hidden=True, **safe))


def convert(context, job: dict) -> dict:
    document = load(context, job["in"])
    if document is None:
        return {"error": "LibreOffice could not read the file"}
    try:
        document.storeToURL(uno.systemPathToFileUrl(job["out"]), properties(FilterName=job["filter"]))
    finally:
        document.close(True)
    return {"ok": True}


def reply(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    die_with_parent()
    office, context = start(*sys.argv[1:4])
    reply({"ready": office.pid})
    for line in sys.stdin:
        try:
            reply(convert(context, json.loads(line)))
        except Exception as exc:  # one bad document, one error line; LibreOffice stays up
            reply({"error": " ".join(f"{type(exc).__name__}: {exc}".split())[:300]})
    office.kill()
    office.wait()


if __name__ == "__main__":
    main()
