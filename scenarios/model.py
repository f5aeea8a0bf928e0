"""The scenario format: strict pydantic models.

Every model forbids unknown keys, and every field carries a description, which
becomes hover text in editors through the generated JSON Schema.

Units: every duration is stored in minutes (float). Authors write ``30m``, ``4h``,
``2d``. Drill times are stored as minutes after the drill start.

The annotations are evaluated as each class is defined (the module does not postpone
them with ``from __future__ import annotations``): pydantic would otherwise compile and
evaluate every one again from its text, which is start-up time for every command that
reads a scenario. A class named before it is defined is written as text
(``'InjectCondition | None'``).
"""

import itertools
import math
import re
import string
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .durations import (
    DURATION_PATTERN,
    MAX_MINUTES,
    OFFSET_PATTERN,
    check_whole_second,
    format_drill_time,
    on_whole_second,
    parse_drill_time,
    parse_duration,
)

# --- vocabularies ----------------------------------------------------------------

ActorKind = Literal[
    "national_cert",
    "partner_cert",
    "regional_council",
    "national_police",
    "intl_police_channel",
    "police_forum",
    "central_authority",
    "regulator",
    "isp",
    "victim",
    "exercise_control",
]
ACTOR_KINDS: tuple[str, ...] = ActorKind.__args__  # type: ignore[attr-defined]

ChannelKind = Literal["email", "phone", "portal", "police_network", "network_247", "mla"]

TLP_ORDER = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")


def _any_case(text: str) -> str:
    """A JSON Schema pattern for ``text`` in any case (its regular expressions have no
    flag for that)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in text)


#: a TLP label as the validator below reads it: in any case, after 'TLP:' or not
TLP_PATTERN = (rf"^({_any_case('TLP:')})?\s*({'|'.join(_any_case(t) for t in TLP_ORDER)})\s*$")
Tlp = Annotated[
    Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"],
    BeforeValidator(
        lambda v: v.upper().removeprefix("TLP:").strip() if isinstance(v, str) else v
    ),
    # editors offer the labels, and accept them written as the validator reads them
    WithJsonSchema({"anyOf": [{"type": "string", "enum": list(TLP_ORDER)},
                              {"type": "string", "pattern": TLP_PATTERN}]}),
]

Severity = Literal["low", "medium", "high", "critical"]
SEVERITY_ORDER = ("low", "medium", "high", "critical")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = Weekday.__args__  # type: ignore[attr-defined]

#: Verbs that send a message to other actors.
MESSAGE_VERBS = (
    "report",
    "notify",
    "broadcast",
    "share",
    "escalate",
    "request_takedown",
    "refer_police",
    "request_assistance",
    "request_preservation",
    "refer_central_authority",
    "request_mla",
)
#: The action vocabulary shared by the automated policy, people, and frameworks.
Verb = Literal[("acknowledge", "analyse", *MESSAGE_VERBS, "takedown", "preserve", "publish",
                "close")]  # type: ignore[valid-type]
VERBS: tuple[str, ...] = Verb.__args__  # type: ignore[attr-defined]
#: Verbs an expectation's ``target`` applies to: a message's recipient, or the sender of
#: what is acknowledged.
ADDRESSED_VERBS: tuple[str, ...] = ("acknowledge", *MESSAGE_VERBS)

#: Target selectors a framework rule may use in ``to``, relative to the acting
#: actor and the incident. Explicit actor ids are accepted too.
SELECTORS: dict[str, str] = {
    "affected_certs": "national and partner CERTs of every affected country",
    "hosting_certs": "national and partner CERTs of every country hosting malicious infrastructure",
    "member_certs": "every national CERT (kind national_cert)",
    "partner_certs": "every dialogue-partner CERT (kind partner_cert)",
    "regional_council": "the regional coordinator bound in roles.regional_coordinator "
    "(ANSAC or the ASEAN Regional CERT), or every regional council when none is bound",
    "national_police": "police of the acting actor's own country",
    "hosting_police": "police of every country hosting malicious infrastructure",
    "police_channels": "international police bodies that relay requests (kind "
    "intl_police_channel: INTERPOL); not police forums (kind police_forum: the ASEANAPOL "
    "secretariat), which relay none",
    "central_authority": "the central authority for mutual legal assistance of the acting "
    "actor's own country",
    "hosting_central_authorities": "central authorities of every country hosting malicious "
    "infrastructure",
    "hosting_24_7_points": "the 24/7 points of contact of every country hosting malicious "
    "infrastructure: its actors with a contact on a channel of kind network_247 (the "
    "Philippines' is the DOJ Office of Cybercrime, a central authority; elsewhere often "
    "the police)",
    "local_isps": "ISPs and hosting providers in the acting actor's own country",
    "victims": "victim organisations in affected countries",
    "regulators": "regulators of the acting actor's own country",
    "sender": "whoever sent the message that triggered the rule",
    "exercise_control": "exercise control (the high controller)",
}
#: A rule trigger: a verb received, or ``inject`` for an inject from control.
Trigger = Literal[("inject", *MESSAGE_VERBS)]  # type: ignore[valid-type]

#: the most characters of text that an error repeats: longer text is cut short
QUOTED_CHARS = 80
#: the most characters of any other value's ``repr`` that an error repeats
QUOTED_REPR = 200


def quoted(value: Any) -> str:
    """``value`` as an error repeats it, quoted as Python writes it (``'isp th'``); text
    longer than 80 characters is cut there, followed by ``...``, so that an error about
    a huge value is still one readable line (so is another value's ``repr`` past 200)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= QUOTED_CHARS else repr(value[:QUOTED_CHARS]) + "..."
    text = repr(value)
    return text if len(text) <= QUOTED_REPR else text[:QUOTED_REPR] + "..."


#: the validation context of a scenario read back from a journal or a drill server: it
#: ran before (as it was then written), so rules added since to how a scenario is
#: written (drill times to the whole second) do not shut the drill's record
RECORDED = {"recorded": True}


def recorded(info: ValidationInfo) -> bool:
    """Whether a scenario is validated as recorded (:data:`RECORDED`)."""
    context = info.context
    return isinstance(context, dict) and context.get("recorded") is True


_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
Id = Annotated[str, Field(pattern=_ID, min_length=1, max_length=64)]
#: a country code as the editors' schema takes it: two letters, in either case
COUNTRY_PATTERN = "^[A-Za-z]{2}$"
Country = Annotated[
    str,
    # small letters are read as capitals; only ASCII ones ('ß' is not 'SS')
    BeforeValidator(lambda v: v.upper() if isinstance(v, str) and v.isascii() else v),
    Field(pattern=r"^[A-Z]{2}$"),
    WithJsonSchema({"type": "string", "pattern": COUNTRY_PATTERN,
                    "patternErrorMessage": "a two-letter country code, e.g. 'TH'",
                    "description": "ISO 3166-1 alpha-2 country code"}),
]


def _duration(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError(
            f"expected a duration with a unit, like '30m' or '4h', got {str(v).lower()}")
    if isinstance(v, (int, float)):
        if v == 0:
            return 0.0
        raise ValueError(
            f"a duration needs a unit, like '{v}m' or '{v}h' (got the bare number {v!r})"
        )
    return parse_duration(v)


#: Minutes, written by people as ``30m``, ``4h``, ``2d``.
def _dump_duration(minutes: float) -> str:
    # exact: the shortest decimal that reads back as the same float ('10s' is
    # 0.16666666666666666m), written without an exponent, which durations lack
    text = repr(float(minutes))
    if "e" in text or "E" in text:
        text = format(Decimal(minutes), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text}m"


#: A duration in the JSON Schema: text like '30m', or the bare number 0 (the pattern
#: applies to text only, the bounds to numbers only).
DURATION_SCHEMA: dict[str, Any] = {
    "type": ["string", "number"],
    "pattern": DURATION_PATTERN,
    "minimum": 0,
    "maximum": 0,
}
Duration = Annotated[
    float,
    BeforeValidator(_duration),
    # JSON dumps write durations back as text, so a dumped scenario validates again
    PlainSerializer(_dump_duration, return_type=str, when_used="json"),
    WithJsonSchema({**DURATION_SCHEMA, "examples": ["30m", "4h", "1h30m", "2d"]}),
]
#: Numbers are written as numbers: a quoted number ('"5"') or a boolean is refused, as
#: the editors' JSON Schema refuses it (booleans are strict too, see StrictBool).
Probability = Annotated[StrictFloat, Field(ge=0.0, le=1.0)]

# A date-time as the drill reads it: ISO 8601 as Python's datetime.fromisoformat reads
# it, with a UTC offset. JSON Schema's 'format: date-time' is RFC 3339, which refuses
# much of what is read ('2026-09-15 09:00+08:00', no seconds, '+0800'), so the editors'
# schema has a pattern instead, piece by piece as fromisoformat (Python 3.11 to 3.13)
# reads a date-time: it accepts every text that is read, and refuses the rest but for
# numbers out of range (hour 25, 30 February) and a few odd spellings (a digit between
# a week date and its time), which drill validate reports.
_FRACTION = "(?:[0-9]{0,5}|[0-9]{6}[^Z+\\-]*)"  # more than 6 digits: the rest is ignored
_IGNORED = "[^Z+\\-]"  # one character after a whole field of the time, ignored
_TIME_OF_DAY = (
    "[0-9]{2}(?:" + _IGNORED + "|[.,]" + _FRACTION
    # hh:mm[:ss]
    + "|:[0-9]{2}(?:" + _IGNORED + "|[.,]" + _FRACTION
    + "|:[0-9]{2}(?:" + _IGNORED + "|[.,:]" + _FRACTION + ")?)?"
    # hhmm[ss]
    + "|[0-9]{2}(?:" + _IGNORED + "|[.,]" + _FRACTION
    + "|[0-9]{2}(?:" + _IGNORED + "|[.,]?" + _FRACTION + ")?)?)?"
)
_UTC_OFFSET = (
    "(?:Z|[+-][0-9]{2}(?:[.,][0-9]+|:[0-9]{2}(?:[.,][0-9]+|:[0-9]{2}(?:[.,:][0-9]+)?)?"
    "|[0-9]{2}(?:[.,][0-9]+|[0-9]{2}(?:[.,]?[0-9]+)?)?)?)"
)
_CALENDAR_DATE = ("(?:[0-9]{4}-(?:[0-9]{2}-[0-9]{2}|W[0-9]{2}(?:-[0-9])?)"
                  "|[0-9]{4}(?:[0-9]{4}|W[0-9]{2}[0-9]?))")
#: a date-time with its UTC offset, as drill validate reads it ('2026-09-15T09:00+08:00',
#: '2026-09-15 09:00:00+08:00', '20260915T0900+0800'); the date and the time are
#: separated by any one character
DATE_TIME = _CALENDAR_DATE + "[\\s\\S]" + _TIME_OF_DAY + _UTC_OFFSET
DATE_TIME_HINT = "a date-time with its UTC offset, e.g. '2026-09-09T10:00:00+08:00'"

#: A date (a holiday, the first and last day of special hours, when a list was checked):
#: an ISO calendar date, '2026-08-31', unquoted or quoted (YAML keeps it as text), which
#: is what the editors' schema takes too (JSON Schema's 'format: date'). Nothing else
#: is read as a date: a number would otherwise be taken as seconds since 1970
#: (``holidays: [20260831]`` as 23 August 1970), and a date-time at midnight as its day.
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE_HINT = "a date, YYYY-MM-DD, e.g. '2026-08-31'"


def _iso_date(v: Any) -> Any:
    if isinstance(v, date) and not isinstance(v, datetime):
        return v  # a model built in code, or dumped and read back
    if isinstance(v, str) and re.fullmatch(DATE_PATTERN[1:-1], v):
        try:
            return date.fromisoformat(v)
        except ValueError as exc:
            raise ValueError(f"{quoted(v)} is not a date of the calendar: {exc}") from None
    raise ValueError(f"{quoted(v)} is not a date; write it as YYYY-MM-DD, e.g. '2026-08-31'")


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN,
                    "patternErrorMessage": DATE_HINT, "examples": ["2026-08-31"]}),
]

