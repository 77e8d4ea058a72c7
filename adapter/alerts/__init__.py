"""Alerts that reach a person: problem detection, one e-mail per problem with recovery, a daily digest.

* :mod:`adapter.alerts.settings` — the ``[alerts]`` section (imported by the settings, so this
  package imports nothing at load time);
* :mod:`adapter.alerts.problems` — what is wrong now (health report + ledger);
* :mod:`adapter.alerts.engine` — one message per problem, recovery, digest, the record of deliveries;
* :mod:`adapter.alerts.checks` — :func:`~adapter.alerts.checks.run_checks` for ``app.py check``
  and the app's watcher thread.
"""

from __future__ import annotations
