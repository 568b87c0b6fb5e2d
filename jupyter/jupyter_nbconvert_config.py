"""Jupyter settings for building the site (the Makefile puts this folder on JUPYTER_CONFIG_PATH).

The notebook page is executed by a kernel that mkdocs-jupyter starts through nbconvert.
Over TCP that kernel warns on every build that its traffic is unencrypted. Unix sockets
(IPC) in the user's private runtime folder need no encryption and draw no warning; the
folder and the process id keep two builds from sharing a socket, and jupyter_client
removes the sockets when the kernel stops.
"""

import os

from jupyter_core.paths import jupyter_runtime_dir

c = get_config()  # noqa: F821  # traitlets defines it for config files

runtime = jupyter_runtime_dir()
os.makedirs(runtime, mode=0o700, exist_ok=True)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(runtime, f"mlmath-build-{os.getpid()}")
