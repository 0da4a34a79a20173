"""People, gathered for the GUI and the CLI: one name to import for the jobs that live in their
own modules (STYLE: one module per job):

* services.access: the permission check every service calls, `require()`;
* services.credentials: what a user name and a password must be; hashing (argon2id);
* services.signin: signing in (also on a desk that cannot be written, and the IT officer of a
  backup to restore), changing one's own password;
* services.desk_setup: the first run, `init_desk`;
* services.users: managing users (IT).

Patch the modules themselves in tests (credentials.HASHER, signin._unknown_failures), not these
names.
"""

from __future__ import annotations

from desk_app.domain.roles import Actor
from desk_app.services.access import require, require_signed_in
from desk_app.services.credentials import (
    FREE_ATTEMPTS,
    MAX_DELAY_SECONDS,
    MIN_PASSWORD_LENGTH,
    OWASP_MINIMUM,
    hash_password,
    login_delay,
    normalise_username,
)
from desk_app.services.desk_setup import init_desk
from desk_app.services.signin import authenticate, authenticate_restorer, change_password
from desk_app.services.users import (
    UserInfo,
    create_user,
    disable_user,
    has_users,
    list_users,
    reset_password,
    set_role,
)

__all__ = [
    "FREE_ATTEMPTS",
    "MAX_DELAY_SECONDS",
    "MIN_PASSWORD_LENGTH",
    "OWASP_MINIMUM",
    "Actor",
    "UserInfo",
    "authenticate",
    "authenticate_restorer",
    "change_password",
    "create_user",
    "disable_user",
    "has_users",
    "hash_password",
    "init_desk",
    "list_users",
    "login_delay",
    "normalise_username",
    "require",
    "require_signed_in",
    "reset_password",
    "set_role",
]
