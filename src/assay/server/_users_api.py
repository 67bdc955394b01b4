"""Users and tokens under ``/api/v1/users`` (admins), and signing in and out of the pages."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