class Members(list[str]):
    """The country codes of a membership or a group as the drill sees them: only those
    that were members on the day the drill starts. ``written`` keeps the members as the
    file gives them, each with the date it joined where one is given, which is how they
    are saved: read again for a drill of another day, they give that day's members."""

    written: list[str | dict[str, date]]

    def __init__(self, codes: list[str], written: list[str | dict[str, date]]) -> None:
        super().__init__(codes)
        self.written = written

    @property
    def joined(self) -> dict[str, date]:
        """The date each member given with one joined, the members left out included."""
        return {c: d for item in self.written if isinstance(item, dict) for c, d in item.items()}

    def on(self, day: date) -> 'Members':
        """The members on ``day``: those given without a date, or joined by then."""
        joined = self.joined
        return Members([c for c in self.written_codes() if c not in joined or joined[c] <= day],
                       self.written)

    def written_codes(self) -> list[str]:
        """Every member given, in the order given, whenever it joined."""
        return [c if isinstance(c, str) else next(iter(c)) for c in self.written]

    def joined_later(self) -> dict[str, date]:
        """The members given with a date that are not members here (they joined after
        the drill's start), with the date each joined."""
        return {c: d for c, d in self.joined.items() if c not in self}


#: how to write a member with a date
MEMBER_HINT = ("a member is a country code, or one country and the date it joined, "
               "e.g. {PH: 2018-07-01}")


def _members(v: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Members of a membership or group as written: country codes, or ``{PH: 2018-07-01}``
    for a member from that date."""
    if isinstance(v, Members):
        v = v.written
    if not isinstance(v, list):
        return handler(v)
    codes: list[Any] = []
    for item in v:
        if isinstance(item, dict):
            if len(item) != 1:
                raise PydanticCustomError("value_error", "{message}", {
                    "message": f"{quoted(item)}: {MEMBER_HINT}"})
            codes.append(next(iter(item)))
        else:
            codes.append(item)
    checked: list[str] = handler(codes)
    written: list[str | dict[str, date]] = []
    for item, code in zip(v, checked, strict=True):
        if not isinstance(item, dict):
            written.append(code)
            continue
        day = next(iter(item.values()))
        try:
            written.append({code: _iso_date(day)})
        except ValueError as exc:
            raise PydanticCustomError("value_error", "{message}", {
                "message": f"{quoted(code)}: {exc}"}) from None
    return Members(checked, written)


def _written_members(v: list[str]) -> list[Any]:
    """Members as saved: as written, with their dates, so that reading them again for a
    drill of another day gives that day's members."""
    return v.written if isinstance(v, Members) else list(v)


#: a member as the editors' schema takes it: a country code, or {code: date joined}
MEMBER_SCHEMA: dict[str, Any] = {"anyOf": [
    {"type": "string", "pattern": COUNTRY_PATTERN,
     "patternErrorMessage": "a two-letter country code, e.g. 'TH'",
     "description": "ISO 3166-1 alpha-2 country code"},
    {"type": "object", "minProperties": 1, "maxProperties": 1,
     "propertyNames": {"pattern": COUNTRY_PATTERN},
     "additionalProperties": {"type": "string", "format": "date", "pattern": DATE_PATTERN,
                              "patternErrorMessage": DATE_HINT},
     "description": "A member from a date: its country code and the date it joined, e.g. "
     "{PH: 2018-07-01}; a drill that starts earlier leaves it out."},
]}
#: The countries of a membership or group: country codes, or ``{PH: 2018-07-01}`` for a
#: member from that date. Validating a scenario keeps those of the drill's start only.
MemberList = Annotated[
    list[Country],
    WrapValidator(_members),
    PlainSerializer(_written_members),
    WithJsonSchema({"type": "array", "items": MEMBER_SCHEMA}),
]


#: A drill time: an offset from the start, or a date-time (read with spaces around it
#: taken off) given to the second.
DrillTime = Annotated[
    str,
    AfterValidator(lambda v, info: v if recorded(info) else check_whole_second(v)),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [
                {"pattern": "^\\s*" + OFFSET_PATTERN.removeprefix("^").removesuffix("$")
                 + "\\s*$"},
                {"pattern": "^\\s*" + DATE_TIME + "\\s*$",
                 "patternErrorMessage": "'T+01:30', 'T+1d02:00' or " + DATE_TIME_HINT},
            ],
            "examples": ["T+01:30", "T+1d02:00", "2026-09-09T10:00:00+08:00"],
        }
    ),
]



class _OneOrList:
    """In the JSON Schema, a list that may be written as its one item too, as the
    field's validator reads it: ``to: certph`` for ``to: [certph]``."""

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        listed = handler(schema)
        return {"anyOf": [listed["items"], listed]}


ONE_OR_LIST = _OneOrList()


def _new_list() -> list:
    """An empty list (a default): pydantic reads a Python function's signature at once,
    a builtin's only by parsing its text signature, at start-up, once per field."""
    return []


def _new_dict() -> dict:
    """An empty dict (a default); see :func:`_new_list`."""
    return {}


