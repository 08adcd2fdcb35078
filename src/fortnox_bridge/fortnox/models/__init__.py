"""Typed models of Fortnox resources (pure data, shared with the sandbox)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.base import API_BLANK, FortnoxModel, MetaInformation
from fortnox_bridge.fortnox.models.employee import Employee

__all__ = ["API_BLANK", "Employee", "FortnoxModel", "MetaInformation"]
