"""The console: alerts, why they fired, places over time, feeds, rules, silences and feedback, served
by the daemon's HTTP listener as HTML (works without JavaScript) with a JSON twin under /api/v1/.

It reads the store, never the stages' insides (docs/console.md describes every page).
"""

from __future__ import annotations

from .app import CSP, ConsoleApp
from .auth import Identity, Role, hash_password, new_token

__all__ = ["CSP", "ConsoleApp", "Identity", "Role", "hash_password", "new_token"]
