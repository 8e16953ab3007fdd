"""schemathesis hooks for `npm run fuzz` (loaded through SCHEMATHESIS_HOOKS by scripts/fuzz.ts).

Two checks are refined here: one only for rules JSON Schema cannot state, the other only for
optional parts of a record that a new record has not got yet (OPTIONAL_PARTS, at the end).

`positive_data_acceptance` says a request that matches its schema must not get a 4xx such as
400. This API refuses some schema-valid requests with 400 on purpose, for rules no schema can
carry (shared/api.md fixes 400 as the status for invalid input, so the status stays):

  * references to records that do not exist: JSON Schema describes values, not the database
    (`serviceId` naming no CI, a group naming no user as manager, …);
  * rules between fields: JSON Schema cannot compare two values (`end` after `start`, a
    salvage value only with a cost, a template only on a standard change, …).

The built-in check is switched off in schemathesis.toml and runs here unchanged; a failure of
it is forgiven only when the answer is a 400 whose every listed error is one of the RULES below,
each named with its reason. Any other refused schema-valid request (a constraint the document
lacks) still fails the run, as the built-in check would.
"""

import json
import re

import schemathesis
from hypothesis.internal import lambda_sources

# hypothesis labels filtered strategies by parsing their lambda's source with ast.parse, which on
# CPython 3.11 before 3.11.8 can raise SystemError ("AST constructor recursion depth mismatch",
# CPython gh-106905) when called deep in the stack: an error of the fuzzer's Python, not of this
# API, which ended a CI run. The label is cosmetic, so it falls back to hypothesis's own "unknown".
_lambda_description = lambda_sources._lambda_description