class Strict(BaseModel):
    """Base for every scenario model: unknown keys are errors; values are frozen.

    Numbers are finite: ``.nan`` and ``.inf`` are refused (a NaN score or probability
    compares false with every bound, and cannot be written to JSON and read back).
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False,
        # schemas are built when a model is first used, not when the module is
        # imported: commands that never validate a scenario do not pay for them
        defer_build=True,
        # editors: keys starting with 'x-' hold YAML anchors and are ignored
        json_schema_extra={"patternProperties": {"^x-": {}}},
    )

    @model_validator(mode="before")
    @classmethod
    def _no_extensions(cls, data: Any) -> Any:
        """Keys starting with ``x-`` carry YAML anchors and are ignored, as in OpenAPI
        and compose files."""
        if isinstance(data, dict) and any(isinstance(k, str) and k.startswith("x-")
                                          for k in data):
            return {k: v for k, v in data.items()
                    if not (isinstance(k, str) and k.startswith("x-"))}
        return data


# --- distributions ---------------------------------------------------------------


class Constant(Strict):
    """Always the same duration."""

    dist: Literal["constant"] = Field(description="Distribution family.")
    value: Duration = Field(description="The duration, e.g. '30m'.")


class Uniform(Strict):
    """Any duration between low and high, equally likely."""

    dist: Literal["uniform"] = Field(description="Distribution family.")
    low: Duration = Field(description="Shortest duration.")
    high: Duration = Field(description="Longest duration.")

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.high < self.low:
            raise ValueError("high must not be shorter than low")
        return self


class Exponential(Strict):
    """Memoryless waiting time with the given mean."""

    dist: Literal["exponential"] = Field(description="Distribution family.")
    mean: Duration = Field(description="Mean duration.")
    max: Duration | None = Field(None, description="Optional cap on any sampled value.")


class Triangular(Strict):
    """Three-point estimate: shortest, most likely, longest."""

    dist: Literal["triangular"] = Field(description="Distribution family.")
    low: Duration = Field(description="Shortest duration.")
    mode: Duration = Field(description="Most likely duration.")
    high: Duration = Field(description="Longest duration.")

    @model_validator(mode="after")
    def _order(self) -> Self:
        if not self.low <= self.mode <= self.high:
            raise ValueError("triangular needs low <= mode <= high")
        return self


class Empirical(Strict):
    """Observed durations, drawn with optional weights."""

    dist: Literal["empirical"] = Field(description="Distribution family.")
    values: list[Duration] = Field(min_length=1, description="Observed durations.")
    weights: list[Annotated[StrictFloat, Field(gt=0)]] | None = Field(
        None, description="Relative weight of each value; equal weights when omitted."
    )

    @model_validator(mode="after")
    def _weights(self) -> Self:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise ValueError(
                f"weights has {len(self.weights)} entries but values has {len(self.values)}"
            )
        return self


Z90 = 1.2815515655446004  # the standard normal 90th percentile
#: A lognormal draws e^(mu + z * sigma) minutes, z a standard normal deviate. Python's
#: normalvariate, from 53-bit uniforms, never draws |z| above 12.13, and e^x overflows
#: a float above x = 709.78: a lognormal with mu + 12.2 * sigma above 709 could draw a
#: duration too long to compute (a 'math range error' in the middle of a run).
LOGNORMAL_DEVIATES = 12.2
LOGNORMAL_LOG_LIMIT = 709.0


class LogNormal(Strict):
    """Right-skewed duration. Give either median and p90, or mu and sigma.

    mu and sigma are the mean and standard deviation of the natural log of the
    duration in minutes.
    """

    dist: Literal["lognormal"] = Field(description="Distribution family.")
    median: Duration | None = Field(None, description="Half of all durations are shorter.")
    p90: Duration | None = Field(None, description="90 % of all durations are shorter.")
    mu: StrictFloat | None = Field(
        None, description="Mean of ln(minutes): 4.1 is a median of 1h. mu + 12.2 times sigma "
        "must be at most 709, beyond which a duration too long to compute could be drawn.")
    sigma: Annotated[StrictFloat, Field(gt=0)] | None = Field(
        None, description="Standard deviation of ln(minutes)."
    )
    max: Duration | None = Field(None, description="Optional cap on any sampled value.")

    @model_validator(mode="after")
    def _params(self) -> Self:
        by_pct = self.median is not None or self.p90 is not None
        by_mu = self.mu is not None or self.sigma is not None
        if by_pct and by_mu:
            raise ValueError("give either median and p90, or mu and sigma, not both")
        if by_pct:
            if self.median is None or self.p90 is None:
                raise ValueError("a lognormal by percentiles needs both median and p90")
            if self.median <= 0:
                raise ValueError("median must be longer than zero")
            if self.p90 <= self.median:
                raise ValueError("p90 must be longer than the median")
        elif self.mu is None or self.sigma is None:
            raise ValueError("a lognormal needs median and p90, or mu and sigma")
        self._finite()
        return self

    def _finite(self) -> None:
        """Refuse parameters that can draw a duration too long to compute, at the field
        to change."""
        mu, sigma = self.params
        if mu + LOGNORMAL_DEVIATES * sigma <= LOGNORMAL_LOG_LIMIT:
            return
        keep = (f"keep mu + {LOGNORMAL_DEVIATES:g} times sigma at most {LOGNORMAL_LOG_LIMIT:g} "
                "(mu is the natural log of the median in minutes: 4.1 is 1h, 15.5 is ten "
                "years)")
        if self.mu is None:
            field = "median"
            message = ("the median is so much shorter than the p90 that the lognormal can "
                       "draw a duration too long to compute; give a longer median")
        elif mu > math.log(MAX_MINUTES):
            field = "mu"
            message = (f"mu {mu:g} puts the median beyond ten years, and with sigma "
                       f"{sigma:g} it can draw a duration too long to compute: {keep}")
        else:
            field = "sigma"
            message = (f"with mu {mu:g}, sigma {sigma:g} can draw a duration too long to "
                       f"compute: {keep}")
        # the message goes in the context, so that braces in it are never placeholders
        raise ValidationError.from_exception_data(type(self).__name__, [InitErrorDetails(
            type=PydanticCustomError("value_error", "{message}", {"message": message}),
            loc=(field,), input=getattr(self, field))])

    @cached_property
    def params(self) -> tuple[float, float]:
        """(mu, sigma) of ln(minutes)."""
        if self.mu is not None and self.sigma is not None:
            return self.mu, self.sigma
        assert self.median is not None and self.p90 is not None
        mu = math.log(self.median)
        return mu, (math.log(self.p90) - mu) / Z90


def _shorthand(v: Any) -> Any:
    if isinstance(v, str):
        return {"dist": "constant", "value": v}
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"dist": "constant", "value": v}
    return v


Distribution = Annotated[
    Constant | Uniform | Exponential | Triangular | Empirical | LogNormal,
    Field(discriminator="dist"),
    BeforeValidator(_shorthand),
]


# --- drill -----------------------------------------------------------------------


class Objective(Strict):
    """An exercise objective that expectations serve."""

    id: Id = Field(description="Short id, e.g. 'O1'.")
    text: str = Field(description="What the drill sets out to test.")


class Standby(Strict):
    """Teams on duty for a window of the drill, whatever their office hours."""

    actors: Annotated[list[Id], ONE_OR_LIST] = Field(
        min_length=1, description="Actor ids standing by.")
    start: DrillTime = Field(
        "T+00:00", description="When the standby begins: 'T+00:00' (default) or a date-time."
    )
    end: DrillTime | None = Field(
        None, description="When it ends: 'T+08:00' or a date-time; the drill's end by default."
    )

    @field_validator("actors", mode="before")
    @classmethod
    def _one(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


#: Placeholders a message template may use (see docs on message wording).
MESSAGE_PLACEHOLDERS = (
    "sender", "recipient", "incident", "facts", "ask", "deadline", "tlp", "tlp_rule",
    "channel", "forwarded", "heading", "verb",
)


def _check_template(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as e:
        raise ValueError(f"not a valid template ({e}); write a literal brace as {{{{ or }}}}")\
            from None
    for _, name, spec, conv in fields:
        if name is None:
            continue
        if name not in MESSAGE_PLACEHOLDERS or spec or conv:
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise ValueError(
                f"unknown placeholder {{{shown}}}; use one of "
                + ", ".join("{" + p + "}" for p in MESSAGE_PLACEHOLDERS))
    return text


class MessageTemplate(Strict):
    """The wording of one verb's messages (see docs/model.md, 'What a message says').
    A field left out keeps the built-in wording."""

    subject: Annotated[str, AfterValidator(_check_template)] | None = Field(
        None, description="Subject line, e.g. '[TLP:{tlp}] Takedown request: {incident}'."
    )
    body: Annotated[str, AfterValidator(_check_template)] | None = Field(
        None, description="Body text with {placeholders}: " + ", ".join(MESSAGE_PLACEHOLDERS)
        + ". Write a literal brace as {{ or }}."
    )


#: A SHA-256 as the scenario gives it: 64 hex digits in lower case.
SHA256_PATTERN = r"^[0-9a-f]{64}$"
#: One line of text: no line break, tab or other ASCII control character.
ONE_LINE_PATTERN = r"^[^\x00-\x1f\x7f\x85\u2028\u2029]+$"
#: A name shown in reports: one line. Every report shows it as text, escaped for its
#: format, whatever other characters it holds (markup characters such as ``_ * | < [``).
StageName = Annotated[str, Field(min_length=1, max_length=60, pattern=ONE_LINE_PATTERN)]


class StageNames(Strict):
    """What reports call the regional coordinator and the law-enforcement stages.

    An APCERT drill names its own coordinator: {regional_coordinator: APCERT secretariat}.
    Each law-enforcement stage has a name of its own: two that read the same (ignoring
    case and spacing) are refused. A name is one line of up to 60 characters, with no
    line break, tab or other ASCII control character; reports show it as written.
    """

    regional_coordinator: StageName | None = Field(
        None,
        description="Name of the regional coordinator in 'ANSAC reached'. Default: the "
        "name of the regional council the run reached or wrote to (the one bound in "
        "roles.regional_coordinator), else of the drill's only one, without a spelt-out "
        "form in brackets after it ('ANSAC' for 'ANSAC (ASEAN Network Security Action "
        "Council)'); when that leaves none, 'ANSAC' if the drill has it, else 'regional "
        "coordinator'.",
    )
    police_referral: StageName = Field(
        "CERT -> national police",
        description="Stage: a CERT refers the incident to police (refer_police).",
    )
    preservation: StageName = Field(
        "preservation request",
        description="Stage: data preservation is requested (request_preservation) of a "
        "body of a country hosting the infrastructure; a request that stays in the "
        "requesting country (police to their own 24/7 point of contact) is not the stage.",
    )
    international_channel: StageName = Field(
        "police -> international channel",
        description="Stage: police ask an international police channel for assistance "
        "(INTERPOL I-24/7; ASEANAPOL relays no requests).",
    )
    foreign_police: StageName = Field(
        "police -> foreign police",
        description="Stage: police ask foreign police directly for assistance.",
    )
    central_authority: StageName = Field(
        "police -> central authority",
        description="Stage: police hand the case to their own country's central authority "
        "for a formal MLA request (refer_central_authority).",
    )
    mla: StageName = Field(
        "formal MLA request",
        description="Stage: a formal mutual legal assistance request between central "
        "authorities (request_mla).",
    )

    @model_validator(mode="after")
    def _stages_apart(self) -> Self:
        """No two law-enforcement stages share a name (ignoring case and spacing): a
        report showing both could not tell them apart. Each repeat is reported at a
        stage the file names, the later one when it names both."""
        errors: list[InitErrorDetails] = []
        seen: dict[str, str] = {}
        for key in type(self).model_fields:
            if key == "regional_coordinator":
                continue
            name: str = getattr(self, key)
            alike = " ".join(name.split()).casefold()
            other = seen.setdefault(alike, key)
            if other == key:
                continue
            at, then = (key, other) if key in self.model_fields_set else (other, key)
            given, theirs = getattr(self, at), getattr(self, then)
            default = "" if then in self.model_fields_set else " (its default)"
            said = ("is also" if given == theirs
                    else f"reads as {theirs!r}, which is")
            message = (f"{given!r} {said} the name of the {then} stage{default}; give each "
                       "law-enforcement stage a name of its own, so that reports tell "
                       "them apart")
            # the message goes in the context, so that braces in it are never placeholders
            errors.append(InitErrorDetails(
                type=PydanticCustomError("value_error", "{message}", {"message": message}),
                loc=(at,), input=given))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    @model_serializer(mode="wrap")
    def _as_before(self, handler: Any) -> Any:
        """The names as written out (a run's log records them): ``central_authority``,
        added later, only when a scenario gives it, so the logs of scenarios that name
        other stages stay as they were; ``regional_coordinator`` only when a scenario
        gives it (reports then name the coordinator reached)."""
        out = handler(self)
        if isinstance(out, dict) and out.get("central_authority") == "police -> central authority":
            del out["central_authority"]
        if isinstance(out, dict) and out.get("regional_coordinator", "") is None:
            del out["regional_coordinator"]
        return out


class Drill(Strict):
    """The drill as a whole."""

    id: Id = Field(description="Stable id of this scenario, e.g. 'acid-botnet'.")
    title: str = Field(description="One-line title shown in listings.")
    description: str = Field("", description="What happens in this drill, for organisers.")
    tlp: Tlp = Field(
        "AMBER", description="Handling label of this scenario file itself (TLP 2.0)."
    )
    start: Annotated[datetime, WithJsonSchema({
        "type": "string", "pattern": "^" + DATE_TIME + "$",
        "patternErrorMessage": DATE_TIME_HINT})] = Field(
        description="Drill clock start, with a UTC offset: '2026-09-09T09:00:00+08:00'; "
        "between the years 1900 and 2200."
    )
    duration: Duration = Field(description="Length of the drill, e.g. '8h' or '2d'.")
    clock_timezone: str = Field(
        "Asia/Singapore",
        description="IANA zone of the drill clock (ACID runs on GMT+8, Singapore time).",
    )
    objectives: list[Objective] = Field(
        default_factory=_new_list, description="Exercise objectives (HSEEP)."
    )
    control_counts_as_reach: StrictBool = Field(
        False,
        description="Count exercise control's injects as reaching a team in 'every affected "
        "CERT reached'. By default only messages from other teams count; both figures are "
        "reported either way.",
    )
    public_holidays: StrictBool = Field(
        False,
        description="Give every actor with a country the public holidays of that country "
        "(from the `holidays` package, for every year the drill spans), unless the actor "
        "sets its own public_holidays. Off by default.",
    )
    standby: list[Standby] = Field(
        default_factory=_new_list,
        description="Teams on duty for a window of the drill whatever their office hours, "
        "as teams in ACID and APCERT drills stand by: [{actors: [mycert, singcert], start: "
        "T+00:00, end: T+08:00}].",
    )
    message_templates: dict[Literal[MESSAGE_VERBS], MessageTemplate] = Field(  # type: ignore[valid-type]
        default_factory=_new_dict,
        description="Wording of the automated policy's messages, by verb: {request_takedown: "
        "{subject: '...', body: '...'}}. Placeholders: " + ", ".join(
            "{" + p + "}" for p in MESSAGE_PLACEHOLDERS) + ".",
    )
    phases: dict[Id, 'Phase'] = Field(
        default_factory=_new_dict,
        description="Named windows of drill time, e.g. {detection: {start: T+00:00, end: "
        "T+02:00}, response: {start: T+02:00}}; rule and inject conditions test them "
        "(when.phase).",
    )

    names: StageNames = Field(
        default_factory=lambda: StageNames(),
        description="Names reports give the regional coordinator and the law-enforcement "
        "stages; the defaults are the ASEAN ones.",
    )

    @model_validator(mode="after")
    def _windows(self) -> Self:
        """Every standby window and phase reads as drill times and ends after it
        starts; each problem is reported at the window's own field."""
        errors: list[InitErrorDetails] = []
        for n, w in enumerate(self.standby):
            errors += self._window_errors(("standby", n), w.start, w.end,
                                          f"standby of {', '.join(w.actors)}")
        for name, phase in self.phases.items():
            errors += self._window_errors(("phases", name), phase.start, phase.end,
                                          f"phase {name!r}")
        if errors:
            # one error per window, each at its own path (a ValidationError raised here
            # becomes these errors of the drill, under its path)
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def _window_errors(self, where: tuple[str | int, ...], start: str, end: str | None,
                       what: str) -> list:
        def error(key: str, message: str, value: str) -> InitErrorDetails:
            # the message goes in the context, so that braces in it are never read as
            # placeholders
            return InitErrorDetails(type=PydanticCustomError("value_error", "{message}",
                                                             {"message": message}),
                                    loc=(*where, key), input=value)

        times: dict[str, float] = {}
        out = []
        for key, value in (("start", start), ("end", end)):
            if value is None:
                continue
            try:
                times[key] = parse_drill_time(value, self.start)
            except ValueError as exc:
                out.append(error(key, str(exc), value))
        if out:
            return out
        if times.get("end", self.duration) > times["start"]:
            return []
        if end is None:
            return [error("start", f"{what} ends before it starts (it has no end, so it ends "
                          f"with the drill, at {format_drill_time(self.duration)})", start)]
        return [error("end", f"{what} ends before it starts", end)]

    @property
    def start_day(self) -> date:
        """The date the drill starts, on the drill clock."""
        return self.start.astimezone(ZoneInfo(self.clock_timezone)).date()

    def phase_window(self, name: str) -> tuple[float, float]:
        """(start, end) of a named phase in drill minutes."""
        return self.standby_window(self.phases[name])  # type: ignore[arg-type]

    def standby_window(self, w: Standby) -> tuple[float, float]:
        """(start, end) of a standby window in drill minutes."""
        from .durations import parse_drill_time

        begin = parse_drill_time(w.start, self.start)
        end = self.duration if w.end is None else parse_drill_time(w.end, self.start)
        return begin, end

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, v: Any, info: ValidationInfo) -> Any:
        if isinstance(v, str):
            try:
                parsed = datetime.fromisoformat(v)
            except ValueError:
                raise ValueError(
                    f"{quoted(v)} is not an ISO date-time; write '2026-09-09T09:00:00+08:00'"
                ) from None
        elif isinstance(v, datetime):
            parsed = v
        else:
            # a bare number would be read as seconds since 1970: say what is wanted
            raise ValueError(f"{quoted(v)} is not a date-time; write '2026-09-09T09:00:00+08:00'")
        if parsed.tzinfo is None:
            raise ValueError(f"{quoted(v)} has no UTC offset; add one, e.g. '+08:00'")
        if not on_whole_second(parsed) and not recorded(info):
            raise ValueError(f"{quoted(v)} is not a whole second; a drill starts on a whole "
                             "second, e.g. '2026-09-09T09:00:00+08:00'")
        if not START_YEARS[0] <= parsed.year <= START_YEARS[1]:
            raise ValueError(
                f"{quoted(v)}: a drill starts between the years {START_YEARS[0]} and {START_YEARS[1]}"
            )
        return parsed

    @field_validator("clock_timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_zone(v)

    @field_validator("duration")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("the drill must last longer than zero")
        return v


#: The years a drill may start in: far enough from datetime's limits that every local
#: time within the longest drill can be shown.
START_YEARS = (1900, 2200)


#: Common abbreviations people write for a time zone, with the IANA zone meant (an
#: abbreviation names an offset, not a zone; several are ambiguous: the usual meaning
#: in cross-border CERT work is given; a fixed offset names a zone that keeps it all year,
#: so AEST is Brisbane's, not Sydney's).
ZONE_ABBREVIATIONS: dict[str, str] = {
    "IST": "Asia/Kolkata", "PKT": "Asia/Karachi", "NPT": "Asia/Kathmandu",
    "BST": "Asia/Dhaka", "ICT": "Asia/Bangkok", "WIB": "Asia/Jakarta",
    "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura", "MYT": "Asia/Kuala_Lumpur",
    "SGT": "Asia/Singapore", "PHT": "Asia/Manila", "PST": "Asia/Manila",
    "HKT": "Asia/Hong_Kong", "CST": "Asia/Shanghai", "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul", "AEST": "Australia/Brisbane", "AEDT": "Australia/Sydney",
    "ACST": "Australia/Darwin", "AWST": "Australia/Perth", "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland", "TOT": "Pacific/Tongatapu", "FJT": "Pacific/Fiji",
    "MMT": "Asia/Yangon", "BNT": "Asia/Brunei", "TLT": "Asia/Dili", "LKT": "Asia/Colombo",
    "GST": "Asia/Dubai", "CEST": "Europe/Brussels", "EDT": "America/New_York",
}


def _check_zone(v: str) -> str:
    shown = v if len(v) <= 60 else v[:57] + "..."
    try:
        # a folder of the zone database ('Asia') or an over-long name is an OSError
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        meant = ZONE_ABBREVIATIONS.get(v.strip().upper()) if isinstance(v, str) else None
        if meant is not None:
            raise ValueError(f"{shown!r} is an abbreviation, not an IANA time zone; did you "
                             f"mean {meant!r}?") from None
        raise ValueError(f"{shown!r} is not an IANA time zone (e.g. 'Asia/Jakarta')") from None
    return v


# --- actors ----------------------------------------------------------------------


class Contact(Strict):
    """A point of contact on one channel."""

    address: str = Field(description="E-mail address, phone number, portal queue or handle.")
    stale: StrictBool = Field(
        False,
        description="True when this contact is out of date: messages to it never arrive; "
        "they bounce back to the sender or vanish silently, as the channel says.",
    )
    bounces: StrictBool | None = Field(
        None,
        description="For a stale contact on a channel that bounces: true when every "
        "message to it bounces (a closed mailbox, a number no longer in service), false "
        "when every one vanishes silently (a mailbox that still takes mail nobody reads). "
        "Omitted: as the channel's silent_when_stale says.",
    )
    note: str = Field("", description="Free text, e.g. when the contact was last verified.")


_HOURS = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*$")

_DAY_KEY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?$")


def _hours_pattern() -> str:
    """The editors' pattern for exactly the ranges :func:`parse_range` reads: two times
    of day, 'HH:MM-HH:MM' (the hours in one digit or two), the second later than the
    first and at most 24:00. JSON Schema cannot compare numbers in text, so the order is
    spelt out: a later hour, hour by hour, or the same hour and a later minute."""
    sep = r"\s*-\s*"
    time_of_day = "(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"
    valid = rf"(?=\s*{time_of_day}{sep}(?:{time_of_day}|24:00)\s*$)"

    def hour(h: int) -> str:
        return f"0?{h}" if h < 10 else str(h)

    def digits(low: int, high: int) -> str:
        return str(low) if low == high else f"[{low}-{high}]"

    def later(h: int) -> str:
        """Any hour after ``h``, up to 24, as written."""
        tens = ((0, "0?", 9), (10, "1", 19), (20, "2", 24))
        return "|".join(lead + digits(max(h + 1, first) - first, last - first)
                        for first, lead, last in tens if h < last)

    later_hour = "|".join(f"{hour(h)}:[0-9]{{2}}{sep}(?:{later(h)})" for h in range(24))
    # the same hour, with or without its leading zero (groups 1 and 2), then a minute
    # with a later tens digit, or the same tens digit (group 3) and a later unit
    same_hour = rf"(?=0?([0-9]):[0-9]{{2}}{sep}0?\1:|([12][0-9]):[0-9]{{2}}{sep}\2:)"
    later_tens = "|".join(f"{t}[0-9]{sep}[0-9]{{1,2}}:[{t + 1}-5][0-9]" for t in range(5))
    # (a class after the back-reference, never a digit: '\3' and '9' would read as group 39)
    later_unit = "|".join(f"{u}{sep}[0-9]{{1,2}}:\\3[{u + 1}-9]" for u in range(9))
    return (rf"^{valid}\s*(?:(?:{later_hour}):[0-9]{{2}}"
            rf"|{same_hour}[0-9]{{1,2}}:(?:{later_tens}|([0-5])(?:{later_unit})))\s*$")


#: a range of hours as drill validate reads it, for the editors
HOURS_PATTERN = _hours_pattern()
#: a day or a run of days, or several separated by commas, as :func:`day_keys` reads
#: them ('mon-thu', 'Fri', 'sat, sun')
_DAY = "(?:" + "|".join(_any_case(d) for d in WEEKDAYS) + ")"
DAYS_PATTERN = rf"^\s*{_DAY}(?:-{_DAY})?\s*(?:,\s*{_DAY}(?:-{_DAY})?\s*)*$"

#: A range of hours of one day, 'HH:MM-HH:MM'.
TimeRange = Annotated[str, WithJsonSchema({
    "type": "string", "pattern": HOURS_PATTERN,
    "patternErrorMessage": "'HH:MM-HH:MM', a later time after an earlier one, e.g. "
    "'09:00-17:00'; '00:00-24:00' is all day"})]

#: One day's working periods: (opening minute, closing minute) pairs in order.
DayRanges = tuple[tuple[int, int], ...]
#: A working week: the periods of Monday ... Sunday.
Week = tuple[DayRanges, ...]


def parse_range(v: Any, overnight: str = "overnight shifts are written as 24/7"
                ) -> tuple[int, int]:
    """'HH:MM-HH:MM' as (opening, closing) minutes of the day; ``overnight``: what to
    write instead of a range that runs past midnight."""
    m = _HOURS.match(v) if isinstance(v, str) else None
    if not m:
        raise ValueError(f"{quoted(v)} is not a time range; write 'HH:MM-HH:MM', e.g. '09:00-17:00'")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{quoted(v)} has an impossible time of day")
    if h2 * 60 + m2 <= h1 * 60 + m1:
        raise ValueError(f"{quoted(v)} ends before it starts; {overnight}")
    return h1 * 60 + m1, h2 * 60 + m2


def parse_day(ranges: list[str]) -> DayRanges:
    """A day's ranges, in order; they may touch but not overlap."""
    out = sorted(parse_range(r) for r in ranges)
    for (_, close), (opening, _) in itertools.pairwise(out):
        if opening < close:
            raise ValueError(f"the ranges {', '.join(ranges)} overlap")
    return tuple(out)


def day_keys(key: str) -> list[int]:
    """Weekday numbers (Monday 0) of a timetable key: 'fri', 'mon-thu', 'sat,sun'."""
    days: list[int] = []
    for part in key.split(","):
        m = _DAY_KEY.match(part.strip().lower())
        if not m:
            raise ValueError(
                f"{quoted(key)} is not a day or a range of days; write e.g. 'mon-thu', 'sun-thu', "
                "'fri' or 'sat,sun'"
            )
        first = WEEKDAYS.index(m.group(1))
        last = WEEKDAYS.index(m.group(2) or m.group(1))
        # a run may go round the weekend: 'sun-thu' is Sunday to Thursday
        days.extend(d % 7 for d in range(first, last + 1 + (7 if last < first else 0)))
    return days


def _one_range(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


DayTimes = Annotated[list[TimeRange], BeforeValidator(_one_range), ONE_OR_LIST]
Timetable = Annotated[
    dict[str, DayTimes],
    Field(
        examples=[{"mon-thu": ["08:00-12:30", "14:00-17:00"],
                   "fri": ["08:00-12:15", "14:45-17:00"]}],
        json_schema_extra={"propertyNames": {
            "pattern": DAYS_PATTERN,
            "patternErrorMessage": "a day or a run of days, e.g. 'mon-thu', 'sun-thu', "
            "'fri' or 'sat,sun'"}},
    ),
]


def parse_timetable(table: dict[str, list[str]]) -> Week:
    """A weekly timetable as seven days of ranges (days not named are off)."""
    week: list[DayRanges | None] = [None] * 7
    for key, ranges in table.items():
        day = parse_day(ranges)
        for d in day_keys(key):
            if week[d] is not None:
                raise ValueError(f"{WEEKDAYS[d]} is given twice (in {key!r} and before)")
            week[d] = day
    return tuple(d or () for d in week)


def _check_timetable(v: dict[str, list[str]]) -> dict[str, list[str]]:
    week = parse_timetable(v)
    if not any(week):
        raise ValueError("a timetable with no working time; give some hours, or staffing: 24/7")
    return v


class SpecialHours(Strict):
    """Other hours for a run of dates, e.g. shorter days in Ramadan."""

    start: IsoDate = Field(description="First local date these hours apply, e.g. 2026-02-19.")
    end: IsoDate = Field(description="Last local date these hours apply (included).")
    hours: DayTimes | Timetable = Field(
        description="Either ranges for every usual working day, e.g. ['08:00-14:00'] (a "
        "Ramadan day), or a weekly timetable like working_pattern's for these dates."
    )
    note: str = Field("", description="Why, and the source, e.g. 'Ramadan hours, circular 2026'.")

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: Any) -> Any:
        if isinstance(v, list):
            parse_day(v)
        else:
            parse_timetable(v)
        return v

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"end {self.end} comes before start {self.start}")
        return self

    def week(self, usual: Week) -> Week:
        """The timetable on these dates, given the team's usual week."""
        if isinstance(self.hours, list):
            day = parse_day(self.hours)
            return tuple(day if usual[d] else () for d in range(7))
        return parse_timetable(self.hours)


