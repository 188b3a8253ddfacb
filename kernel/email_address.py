"""What the lab accepts as an e-mail address: shared by intake's rules and the gateway's input
checks, so both refuse the same addresses with the same words."""

import re

MAX_EMAIL = 254  # RFC 5321's limit on a forward path

# Deliberately plain: one @, no spaces, a dotted domain. Whether the mailbox exists is for the
# mail server to say; this catches the typing mistakes a person can fix on the form.
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def email_problem(value: str) -> str | None:
    """Why `value` (stripped, non-empty) is not an e-mail address, or None when it is one."""
    if len(value) > MAX_EMAIL:
        return f"at most {MAX_EMAIL} characters (got {len(value)})"
    if not _EMAIL.match(value):
        return f"{value!r} is not an e-mail address (e.g. name@example.org)"
    return None
