"""The draw's states and transitions, as one table."""

from __future__ import annotations

from typing import Final

from huanjian.errors import Conflict

# action: (allowed from-states, to-state)
TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "commit": (frozenset({"planned"}), "committed"),
    "run": (frozenset({"committed"}), "drawn"),
    "publish": (frozenset({"drawn"}), "published"),
    # A redraw is requested (reason, first person) without changing state, and
    # takes effect when a second person approves it: the old draw is superseded.
    "approve_redraw": (frozenset({"drawn", "published"}), "superseded"),
}

STATES: Final = ("planned", "committed", "drawn", "published", "superseded")


def next_state(action: str, current: str) -> str:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(
            f"cannot {action.replace('_', ' ')} a draw that is {current}", state=current, action=action
        )
    return target