class PublicHolidays(Strict):
    """Which public holidays a team takes off, looked up in the `holidays` package."""

    country: Country | None = Field(
        None, description="Country of the calendar; the actor's own country when omitted."
    )
    subdivision: str | None = Field(
        None,
        description="State or province code as the `holidays` package names it, for "
        "regional holidays, e.g. Malaysia '14' (Kuala Lumpur) or '03' (Kelantan). Weekends "
        "are the working pattern's: give a Friday-Saturday weekend there.",
    )


def holiday_calendar(country: str, subdivision: str | None) -> Any:
    """The public holidays of a country (and subdivision), in English where the package
    has English names; years are filled in as they are asked about."""
    import holidays

    cls = holidays.country_holidays(country).__class__
    langs = getattr(cls, "supported_languages", ())
    language = next((lang for lang in ("en_US", "en_GB") if lang in langs), None)
    return holidays.country_holidays(country, subdiv=subdivision, language=language)


#: Countries whose public holidays the holidays package has (those of version 0.109; a
#: test checks them against the installed package): their calendars are known good
#: without importing the package, which costs a tenth of a second.
_HOLIDAY_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN
BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL
GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM
JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD
SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UK UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
HOLIDAY_COUNTRIES = frozenset(_HOLIDAY_CODES.split())


