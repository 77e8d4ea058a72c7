"""Advance invoices (zálohové faktury) for prepaid orders and their deduction on the final invoice."""

from __future__ import annotations
