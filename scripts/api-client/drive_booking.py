"""Drives a booking in the demo's cleaners' co-op through its life with a
client generated from coopkit's OpenAPI document (openapi-python-client),
so that the document cannot drift from the server unnoticed: a call whose
answer has a status the document does not list raises, and an answer that
lacks a field the document requires fails to parse.

Rosa, Bright Homes' admin, offers Monday cleaning; a newcomer signs up,
joins as a customer (admitted by Rosa if the bylaws ask for it), finds her
free next Monday, and books her; she accepts and he cancels; a second
request she declines.

Usage: python drive_booking.py BASE_URL  (with the generated package,
coopkit_client, on PYTHONPATH)
"""

import datetime
import secrets
import sys

from coopkit_client import AuthenticatedClient, Client
from coopkit_client.api.market import request_booking, save_profile, search_providers, step_booking
from coopkit_client.api.memberships import decide_application, join
from coopkit_client.api.people import create_token, sign_up
from coopkit_client.models import (
    BookingDto,
    Decision,
    DecisionRequest,
    JoinRequest,
    MembershipStateDto,
    NewBookingDto,
    OfferDto,
    PersonDto,
    ProviderPageDto,
    ServiceDto,
    SignUpRequest,
    SlotDto,
    TokenDto,
    TokenRequest,
)

COOP = "bright-homes"


def expect(kind, value):
    """The parsed answer, which must be the documented model."""
    if not isinstance(value, kind):
        sys.exit(f"expected {kind.__name__}, got {value!r}")
    return value


def signed_in(base, email, password):
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    request = TokenRequest(email=email, password=password, name="generated client")
    token = expect(TokenDto, create_token.sync(client=anonymous, body=request))
    return AuthenticatedClient(base_url=base, token=token.token, raise_on_unexpected_status=True)


def next_monday_at(hour):
    midnight = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + datetime.timedelta(days=7 - midnight.weekday(), hours=hour)


def step(client, booking, name, state):
    done = expect(BookingDto, step_booking.sync(slug=COOP, id=booking.id, step=name, client=client))
    if done.state != state:
        sys.exit(f"{name}: expected {state}, the booking is {done.state}")
    return done


def main(base):
    rosa = signed_in(base, "rosa@brighthomes.example", "cooperate-2026")
    offer = OfferDto(
        bio="Mondays, by the hour.",
        services=[ServiceDto(category="cleaning", currency="GBP", price=1_800, unit_minutes=60)],
        slots=[SlotDto(day="mon", from_="09:00", until="17:00")],
    )
    rosa_id = expect(ProviderPageDto, save_profile.sync(slug=COOP, client=rosa, body=offer)).id

    email = f"newcomer-{secrets.token_hex(4)}@example.org"
    password = secrets.token_urlsafe(16)
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    expect(PersonDto, sign_up.sync(client=anonymous, body=SignUpRequest(display_name="Nico Newcomer", email=email, password=password)))
    nico = signed_in(base, email, password)
    joined = expect(MembershipStateDto, join.sync(slug=COOP, client=nico, body=JoinRequest(class_="customer")))
    if joined.status == "pending":
        admitted = decide_application.sync(slug=COOP, id=joined.id, client=rosa, body=DecisionRequest(decision=Decision.ADMIT))
        expect(MembershipStateDto, admitted)

    start, end = next_monday_at(10), next_monday_at(12)
    found = search_providers.sync(slug=COOP, client=nico, category="cleaning", available_from=start, available_until=end)
    if rosa_id not in [provider.id for provider in found]:
        sys.exit(f"Rosa ({rosa_id}) not found free on {start}")

    ask = NewBookingDto(provider=rosa_id, category="cleaning", starts_at=start, ends_at=end, payment="cash")
    booking = expect(BookingDto, request_booking.sync(slug=COOP, client=nico, body=ask))
    if (booking.state, booking.steps) != ("requested", ["cancel"]):
        sys.exit(f"a new request: {booking!r}")
    step(rosa, booking, "accept", "confirmed")
    step(nico, booking, "cancel", "cancelled")

    again = expect(BookingDto, request_booking.sync(slug=COOP, client=nico, body=ask))
    step(rosa, again, "decline", "declined")
    print(f"booking {booking.id}: requested, confirmed, cancelled; booking {again.id}: declined")


if __name__ == "__main__":
    main(sys.argv[1])