def check_calendar(country: str, subdivision: str | None) -> None:
    """Raise ValueError, in words, unless the holidays package has this calendar."""
    if subdivision is None and country in HOLIDAY_COUNTRIES:
        return
    import holidays

    if country not in holidays.list_supported_countries():
        raise ValueError(f"the holidays package has no public holidays for {country!r}")
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        subs = holidays.list_supported_countries().get(country, [])
        shown = subdivision if len(subdivision or "") <= 20 else subdivision[:17] + "..."
        known = (f"known: {', '.join(subs[:20])}{', ...' if len(subs) > 20 else ''}"
                 if subs else "it has none")
        raise ValueError(
            f"{shown!r} is not a subdivision of {country} in the holidays package ({known})"
        ) from None


class OnCall(Strict):
    """A duty officer reachable outside office hours, who acts only on severe incidents
    (and carries out only the actions it names, when it names them)."""

    channels: list[Id] = Field(
        min_length=1,
        description="Channel ids on which the duty officer can be reached out of hours, "
        "e.g. [phone] or a 24/7 network.",
    )
    answer_after: Distribution = Field(
        {"dist": "lognormal", "median": "30m", "p90": "1h30m", "max": "3h"},
        description="Wall-clock time until the duty officer picks an out-of-hours message "
        "up. Default: median 30m, p90 1h30m, at most 3h (assumption).",
    )
    min_severity: Severity = Field(
        "high",
        description="Least severity, as the team knows the incident when the message "
        "arrives with what the message itself says (what it has taken in: mail waiting "
        "unread in the closed office, and calls not answered yet, do not count; an "
        "incident of no known severity counts as medium), for the duty officer to act "
        "out of hours; anything less waits for office hours.",
    )
    actions: list[Verb] | None = Field(
        None,
        description="Actions the duty officer carries out, e.g. [request_preservation] "
        "for a 24/7 point of contact. It still acknowledges and analyses what it is "
        "called out for, but an action not listed (a formal MLA request) waits for the "
        "office, and it takes over no draft of one at closing. Default: every action.",
    )

    @field_validator("actions")
    @classmethod
    def _carried_out(cls, v: list[str] | None) -> list[str] | None:
        always = [a for a in ("acknowledge", "analyse") if a in (v or ())]
        if always:
            raise ValueError(
                f"the duty officer always acknowledges and analyses what it is called out "
                f"for; leave {' and '.join(always)} out of the actions")
        return v

    def acts_on(self, severity: str | None) -> bool:
        """Whether the duty officer acts on an incident known to be this severe (an
        unknown severity counts as medium, as it does in the desk's queue)."""
        rank = SEVERITY_ORDER.index(severity or "medium")
        return rank >= SEVERITY_ORDER.index(self.min_severity)

    def carries_out(self, action: str) -> bool:
        """Whether the duty officer carries out ``action`` (every action, unless the
        tier names those it does)."""
        return self.actions is None or action in self.actions


class Policy(Strict):
    """How the automated policy plays this actor when no person does.

    Delays are worked time: they only run while the actor is on duty.
    """

    ack_delay: Distribution = Field(
        {"dist": "lognormal", "median": "15m", "p90": "1h", "max": "4h"},
        description="Time to acknowledge a message once someone picks it up. "
        "Default: median 15m, p90 1h, at most 4h of worked time (assumption: "
        "'minutes during office hours', domain primer section 5).",
    )
    analysis_time: Distribution = Field(
        {"dist": "lognormal", "median": "1h", "p90": "3h", "max": "8h"},
        description="Time to analyse a new incident before acting on it. "
        "Default: median 1h, p90 3h, at most a working day (assumption).",
    )
    drafting_time: Distribution = Field(
        {"dist": "uniform", "low": "10m", "high": "30m"},
        description="Time to prepare each outgoing notification or request. "
        "Default: 10-30m (assumption).",
    )
    action_time: dict[Verb, Distribution] = Field(
        default_factory=_new_dict,
        description="Per-action time overriding drafting_time, e.g. takedown or request_mla.",
    )
    followup_after: Distribution = Field(
        "4h",
        description="Worked time before chasing an unacknowledged message on the next "
        "channel. Default 4h (assumption).",
    )
    follow_rules: Probability = Field(
        1.0, description="Probability of carrying out any framework rule that applies."
    )
    rule_probability: dict[str, Probability] = Field(
        default_factory=_new_dict, description="Per-rule probability, overriding follow_rules."
    )
    tlp_breach: Probability = Field(
        0.0,
        description="Probability of passing on restricted information beyond its TLP label.",
    )
    queue: Literal["priority", "fifo"] = Field(
        "priority",
        description="Order in which waiting items get a desk: 'priority' (the incident's "
        "severity as the team knows it, then the sender's deadline, then arrival) or "
        "'fifo' (arrival only).",
    )


