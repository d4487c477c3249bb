"""The gaps table: what a study left out or found incomplete, and why (one row per problem)."""

__all__ = ["GAP_COLUMNS", "gap"]

GAP_COLUMNS = ["subject", "session", "condition", "problem", "detail"]


def gap(subject, session, condition, problem, detail) -> dict:
    """One row of the gaps table (what could not be used, and why)."""
    return {"subject": str(subject), "session": str(session), "condition": str(condition), "problem": problem, "detail": detail}