def _robust_lambda_description(f, *args, **kwargs):
    try:
        return _lambda_description(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _robust_lambda_description
from schemathesis.openapi.checks import EnsureResourceAvailability, UseAfterFree
from schemathesis.specs.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import ensure_resource_availability as builtin_ensure_resource_availability
from schemathesis.specs.openapi.checks import positive_data_acceptance as builtin_positive_data_acceptance
from schemathesis.specs.openapi.checks import use_after_free as builtin_use_after_free

# (error message pattern, why no schema can state it), matched against each `errors[].message` of
# the problem+json answer; PATH_RULES match `errors[].path` instead.
RULES = [
    # References: the value has the right shape, but names nothing in this database.
    (r"^no [A-Za-z -]+ ", "names a record that does not exist"),
    # Between fields of one request, or between a value and the calendar.
    # (also POST /slas/:id/simulate: `to` must be after `from`, the period replayed)
    (r"^must be after ", "an end compared with its start"),
    (r"^must be at most \d+ days after ", "the distance between two timestamps"),
    (r"^hours\.\w+ end .* must be after start ", "a day's closing time compared with its opening time"),
    (r"^calendar has no open hours at all$", "a calendar with every day closed"),
    (r"^needs a ", "a field that only makes sense with another one"),
    (r"^only with reason \w+", "a field that only makes sense with another one's value"),
    (r"^only with type '\w+'$", "a field that only makes sense with another one's value (an incident's classification with type security)"),
    (r"^only with kind UC ", "a report grouping (groupBy=supplier) that only makes sense with another parameter's value (kind)"),
    (r"^not an active member of group ", "an assignee checked against the group's members in the directory"),
    (r"^the range may span at most \d+ days$", "the distance between two timestamps"),
    # Financial management: a report's months compared with each other; a budget's service checked for its class.
    (r"^must not be before from$", "an end month compared with its start month"),
    (r"^at most \d+ months from from$", "the distance between two months"),
    (r" is a \w+, not a service$", "a CI reference whose class must be service (the class is the stored CI's)"),
    (r"^must not be in the future$", "a timestamp compared with the clock (an outage is recorded as it happens)"),
    (r"^must be at most \d+ days before the incident was opened ", "a timestamp compared with the incident's opening"),
    (r"^a package release lists ", "depends on the release type"),
    (r"^a standard change must name its ", "depends on the change type"),
    (r"^required (with|to|when) ", "a field that only makes sense with another one"),
    (r"^must not exceed the cost ", "a value compared with another field"),
    # Supplier contracts: the notice period compared with the term; the UC agreement checked against the supplier.
    (r"^the notice period must fit in the term$", "a number of days compared with the distance between two timestamps"),
    (r" is not an underpinning contract of ", "an agreement reference whose kind and supplier must match the contract's supplier"),
    # Security: a policy's review date compared with the clock; an access review's accounts compared with each other and checked against the review.
    (r"^must be in the future$", "a timestamp compared with the clock"),
    (r"^account .+ is listed twice$", "entries compared with each other"),
    (r"^account .+ is not in ARV\d+$", "an account checked against the stored review's list"),
    # Service continuity: a plan's service checked for its state; a run's step checked against the stored run's steps.
    (r"^CI\d+ is retired$", "a CI reference whose stored CI must be live"),
    (r"^DRT\d+ has no step \d+ ", "a step index checked against the stored run's steps (the plan's when it started)"),
    (r"^a \w+ release needs its release unit$", "depends on the release type"),
    (r"' is listed twice$", "entries compared with each other"),
    (r"^must be an http:, https: or file: URI$", "what the WHATWG URL parser accepts, which no pattern states"),
    (r"is not one of the release's environments", "keys compared with another field's values"),
    (r"^a CI cannot be related to itself$", "compares the path's id with the body's"),
    (r" escalates \(directly or through its parents\) to ", "a group's parent checked against the stored hierarchy, which must stay free of loops"),
    (r"^must not repeat an entry", "entries compared after trimming white space (uniqueItems compares them as sent)"),
    (r"^only standard changes use a template$", "depends on the change type"),
    (r"^not part of \w+", "an RCA entry's fields depend on the method (five whys or fishbone)"),
    (r"^required for \w+", "an RCA entry's fields depend on the method (five whys or fishbone)"),
    (r"^same natural key ", "items of one snapshot compared by class and name (uniqueItems compares whole items)"),
    (r"^is the address of \S+, not of callerId ", "an address compared with another field's user"),
    (r"^not for a requester: ", "depends on the caller's role, not on the request's form"),
    (r" is a requester: work notes are not shown to requesters", "a mentioned user's role compared with the note's visibility"),
    (r" may not see this incident$", "a mentioned user checked against the incident's visibility"),
    # Capacity thresholds: the levels compared with each other and the direction; null clears a level, and one must remain (also after a PATCH, merged with the stored threshold).
    (r"^must be (above|below) warning \(direction (above|below)\)$", "a level compared with another level and the direction"),
    (r"^at least one of warning, critical and limit (is required|must remain)$", "levels that may be null (null clears a level; one must remain)"),
    # Values judged by the runtime rather than by their form.
    (r"^unknown timezone ", "an IANA zone as the runtime's ICU knows it (aliases and any letter case too)"),
    (r"^must be an absolute http:, https: or file: URI$", "what the WHATWG URL parser accepts, which no pattern states"),
    (r"^must be an http\(s\) URL$", "what the WHATWG URL parser accepts, which no pattern states"),
    (r"^must be a positive ISO-8601 duration of at most ten years", "a bound on the duration's length, not its form"),
    # Report schedules: the Temporal client and server judge a cron and its zone; a backfill is compared with the clock and the schedule's period.
    (r"^not (a cron expression|a timezone) the schedule engine accepts: ", "what Temporal's cron parser and zone database accept, which no pattern states"),
    (r"^must not be in the future: ", "a timestamp compared with the clock"),
    (r"^holds no whole \w+ after from ", "the distance between two timestamps, in the schedule's period and zone"),
]
_RULES = [(re.compile(pattern), why) for pattern, why in RULES]
PATH_RULES = [
    # A CI's attributes are checked against its class's own schema (domain/cmdb/classes.ts); on
    # PATCH the class is the stored record's, which the request does not carry (nor does a change's
    # ciUpdates[].attributes). Their values are free-form JSON to the document.
    (r"(^|\.)attributes(\.|$)", "validated by the CI's class"),
    # Import rows are free-form JSON to the document ({items: [...]} or a bare array): the import
    # checks each row itself (and any JSON body is refused if its text cannot be stored).
    (r"^(items\.)?\d+(\.|$)", "an import row, checked by the import"),
    # CSV bodies are text to JSON Schema: their columns are parsed and checked by the import.
    (r"^header(\.|$)", "a CSV's header row, which JSON Schema sees as one string"),
    # Prometheus text exposition bodies are text to JSON Schema: each line is parsed as a sample.
    (r"^lines(\.\d+)?$", "a line of a Prometheus text exposition, which JSON Schema sees as one string"),
]
_PATH_RULES = [(re.compile(pattern), why) for pattern, why in PATH_RULES]


def _documented(error) -> bool:
    if not isinstance(error, dict):
        return False
    message, path = error.get("message"), error.get("path")
    return (isinstance(message, str) and any(rule.search(message) for rule, _ in _RULES)) or (
        isinstance(path, str) and any(rule.search(path) for rule, _ in _PATH_RULES)
    )


def _documented_rule_errors(response) -> bool:
    if response.status_code != 400:
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return False
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return False
    return all(_documented(e) for e in errors)


@schemathesis.check
def positive_data_acceptance_beyond_schema(ctx, response, case):
    """positive_data_acceptance, except for the documented rules JSON Schema cannot state."""
    try:
        return builtin_positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _documented_rule_errors(response):
            return None
        raise


# `ensure_resource_availability` says a resource just created must not answer 404 at any path
# under it. A few paths under a record name an optional part of it that exists only once someone
# sets it, so a new record answers 404 there, as GitHub's API does for a repository's Pages:
# (operation, the 404's problem detail, why). The built-in check is switched off by scripts/fuzz.ts
# and runs here unchanged; its failure is forgiven only for these operations with exactly this
# detail (the part missing, not the record), so a record that vanished still fails the run.
OPTIONAL_PARTS = [
    ("GET /api/v1/cis/{id}/access-review-schedule", r"^access review schedule of \S+ not found$", "a system is reviewed on a cron only once its schedule is set (PUT)"),
    ("DELETE /api/v1/cis/{id}/access-review-schedule", r"^access review schedule of \S+ not found$", "there is no schedule to stop before one is set"),
]
_OPTIONAL_PARTS = [(label, re.compile(detail)) for label, detail, _ in OPTIONAL_PARTS]


def _optional_part_missing(response, case) -> bool:
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return False
    detail = body.get("detail") if isinstance(body, dict) else None
    label = case.operation.label
    return isinstance(detail, str) and any(label == l and rule.search(detail) for l, rule in _OPTIONAL_PARTS)


@schemathesis.check
def ensure_resource_availability_beyond_optional_parts(ctx, response, case):
    """ensure_resource_availability, except for a new record's optional parts not set yet."""
    try:
        return builtin_ensure_resource_availability(ctx, response, case)
    except EnsureResourceAvailability:
        if _optional_part_missing(response, case):
            return None
        raise


# `use_after_free` says a resource must answer 404 once a DELETE on it succeeded. For these
# operations DELETE retires the record rather than erasing it, as the operation's summary says:
# the records and reports that name it keep a record to point at (an incident keeps its
# agreement's clocks, a change its CI), so it stays readable, marked retired. The built-in check
# is switched off by scripts/fuzz.ts and runs here unchanged; its failure is forgiven only after
# one of these DELETEs, and a read of the record itself must show it retired (RETIRED_MARKS).
RETIRING = [
    ("DELETE /api/v1/slas/{id}", "an agreement: incidents that have it keep their clocks"),
    ("DELETE /api/v1/cis/{id}", "a configuration item: never deleted, records keep their links"),
    ("DELETE /api/v1/suppliers/{id}", "a supplier and its CI: kept for the contracts and records that name it"),
    ("DELETE /api/v1/customers/{id}", "a customer: kept for the records and reports that name it"),
    ("DELETE /api/v1/continuity-plans/{id}", "a continuity plan: kept with its runs"),
    ("DELETE /api/v1/report-schedules/{id}", "a report schedule: the definition stays with its runs"),
]
_RETIRING = {label for label, _ in RETIRING}
RETIRED_MARKS = ("retiredAt", "deletedAt")


def _read_shows_retired(response, failure) -> bool:
    deleted_path = failure.free.split(" ", 1)[1]
    read_path = failure.usage.split(" ", 1)[1]
    if read_path != deleted_path:
        return True  # a part of the retired record (its versions, its runs): kept with it
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return False
    return isinstance(body, dict) and any(body.get(mark) for mark in RETIRED_MARKS)


@schemathesis.check
def use_after_free_beyond_retirement(ctx, response, case):
    """use_after_free, except for a record that DELETE retires, read back marked retired."""
    try:
        return builtin_use_after_free(ctx, response, case)
    except UseAfterFree as failure:
        if failure.operation in _RETIRING and _read_shows_retired(response, failure):
            return None
        raise