class Actor(Strict):
    """A participant in the drill: a CERT, ANSAC, police, an ISP, a victim..."""

    name: str = Field(description="Display name, e.g. 'MyCERT'.")
    kind: ActorKind = Field(description="What sort of organisation this is.")
    country: Country | None = Field(
        None, description="ISO country code; empty for regional or international bodies."
    )
    organisation: Annotated[str, Field(min_length=1, max_length=80)] | None = Field(
        None,
        description="The organisation the team belongs to, when several actors of the drill "
        "are parts of one, e.g. 'CSA' for SingCERT and Singapore's Commissioner of "
        "Cybersecurity: AMBER and AMBER+STRICT information passes between actors of the same "
        "organisation as within one (TLP 2.0). Empty: an organisation of its own.",
    )
    subdivision: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        None,
        description="State, province or territory the team works in, as the holidays "
        "package codes it (Australia 'ACT' or 'QLD', Malaysia '14'): whenever the team "
        "takes its country's public holidays, it takes that subdivision's too.",
    )
    timezone: str = Field(description="IANA time zone of the team, e.g. 'Asia/Jakarta'.")
    working_days: list[Weekday] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
        description="Days the team works. Default: [mon, tue, wed, thu, fri]; e.g. Brunei: "
        "[mon, tue, wed, thu, sat].",
    )
    working_hours: TimeRange = Field(
        "09:00-17:00", description="Local office hours, 'HH:MM-HH:MM'. '00:00-24:00' is all day."
    )
    staffing: Literal["office-hours", "24/7"] = Field(
        "office-hours", description="'24/7' for a team that is always on duty."
    )
    working_pattern: Annotated[Timetable, AfterValidator(_check_timetable)] | None = Field(
        None,
        description="Weekly timetable, replacing working_days and working_hours when given: "
        "days or runs of days ('mon-thu', 'fri', 'sat,sun'; a run may wrap round, 'sun-thu') "
        "to lists of 'HH:MM-HH:MM' ranges, for lunch closures and Friday-prayer breaks, e.g. "
        "{mon-thu: ['08:00-12:30', '14:00-17:00'], fri: ['08:00-12:15', '14:45-17:00']}. "
        "Days not named are off.",
    )
    special_hours: list[SpecialHours] = Field(
        default_factory=_new_list,
        description="Other hours for runs of dates, e.g. Ramadan: [{start: 2026-02-19, end: "
        "2026-03-19, hours: ['08:00-14:00']}].",
    )
    holidays: list[IsoDate] = Field(
        default_factory=_new_list,
        description="Local dates when the team is off, listed by hand as ISO dates "
        "(YYYY-MM-DD, unquoted or quoted): [2026-08-31, '2026-09-16'].",
    )
    public_holidays: StrictBool | PublicHolidays | None = Field(
        None,
        description="Take the public holidays of the actor's country (true), of another "
        "calendar or a subdivision ({country: MY, subdivision: '03'}), or none (false). "
        "Omitted: as drill.public_holidays says.",
    )
    on_call: OnCall | None = Field(
        None,
        description="Out-of-hours duty officer: reachable on the given channels, answers "
        "after a delay, acts only on incidents of at least min_severity, and carries out "
        "only its actions when it names them; the rest waits for office hours.",
    )
    capacity: Annotated[StrictInt, Field(ge=1, le=1000)] = Field(
        2, description="How many things the team works on at once."
    )
    contacts: dict[Id, Contact] = Field(
        default_factory=_new_dict, description="Point of contact per channel id."
    )
    policy: Policy = Field(
        default_factory=Policy, description="Behaviour of the automated policy for this actor."
    )
    description: str = Field("", description="Notes for organisers.")
    source: str = Field(
        "", description="Where the entry's facts (name, zone, hours) come from, with a date, "
        "or 'assumption'.")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_zone(v)

    @field_validator("working_days")
    @classmethod
    def _some_days(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("a team that never works; list at least one day, or give staffing: 24/7")
        return v

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        m = _HOURS.match(v) if isinstance(v, str) else None
        if not m:
            raise ValueError(f"{quoted(v)} is not office hours; write 'HH:MM-HH:MM', e.g. '09:00-17:00'")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise ValueError(f"{quoted(v)} has an impossible time of day")
        if h2 * 60 + m2 <= h1 * 60 + m1:
            raise ValueError(f"{quoted(v)} ends before it starts; overnight shifts are written as 24/7")
        return v

    @model_validator(mode="after")
    def _calendar(self) -> Self:
        if self.subdivision is not None and self.country is None:
            raise ValueError("a subdivision needs a country: give the actor a country")
        ph = self.public_holidays
        if ph is True or isinstance(ph, PublicHolidays):
            country = ph.country if isinstance(ph, PublicHolidays) else None
            country = country or self.country
            if country is None:
                raise ValueError("public holidays need a country: give the actor a country, "
                                 "or public_holidays: {country: XX}")
            check_calendar(*self._holidays_of(country))
        spans = sorted((s.start, s.end) for s in self.special_hours)
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start <= end:
                raise ValueError(f"special_hours overlap: {start} is already covered")
        return self

    def calendar(self, default: bool = False) -> tuple[str, str | None] | None:
        """(country, subdivision) of the public holidays the team takes, or None."""
        ph = self.public_holidays
        if ph is None:
            ph = default
        if ph is False:
            return None
        if ph is True:
            return self._holidays_of(self.country) if self.country else None
        country = ph.country or self.country
        return self._holidays_of(country) if country else None

    def _holidays_of(self, country: str) -> tuple[str, str | None]:
        """(country, subdivision) of the calendar taken for ``country``: a subdivision
        named in ``public_holidays``, or else the team's own for its own country."""
        ph = self.public_holidays
        if isinstance(ph, PublicHolidays) and ph.subdivision is not None:
            return country, ph.subdivision
        return country, self.subdivision if country == self.country else None

    @property
    def week(self) -> Week:
        """The usual working week: seven days of (opening, closing) minute ranges."""
        if self.working_pattern is not None:
            return parse_timetable(self.working_pattern)
        _, opening, closing = self.hours
        return tuple(((opening, closing),) if d in self.working_days else ()
                     for d in WEEKDAYS)

    @property
    def always_on(self) -> bool:
        return self.staffing == "24/7"

    @property
    def hours(self) -> tuple[time, int, int]:
        """(opening time, opening minute-of-day, closing minute-of-day)."""
        m = _HOURS.match(self.working_hours)
        assert m
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        return time(h1, m1), h1 * 60 + m1, h2 * 60 + m2


# --- channels --------------------------------------------------------------------


class PairLatency(Strict):
    """A channel's latency between particular actors (a slow mail relay to one team)."""

    sender: Id | None = Field(None, description="Sending actor id; any sender when omitted.")
    recipient: Id | None = Field(
        None, description="Receiving actor id; any recipient when omitted."
    )
    both_ways: StrictBool = Field(
        False, description="Apply to messages from recipient to sender as well."
    )
    latency: Distribution = Field(description="Time from sending to arrival, e.g. '2h'.")

    @model_validator(mode="after")
    def _someone(self) -> Self:
        if self.sender is None and self.recipient is None:
            raise ValueError("a pair latency needs a sender, a recipient or both")
        return self


class Channel(Strict):
    """A way of passing messages between actors."""

    kind: ChannelKind = Field(description="What sort of channel this is.")
    name: str = Field("", description="Display name.")
    latency: Distribution = Field(description="Time from sending to arrival.")
    loss: Probability = Field(
        0.0, description="Probability that a message is lost in transit, silently."
    )
    bounce: Distribution | None = Field(
        None,
        description="Time after sending until a message to a stale point of contact is "
        "reported back to the sender as undeliverable (e-mail bounces in minutes; a call "
        "to a dead number fails at once: '0m'). Omit when such messages vanish silently.",
    )
    silent_when_stale: Probability = Field(
        0.0,
        description="Share of messages to stale points of contact that vanish silently "
        "even though the channel bounces (a mailbox that accepts mail nobody reads).",
    )
    needs_receiver_on_duty: StrictBool = Field(
        False,
        description="True when delivery waits for the receiver to be at work (a phone call).",
    )
    handled_around_the_clock: StrictBool = Field(
        False,
        description="True when the receiver's 24/7 point of contact handles these messages "
        "outside office hours too (the Budapest Convention 24/7 network).",
    )
    source: str = Field("", description="Where the default figures come from, or 'assumption'.")
    pair_latency: list[PairLatency] = Field(
        default_factory=_new_list,
        description="Latency between particular actors, overriding 'latency': [{sender: "
        "mycert, recipient: tonga_cert, latency: '2h'}]. The most particular entry wins: "
        "sender and recipient, then sender only, then recipient only. Two entries may not "
        "give the same sender and recipient.",
    )

    @model_validator(mode="after")
    def _one_latency_per_pair(self) -> Self:
        seen: dict[tuple[str | None, str | None], int] = {}
        for i, p in enumerate(self.pair_latency):
            pairs = [(p.sender, p.recipient)]
            if p.both_ways:
                pairs.append((p.recipient, p.sender))
            for pair in pairs:
                if pair in seen and seen[pair] != i:
                    raise ValueError(
                        f"pair_latency entries {seen[pair]} and {i} both give the latency "
                        f"from {pair[0] or 'any sender'} to {pair[1] or 'any recipient'}")
                seen[pair] = i
        return self


# --- frameworks ------------------------------------------------------------------


class Condition(Strict):
    """When a rule applies, by the incident's properties. Omitted fields match anything."""

    types: list[str] | None = Field(None, description="Incident types the rule covers.")
    min_severity: Severity | None = Field(None, description="Lowest severity the rule covers.")
    crime_suspected: StrictBool | None = Field(
        None, description="Require a suspected crime (true) or its absence (false)."
    )
    hosted_abroad: StrictBool | None = Field(
        None,
        description="Require malicious infrastructure hosted outside the acting actor's country.",
    )
    hosted_locally: StrictBool | None = Field(
        None,
        description="Require malicious infrastructure hosted in the acting actor's own country.",
    )
    min_affected: Annotated[StrictInt, Field(ge=0)] | None = Field(
        None, description="Least number of affected countries (counted in affected_group)."
    )
    affected_group: Id | None = Field(
        None, description="Count only affected countries in this group, e.g. 'asean'."
    )
    actor_affected: StrictBool | None = Field(
        None, description="Require the acting actor's own country to be affected (or not)."
    )
    hosted_abroad_in: Id | None = Field(
        None,
        description="Require malicious infrastructure hosted outside the acting actor's "
        "country, in a country of this membership or group.",
    )
    member_of: Id | None = Field(
        None,
        description="Require the acting actor's country to belong to this membership (see "
        "'memberships', e.g. 'budapest') or group.",
    )
    received: list[Id] | None = Field(
        None,
        description="Require every one of these injects (by id) to have reached the acting "
        "actor, e.g. [\"4\", C1] (quote an id that looks like a number).",
    )
    phase: list[Id] | None = Field(
        None, description="Require the drill to be in one of these phases (drill.phases)."
    )
    local_time: Annotated[TimeRange, AfterValidator(
        lambda v: (parse_range(v, "a window of the day ends by midnight: give the part "
                                  "before it, e.g. '22:00-24:00'"), v)[1])] | None = Field(
        None,
        description="Require the acting actor's local time of day to fall in this range, "
        "'HH:MM-HH:MM', e.g. '09:00-12:00'. A rule that applies outside the range looks "
        "again when it next begins.",
    )
    done: list['ActionDone'] | None = Field(
        None,
        description="Require these actions on the incident to have been done, as far as the "
        "acting actor knows: by itself (by: self, the default), or by anyone whose message "
        "reached it (by: anyone).",
    )
    not_done: list['ActionDone'] | None = Field(
        None, description="Require these actions not to have been done, as done reads them."
    )

    @property
    def situational(self) -> bool:
        """True when the condition reads more than the incident's facts."""
        return (self.received is not None or self.phase is not None
                or self.local_time is not None or self.done is not None
                or self.not_done is not None)


class Rule(Strict):
    """Who should do what, of whom, through which channel, by when, under which TLP."""

    description: str = Field("", description="The rule in words.")
    source: str = Field("", description="Which agreement or practice this rule comes from.")
    enabled: StrictBool = Field(True, description="Switch the rule off without deleting it.")
    by: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1,
        description="Who the rule binds: kinds of actor (" + ", ".join(ACTOR_KINDS) + "), "
        "actor ids, country codes, country groups or memberships, or teams, e.g. "
        "[singcert] for 'SingCERT, and only SingCERT'.",
    )
    on: list[Trigger] = Field(
        default_factory=_new_list,
        description="Messages that trigger the rule: 'inject' or a verb received.",
    )
    after: list[Id] = Field(
        default_factory=_new_list,
        description="Rules whose messages, once all acknowledged, trigger this rule.",
    )
    when: Condition = Field(default_factory=Condition, description="Incident conditions.")
    action: Verb = Field(description="What the acting actor does.")
    to: list[str] = Field(
        default_factory=_new_list,
        description="Recipients: selectors such as 'affected_certs', or actor ids.",
    )
    channel: Id | None = Field(None, description="Channel id used to send.")
    fallback: list[Id] = Field(
        default_factory=_new_list,
        description="Channels tried in turn when a message goes unacknowledged.",
    )
    deadline: Duration | None = Field(
        None, description="Time allowed from the trigger to the action."
    )
    tlp: Tlp = Field("AMBER", description="TLP label of what the rule sends.")
    to_members_of: Id | None = Field(
        None,
        description="Address only recipients whose country belongs to this membership (or "
        "group): a channel that only members share, e.g. the Budapest Convention 24/7 network.",
    )
    hold_until: list[Id] = Field(
        default_factory=_new_list,
        description="Rules the acting actor must itself have carried out for the incident "
        "before this rule's action is done, e.g. a takedown held until the data are "
        "preserved. The action waits; it is not dropped, and it never happens if they never "
        "are.",
    )

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if not self.on and not self.after:
            raise ValueError("a rule needs 'on' (a trigger) or 'after' (rules it follows)")
        if self.action in MESSAGE_VERBS:
            if not self.to:
                raise ValueError(f"action {self.action!r} sends a message; give 'to'")
            if self.channel is None:
                raise ValueError(f"action {self.action!r} sends a message; give 'channel'")
        return self


class Framework(Strict):
    """A body of cooperation rules, e.g. the ATRC network-security framework."""

    title: str = Field(description="Name of the framework.")
    source: str = Field("", description="Citation of the agreement or document.")
    enabled: StrictBool = Field(True, description="Switch every rule of this framework off.")
    rules: dict[Id, Rule] = Field(description="The rules, by id (ids are unique across files).")


class Membership(Strict):
    """The countries party to an agreement or network, as of a date, with its source."""

    title: str = Field(description="Name of the agreement or network.")
    countries: MemberList = Field(
        default_factory=_new_list,
        description="Countries that are parties or members: country codes, or a country "
        "and the date it joined, e.g. [JP, {PH: 2018-07-01}]; a drill that starts before "
        "that date leaves it out.",
    )
    as_of: IsoDate | None = Field(None, description="Date the list was last checked.")
    source: str = Field("", description="Where the list comes from (URL, date), or "
                        "'unverified' / 'assumption'.")
    note: str = Field("", description="Free text, e.g. who is the point of contact.")


# --- injects and expectations ----------------------------------------------------


class Incident(Strict):
    """The incident an inject opens or updates. Later injects may give only changes."""

    id: Id = Field(description="Incident id, shared by every inject about it.")
    type: str | None = Field(None, description="e.g. botnet, ddos, ransomware, phishing, csam.")
    title: str | None = Field(None, description="Short name for reports.")
    severity: Severity | None = Field(None, description="low, medium, high or critical.")
    affected: list[Country] | None = Field(None, description="Countries with victims.")
    hosted_in: list[Country] | None = Field(
        None, description="Countries hosting the malicious infrastructure."
    )
    crime_suspected: StrictBool | None = Field(None, description="True when a crime is suspected.")


#: The largest artefact file read with a scenario.
MAX_ARTEFACT_BYTES = 1024 * 1024


class Protection(Strict):
    """A password-protected artefact: the password comes by another channel, as in real
    drills (a zip file by e-mail, its password by phone)."""

    password_via: Id = Field(
        description="Channel id the password is sent on, e.g. 'phone'; another channel than "
        "the inject's own."
    )
    password: str = Field(
        "", max_length=200,
        description="The password told to each recipient; when empty the message only says "
        "that the password was given (exercise control reads it out).",
    )
    delay: Duration = Field(
        0.0, description="Time after the inject reaches a recipient that the password is sent."
    )


class ArtefactFile(Strict):
    """An artefact that is a file next to the scenario: its SHA-256 is shown with the
    inject, and its text can be read in the role view when it is text."""

    file: str = Field(
        min_length=1, max_length=512,
        description="Path of the file, relative to the scenario's folder, e.g. "
        "'evidence/ransom-note.txt'. It is read from the scenario's folder tree (or a folder "
        "allowed with --allow-include), at most 1 MB.",
    )
    name: str | None = Field(
        None, min_length=1, max_length=200,
        description="Name players see; the file's own name when omitted.",
    )
    show_text: StrictBool | None = Field(
        None,
        description="Show the file's text in the role view: true (the file must be UTF-8 "
        "text), false (only its name and hash, e.g. a malware sample), or omitted: shown "
        "when it is text. Windows (CR LF) and old Mac (CR) line endings show as line breaks; "
        "the hash is the file's own.",
    )
    protected: Protection | None = Field(
        None,
        description="The artefact is password-protected; the password comes separately "
        "on another channel: {password_via: phone}.",
    )
    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)] | None = Field(
        None,
        description="The file's SHA-256 in lower-case hex. Worked out when the scenario is "
        "loaded; when given, the file must match it.",
    )
    size: SkipJsonSchema[int | None] = Field(None, description="Set when the file is read.")
    content: SkipJsonSchema[str | None] = Field(
        None, description="The file's text when it is shown, set when the file is read."
    )

    @property
    def label(self) -> str:
        """The name players see."""
        return self.name or PurePosixPath(self.file.replace("\\", "/")).name or self.file


