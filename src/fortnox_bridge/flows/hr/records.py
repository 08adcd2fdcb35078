"""Host records of the hr family, as a host application sends them to the bridge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fortnox_bridge.flows.common.paxml_codes import check_paxml_code
from fortnox_bridge.flows.hr.validation import (
    InvalidNumber,
    check_bank_account,
    check_clearing_number,
    check_personal_identity_number,
)


class HostEmployee(BaseModel):
    """An employee as the host application knows it.

    The employment id is Fortnox's ``EmployeeId``: sent when the bridge creates the employee in
    Fortnox, after that Fortnox's value is the one that counts (it flows back to the host).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(description="Required and unique; matches employees on first sync.")
    employment_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=15,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Fortnox's EmployeeId (anställningsnummer); unique. Used when the bridge "
        "creates the employee in Fortnox; Fortnox assigns one when it is left out. It cannot be "
        "changed in Fortnox afterwards.",
    )
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=30, description="Unique when given.")
    address_line1: str | None = Field(default=None, max_length=100)
    address_line2: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=50)
    country: str | None = Field(default=None, max_length=50)
    employment_start: date | None = None
    employment_end: date | None = None
    personal_identity_number: str | None = Field(
        default=None,
        description="Personnummer or samordningsnummer, YYYYMMDDNNNN or YYMMDD-NNNN; checked "
        "(date, Luhn check digit) and stored as YYYYMMDDNNNN.",
    )
    bank_clearing_number: str | None = Field(
        default=None,
        description="The bank's clearing number (4 digits; Swedbank 8xxx-x: 5). Send it with "
        "bank_account_number.",
    )
    bank_account_number: str | None = Field(
        default=None,
        validate_default=True,
        description="The account number without the clearing number; checked with the bank's "
        "rules (Bankgirot) and stored as digits.",
    )
    manager: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The host id of this employee's manager (another employee); the manager "
        "is e-mailed when Fortnox refuses this employee's data.",
    )

    @field_validator("personal_identity_number")
    @classmethod
    def _personal_identity_number(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            return check_personal_identity_number(value)
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from None

    @field_validator("bank_clearing_number")
    @classmethod
    def _clearing(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            return check_clearing_number(value)
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from None

    @field_validator("bank_account_number")
    @classmethod
    def _account(cls, value: str | None, info: ValidationInfo) -> str | None:
        given = "bank_clearing_number" in info.data
        clearing = info.data.get("bank_clearing_number")
        if value is None or value == "":
            if clearing:
                raise ValueError(
                    f"bank_account_number is missing: clearing number {clearing} alone is no "
                    "bank account; send both, or neither"
                )
            return None
        if not given:
            return value  # the clearing number was refused: that error says what to fix
        if not clearing:
            raise ValueError(
                "bank_clearing_number is missing: an account number is checked with its "
                "bank's rules, so send the clearing number too"
            )
        try:
            return check_bank_account(clearing, value).account_number
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _end_after_start(self) -> HostEmployee:
        start, end = self.employment_start, self.employment_end
        if start and end and end < start:
            raise ValueError(
                f"employment_end {end} is before employment_start {start}; correct one of the dates"
            )
        return self


class HostAbsenceType(BaseModel):
    """A kind of absence in the host application (vacation, sick leave, ...)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(
        min_length=1,
        max_length=20,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="The host's code of the absence type (letters, digits, '_', '.', '-').",
    )
    name: str = Field(min_length=1, max_length=100)
    counts_as_work_days: bool = Field(
        default=True,
        description="Only absences of types that count as work days are sent to Fortnox.",
    )
    paxml_code: str | None = Field(
        default=None,
        description="The PAXml code reported absence of this type is sent with (SEM, SJK, VAB, "
        "FPE, ...); without one, the default for the type's code or name is used.",
    )

    @field_validator("paxml_code")
    @classmethod
    def _known_paxml_code(cls, value: str | None) -> str | None:
        return None if value is None else check_paxml_code(value)


class HostAbsence(BaseModel):
    """One absence request of an employee."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employee: str = Field(min_length=1, max_length=200, description="The host id of the employee.")
    absence_type: str = Field(
        min_length=1, max_length=200, description="The host id of the absence type."
    )
    start: date
    end: date | None = Field(
        default=None, description="Without an end date nothing is written to Fortnox yet."
    )
    extent: Decimal = Field(
        default=Decimal(100),
        gt=0,
        le=100,
        decimal_places=2,
        description="Percent of the scheduled hours of each day.",
    )
    note: str | None = Field(default=None, max_length=500)
    status: Literal["requested", "approved", "rejected", "cancelled"] = "requested"

    @model_validator(mode="after")
    def _end_not_before_start(self) -> HostAbsence:
        if self.end is not None and self.end < self.start:
            raise ValueError(
                f"end {self.end} is before start {self.start}; correct one of the dates"
            )
        return self
