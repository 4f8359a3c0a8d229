"""The Prefect settings kpi needs, as defaults a user's own settings win over.

Prefect reads its settings from the environment when it is first imported, so this module is
imported before `prefect` (pipelines/flows.py does it first). Nothing here touches PREFECT_HOME or
PREFECT_API_URL: a user's own Prefect home and server are used as they are.
"""

from __future__ import annotations

import os

DEFAULTS = {
    # With no server configured, Prefect starts a temporary one. On a machine that has never run
    # Prefect it first creates and migrates its database, which on a busy 2-core machine takes
    # longer than Prefect's default wait of 20 s (measured: 3 cold runs of 3 failed). 300 s covers
    # it; a server that starts sooner is used as soon as it answers.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
    # kpi runs offline on office machines: no usage data sent, and no first-run notice about it
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def apply_defaults(environ: os._Environ | dict = os.environ) -> None:
    for name, value in DEFAULTS.items():
        environ.setdefault(name, value)


apply_defaults()