#: An artefact: a bare name (logs, a sample, a capture), or a file next to the scenario.
Artefact = str | ArtefactFile


class Inject(Strict):
    """One row of the MSEL."""

    id: Id = Field(description="Sequence id, e.g. '1' or 'C1'.")
    at: DrillTime | None = Field(
        None,
        description="Delivery time: 'T+01:30', 'T+1d02:00' or an absolute date-time. "
        "Contingency injects omit it.",
    )
    type: Literal["information", "event", "media", "contingency"] = Field(
        "event", description="HSEEP inject type."
    )
    delay: Duration = Field(
        0.0, description="For contingency injects: time after what fires them (the "
        "expectation's missed deadline, or it being met, late or lost); for injects with "
        "after_action: time after that action. An inject delivered at its time ('at') takes "
        "no delay: validation refuses any but 0 there."
    )
    sender: Id = Field(description="Actor the inject appears to come from (real or simulated).")
    to: Annotated[list[Id], ONE_OR_LIST] = Field(
        min_length=1, description="Recipient actors, or teams (see 'teams').")
    via: Id = Field(description="Channel id of the delivery method.")
    incident: Incident = Field(description="Incident opened or updated.")
    tlp: Tlp = Field("AMBER", description="TLP label of the inject.")
    facts_tlp: Tlp | None = Field(
        None,
        description="TLP label of the incident facts the inject states (type, severity, "
        "affected and hosting countries, suspected crime), which may differ from the label "
        "of its text and artefacts. Default: GREEN for an AMBER inject (the facts the "
        "cooperation frameworks exist to pass on may be shared with the community; the "
        "report itself may not); the inject's own label otherwise, so nothing from a RED "
        "or AMBER+STRICT inject leaves its recipients. It may be laxer than the inject's "
        "label, never stricter.",
    )

    @field_validator("facts_tlp")
    @classmethod
    def _facts_no_stricter(cls, v: str | None, info: ValidationInfo) -> str | None:
        tlp = info.data.get("tlp")
        if v is not None and tlp in TLP_ORDER and TLP_ORDER.index(v) > TLP_ORDER.index(tlp):
            raise ValueError(
                f"facts_tlp {v} is stricter than the inject's own label {tlp}: the facts "
                "are part of what the inject says, so label the whole inject "
                f"{v} (facts_tlp may only let the facts travel further than the text)")
        return v

    @property
    def facts_label(self) -> str:
        """The TLP label the incident facts of this inject travel under."""
        if self.facts_tlp is not None:
            return self.facts_tlp
        return "GREEN" if self.tlp == "AMBER" else self.tlp
    title: str = Field("", description="Subject line.")
    text: str = Field("", description="Body shown to the recipients.")
    artefacts: list[Artefact] = Field(
        default_factory=_new_list,
        description="References to logs, samples, captures: bare names, or files next to "
        "the scenario, {file: evidence/ransom-note.txt}, optionally password-protected.",
    )

    @property
    def artefact_names(self) -> list[str]:
        """Every artefact by the name players see."""
        return [a if isinstance(a, str) else a.label for a in self.artefacts]

    @property
    def artefact_files(self) -> list[ArtefactFile]:
        return [a for a in self.artefacts if isinstance(a, ArtefactFile)]
    expected_actions: list[str] = Field(
        default_factory=_new_list, description="What players are expected to do, in words."
    )
    objective: Id | None = Field(None, description="Objective this inject serves.")
    controller: str = Field("", description="Responsible controller.")
    notes: str = Field("", description="Controller notes.")
    when: 'InjectCondition | None' = Field(
        None,
        description="Deliver the inject only if this holds when it is due (exercise "
        "control's view: expectations met or missed, actions done, the phase); otherwise it "
        "is skipped. For MSEL branches.",
    )
    after_action: 'AfterAction | None' = Field(
        None,
        description="Time the inject after the first time an action is done (plus delay), "
        "instead of 'at': {action: request_takedown, by: [mycert]}.",
    )

    @field_validator("to", mode="before")
    @classmethod
    def _one(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class Expectation(Strict):
    """An expected action with a deadline and a score."""

    id: Id = Field(description="Expectation id, e.g. 'E1'.")
    description: str = Field("", description="The expected action in words.")
    actors: Annotated[list[Id], ONE_OR_LIST] = Field(
        min_length=1,
        description="Actor ids that may meet it, teams (see 'teams'), or selectors that do "
        "not depend on an acting actor (" + ", ".join(("member_certs", "partner_certs",
        "regional_council", "police_channels", "exercise_control", "affected_certs",
        "hosting_certs", "hosting_police", "hosting_central_authorities", "victims"))
        + "); the incident's selectors read every inject about it. They must stand for at "
        "least one actor: an empty team, or a selector that finds no actor, is an error.",
    )
    require: Literal["any", "all", "each"] = Field(
        "any", description="'any' one actor suffices, 'all' must act, or 'each' actor is "
        "scored on its own (the expectation is split into one per actor, with ids like "
        "'E1.mycert', which no other expectation may have or make)."
    )
    reach: Literal["sent", "delivered", "acknowledged"] = Field(
        "delivered",
        description="For a message action: how far the message must get to count: 'sent', "
        "'delivered' to the recipient (default), or 'acknowledged' by it.",
    )
    action: Verb = Field(description="The action expected.")
    target: str | None = Field(
        None,
        description="Whom the action must be towards: an actor id, team or selector, read "
        "relative to the acting actor. For a message action, a recipient it must be "
        "addressed to; for 'acknowledge', a sender of what is acknowledged (e.g. "
        "exercise_control for an inject). Any other action is addressed to nobody and "
        "takes no target.",
    )
    incident: Id = Field(description="Incident id.")
    after: str = Field(
        "incident",
        description="Deadline anchor: 'incident' (its first inject) or an inject id.",
    )
    within: Duration = Field(description="Time allowed after the anchor.")
    score: Annotated[StrictFloat, Field(ge=0)] = Field(1.0, description="Points when met.")
    objective: Id | None = Field(None, description="Objective this expectation serves.")
    contingency: Id | None = Field(
        None, description="Contingency inject id fired when the expectation is missed."
    )
    on_met: Id | None = Field(
        None, description="Contingency inject id fired when the expectation is met in time."
    )
    on_late: Id | None = Field(
        None, description="Contingency inject id fired when the missed action happens late."
    )
    on_lost: Id | None = Field(
        None,
        description="Contingency inject id fired the first time a message that would meet "
        "the expectation, while it is still open, is lost or bounces (a stale contact, a "
        "channel failure, an outage): one sent once the expectation's anchor is out. A "
        "channel the recipient has no contact on loses nothing: the sender goes on by its "
        "fallback.",
    )

    @field_validator("target")
    @classmethod
    def _addressed(cls, v: str | None, info: ValidationInfo) -> str | None:
        action = info.data.get("action")
        if v is not None and action is not None and action not in ADDRESSED_VERBS:
            raise ValueError(
                f"action {action!r} is addressed to nobody, so an expectation of it with a "
                "target could never be met: give 'target' only for a message action (its "
                "recipient) or for 'acknowledge' (the sender of what is acknowledged)")
        return v

    def contingencies(self) -> dict[str, str]:
        """Contingency inject ids by what fires them: met, late, missed, lost."""
        out = {"met": self.on_met, "late": self.on_late, "missed": self.contingency,
               "lost": self.on_lost}
        return {k: v for k, v in out.items() if v is not None}

    @field_validator("actors", mode="before")
    @classmethod
    def _one(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


# --- outages and drift -----------------------------------------------------------

#: What happens to a message sent during an outage.
OutageEffect = Literal["bounce", "lose", "hold"]


class Outage(Strict):
    """A channel, or one actor's end of it, out of service for a window of the drill."""

    channel: Id = Field(description="Channel id that is down, e.g. 'email'.")
    actor: Id | None = Field(
        None,
        description="Actor whose end of the channel is down (its mail server): messages "
        "to and from it fail. Omitted: the channel is down for everyone.",
    )
    start: DrillTime = Field(description="When the outage begins: 'T+02:00' or a date-time.")
    end: DrillTime = Field(description="When service returns: 'T+05:00' or a date-time.")
    effect: OutageEffect | None = Field(
        None,
        description="What happens to a message sent during the outage: 'bounce' (it comes "
        "back to the sender after the channel's bounce delay, or at once when the channel "
        "gives none, and the sender tries its next channel), 'lose' (it vanishes; the sender "
        "chases after its follow-up time) or 'hold' (it is queued and travels when service "
        "returns). Default: 'bounce' on a channel that bounces, 'lose' otherwise. A message "
        "is judged when it is sent; injects from control are held or lost the same way.",
    )
    note: str = Field("", description="What broke, for organisers.")


class ContactChange(Strict):
    """A point of contact that goes out of date, or is repaired, at a drill time."""

    at: DrillTime = Field(description="When the change happens: 'T+03:00' or a date-time.")
    actor: Id = Field(description="Actor whose point of contact changes.")
    channel: Id = Field(description="Channel of that point of contact.")
    stale: StrictBool = Field(
        description="true: the contact goes out of date from then on; false: it is repaired."
    )
    note: str = Field("", description="Why, e.g. 'the duty phone is handed over'.")


# --- teams, conditions and tasks --------------------------------------------------

#: Selectors an expectation's actors or a team may use: they do not depend on an acting
#: actor. The incident ones read every inject about the incident.
STATIC_SELECTORS = ("member_certs", "partner_certs", "regional_council", "police_channels",
                    "exercise_control")
INCIDENT_SELECTORS = ("affected_certs", "hosting_certs", "hosting_police",
                      "hosting_central_authorities", "victims")


class TeamFilter(Strict):
    """A team chosen by kind and country rather than listed."""

    kind: list[ActorKind] | None = Field(
        None, description="Kinds of actor in the team, e.g. [national_cert]; any when omitted."
    )
    country_in: list[str] | None = Field(
        None,
        description="Countries of the team: country codes, country groups or memberships, "
        "e.g. [asean] or [MY, SG]; any when omitted.",
    )
    include: list[Id] = Field(
        default_factory=_new_list, description="Actors or teams added whatever their kind."
    )
    exclude: list[Id] = Field(default_factory=_new_list, description="Actors or teams left out.")


class Phase(Strict):
    """A named window of drill time."""

    start: DrillTime = Field("T+00:00", description="When the phase begins: 'T+00:00' "
                             "(default) or a date-time.")
    end: DrillTime | None = Field(
        None, description="When it ends (not included): 'T+02:00'; the drill's end by default."
    )
    description: str = Field("", description="What happens in this phase.")


class ActionDone(Strict):
    """An action a rule's condition asks about."""

    action: Verb = Field(description="The action, e.g. request_takedown.")
    by: Literal["self", "anyone"] = Field(
        "self",
        description="'self': the acting actor did it; 'anyone': it did it, or a message of "
        "that verb about the incident reached it.",
    )


class ActionSeen(Strict):
    """An action as exercise control sees it (every actor's)."""

    action: Verb = Field(description="The action, e.g. request_takedown.")
    by: Annotated[list[Id], ONE_OR_LIST] = Field(
        default_factory=_new_list,
        description="Actors or teams whose action counts; anyone's when empty.",
    )
    incident: Id | None = Field(None, description="Only on this incident; any when omitted.")

    @field_validator("by", mode="before")
    @classmethod
    def _one(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class AfterAction(ActionSeen):
    """An action an inject is timed after: the first time it is done."""


class InjectCondition(Strict):
    """When an inject that is due is delivered (otherwise it is skipped). Omitted fields
    match anything; every given field must hold."""

    met: list[Id] | None = Field(None, description="Expectations met by now (ids).")
    missed: list[Id] | None = Field(
        None, description="Expectations missed by now (ids), late or not."
    )
    done: list[ActionSeen] | None = Field(None, description="Actions done by now.")
    not_done: list[ActionSeen] | None = Field(None, description="Actions not done by now.")
    phase: list[Id] | None = Field(None, description="The drill is in one of these phases.")


class Task(Strict):
    """A free-text question for players, with an answer key for evaluators. A player
    answers in the role view (key t); the answer is journaled and shown beside the key
    in the after-action report. The automated policy never answers: in batch runs and
    for roles no person plays, tasks stay unanswered."""

    id: Id = Field(description="Task id, e.g. 'Q1'.")
    question: str = Field(description="The question, e.g. 'Which IP addresses will you block?'.")
    to: Annotated[list[Id], ONE_OR_LIST] = Field(min_length=1, description="Actors or teams asked.")
    inject: Id | None = Field(
        None, description="Ask when this inject reaches each actor (instead of 'at')."
    )
    at: DrillTime | None = Field(None, description="Ask at this drill time: 'T+02:00'.")
    incident: Id | None = Field(None, description="Incident the task is about, for reports.")
    answer_key: str = Field("", description="The expected answer, for evaluators only.")
    objective: Id | None = Field(None, description="Objective this task serves.")

    @field_validator("to", mode="before")
    @classmethod
    def _one(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _when(self) -> Self:
        if (self.inject is None) == (self.at is None):
            raise ValueError("a task is asked either at an inject ('inject') or at a time ('at')")
        return self


# --- the scenario ----------------------------------------------------------------


def _one_name(v: Any) -> Any:
    """One name for a list of one, as the loader reads ``include: asean/actors``."""
    return [v] if isinstance(v, str) else v


class Scenario(Strict):
    """A drill scenario file."""

    include: Annotated[list[str], BeforeValidator(_one_name), ONE_OR_LIST] = Field(
        default_factory=_new_list,
        description="Library files ('asean/frameworks') or paths of files in this scenario's "
        "folder tree, merged first; one file may be named alone ('include: asean/actors'). "
        "Files elsewhere need `--allow-include FOLDER`.",
    )
    drill: Drill = Field(description="The drill: title, clock, duration.")
    groups: dict[Id, MemberList] = Field(
        default_factory=_new_dict,
        description="Named country groups, e.g. asean: [BN, KH, ...]; a member may be given "
        "with the date it joined, {TL: 2025-10-26}, and a drill that starts before that "
        "date leaves it out.",
    )
    actors: dict[Id, Actor] = Field(description="Actors by id.")
    channels: dict[Id, Channel] = Field(description="Channels by id.")
    frameworks: dict[Id, Framework] = Field(
        default_factory=_new_dict, description="Cooperation frameworks by id."
    )
    memberships: dict[Id, Membership] = Field(
        default_factory=_new_dict,
        description="Which countries belong to which treaty or network, by id (e.g. "
        "'budapest'); rules use them in when.member_of and to_members_of.",
    )
    roles: dict[Literal["regional_coordinator"], Id] = Field(
        default_factory=_new_dict,
        description="Actors bound to roles: regional_coordinator is the actor the "
        "'regional_council' selector names (ANSAC in the 2010s, the ASEAN Regional CERT "
        "since 2024).",
    )
    injects: list[Inject] = Field(default_factory=_new_list, description="The MSEL.")
    expectations: list[Expectation] = Field(
        default_factory=_new_list, description="Expected actions with deadlines and scores."
    )
    outages: list[Outage] = Field(
        default_factory=_new_list,
        description="Channels, or one actor's end of a channel, out of service for a window: "
        "[{channel: email, actor: mycert, start: 'T+02:00', end: 'T+05:00'}].",
    )
    contact_changes: list[ContactChange] = Field(
        default_factory=_new_list,
        description="Points of contact that go out of date or are repaired during the drill: "
        "[{at: 'T+03:00', actor: camcert, channel: email, stale: false}].",
    )
    teams: dict[Id, list[Id] | TeamFilter] = Field(
        default_factory=_new_dict,
        description="Named sets of actors, defined once and used wherever actors are listed "
        "(inject 'to', expectation 'actors' and 'target', rule 'to' and 'by', task 'to'): a "
        "list of actor ids, other teams or selectors (member_certs, partner_certs, ...), or "
        "a filter {kind: [national_cert], country_in: [asean], include: [...], exclude: "
        "[...]}.",
    )
    tasks: list[Task] = Field(
        default_factory=_new_list,
        description="Free-text questions for players, with answer keys for evaluators.",
    )

    @model_validator(mode="after")
    def _members_on_the_day(self) -> Self:
        """Memberships and groups as they stood on the day the drill starts (on its
        clock): a member given with a later date is left out."""
        day = self.drill.start_day
        for gid, members in self.groups.items():
            if isinstance(members, Members) and members.joined:
                self.groups[gid] = members.on(day)
        for mid, m in self.memberships.items():
            if isinstance(m.countries, Members) and m.countries.joined:
                self.memberships[mid] = m.model_copy(update={"countries": m.countries.on(day)})
        return self

    @model_validator(mode="after")
    def _expand_teams(self) -> Self:
        """Team names and selectors in inject recipients and expectation actors become the
        actor ids they stand for (in scenario order); unknown names are left for the
        cross-reference checks to report."""
        if not self.teams and not any(
                n in STATIC_SELECTORS or n in INCIDENT_SELECTORS
                for e in self.expectations for n in e.actors):
            return self
        for i, inj in enumerate(self.injects):
            to = self.expand(inj.to)
            if to != inj.to:
                self.injects[i] = inj.model_copy(update={"to": to})
        nobody: list[InitErrorDetails] = []
        for i, exp in enumerate(self.expectations):
            actors = self.expand(exp.actors, exp.incident)
            if not actors and (any(inj.incident.id == exp.incident for inj in self.injects)
                               or not any(n in INCIDENT_SELECTORS for n in exp.actors)):
                # (an incident no inject opens is reported as such)
                nobody.append(InitErrorDetails(
                    type=PydanticCustomError("value_error", "{message}", {
                        "message": f"nobody can meet expectation {exp.id}: "
                        + "; ".join(self._why_nobody(n, exp.incident) for n in exp.actors)}),
                    loc=("expectations", i, "actors"), input=exp.actors))
            if actors != exp.actors:
                self.expectations[i] = exp.model_copy(update={"actors": actors})
        if nobody:
            raise ValidationError.from_exception_data(type(self).__name__, nobody)
        for i, task in enumerate(self.tasks):
            to = self.expand(task.to)
            if to != task.to:
                self.tasks[i] = task.model_copy(update={"to": to})
        return self

    def _why_nobody(self, name: str, incident: str) -> str:
        """Why a team or selector of an expectation's actors stands for no actor."""
        if name in self.teams:
            return f"team {name!r} has no member"
        if name in INCIDENT_SELECTORS:
            return f"{name!r} ({SELECTORS[name]}) finds no actor for incident {incident!r}"
        return f"{name!r} ({SELECTORS[name]}) finds no actor"

    @cached_property
    def team_members(self) -> dict[str, tuple[str, ...]]:
        """Every team's actor ids, in scenario order (a cycle leaves a team short)."""
        out: dict[str, tuple[str, ...]] = {}
        for name in self.teams:
            out[name] = tuple(self._team(name, ()))
        return out

    def _team(self, name: str, stack: tuple[str, ...]) -> list[str]:
        if name in stack:
            return []
        spec = self.teams[name]
        chosen: set[str] = set()
        if isinstance(spec, TeamFilter):
            sets = self.country_sets()
            countries: set[str] | None = None
            if spec.country_in is not None:
                countries = set()
                for c in spec.country_in:
                    countries.update(sets.get(c, [c.upper()]))
            for aid, a in self.actors.items():
                if spec.kind is not None and a.kind not in spec.kind:
                    continue
                if countries is not None and a.country not in countries:
                    continue
                chosen.add(aid)
            chosen.update(self._names(spec.include, (*stack, name)))
            chosen.difference_update(self._names(spec.exclude, (*stack, name)))
        else:
            chosen.update(self._names(spec, (*stack, name)))
        return [aid for aid in self.actors if aid in chosen]

    def _names(self, names: list[str], stack: tuple[str, ...],
               incident: str | None = None) -> list[str]:
        out: list[str] = []
        for n in names:
            if n in self.actors:
                out.append(n)
            elif n in self.teams:
                out.extend(self._team(n, stack))
            elif n in STATIC_SELECTORS or n in INCIDENT_SELECTORS:
                out.extend(self._selected(n, incident))
            else:
                out.append(n)
        return out

    def _selected(self, selector: str, incident: str | None) -> list[str]:
        kinds = {"member_certs": ("national_cert",), "partner_certs": ("partner_cert",),
                 "police_channels": ("intl_police_channel",),
                 "exercise_control": ("exercise_control",),
                 "regional_council": ("regional_council",),
                 "affected_certs": ("national_cert", "partner_cert"),
                 "hosting_certs": ("national_cert", "partner_cert"),
                 "hosting_police": ("national_police",),
                 "hosting_central_authorities": ("central_authority",),
                 "victims": ("victim",)}[selector]
        if selector == "regional_council" and "regional_coordinator" in self.roles:
            return [self.roles["regional_coordinator"]]
        countries: set[str] | None = None
        if selector in INCIDENT_SELECTORS:
            countries = set()
            for inj in self.injects:
                if inj.incident.id == incident:
                    field = inj.incident.affected if selector in (
                        "affected_certs", "victims") else inj.incident.hosted_in
                    countries.update(field or ())
        return [aid for aid, a in self.actors.items() if a.kind in kinds
                and (countries is None or a.country in countries)]

    def expand(self, names: list[str], incident: str | None = None) -> list[str]:
        """Actor ids for a list of actor ids, teams and selectors, without duplicates."""
        return list(dict.fromkeys(self._names(names, (), incident)))

    def binds(self, rule: Rule) -> frozenset[str]:
        """The actors a rule's 'by' names: kinds, actor ids, countries, groups, teams."""
        sets = self.country_sets()
        out: set[str] = set()
        for name in rule.by:
            if name in self.actors:
                out.add(name)
            elif name in self.teams:
                out.update(self.team_members[name])
            elif name in ACTOR_KINDS:
                out.update(a for a, spec in self.actors.items() if spec.kind == name)
            else:
                countries = set(sets.get(name, [name.upper()]))
                out.update(a for a, spec in self.actors.items() if spec.country in countries)
        return frozenset(out)

    def expectation_units(self) -> list[Expectation]:
        """The expectations as scored: one with require 'each' becomes one per actor, with
        the id 'E1.<actor>'."""
        if not any(e.require == "each" for e in self.expectations):
            return self.expectations
        out: list[Expectation] = []
        for e in self.expectations:
            if e.require != "each":
                out.append(e)
                continue
            for aid in e.actors:
                out.append(e.model_copy(update={"id": f"{e.id}.{aid}", "actors": [aid],
                                                "require": "any"}))
        return out

    def country_sets(self) -> dict[str, list[str]]:
        """Groups and memberships by id: the country sets conditions may name."""
        return {**self.groups, **{m: ms.countries for m, ms in self.memberships.items()}}

    def rules(self) -> dict[str, tuple[str, Rule]]:
        """Every enabled rule by id, with its framework id."""
        out: dict[str, tuple[str, Rule]] = {}
        for fid, fw in self.frameworks.items():
            if not fw.enabled:
                continue
            for rid, rule in fw.rules.items():
                if rule.enabled:
                    out[rid] = (fid, rule)
        return out


#: Library file sections that hold mappings keyed by id (merged field by field).
MAPPING_SECTIONS = ("groups", "actors", "channels", "frameworks", "memberships", "roles")
