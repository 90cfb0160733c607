"""Builtin questions' plans (filled in below)."""


def compute(df, plan):
    return {"ok": False, "error": "not implemented"}
